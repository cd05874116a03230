"""Writes of goals, KPIs, KPI values and the organisation's analytics settings.

KPI values are one per (KPI, day, source): recording a day again from the same source
replaces its figure, so re-importing a file or re-sending an API call never adds to it.
A CSV import is all or nothing: every row is checked first, and when any row is wrong
nothing is saved and every wrong row is reported by its line number — a half-imported
file is harder to put right than one that was refused.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.lib import crypto
from accounts.models import Membership, Organization
from analytics.models import (
    AnalyticsSettings,
    ConversionKind,
    Goal,
    Kpi,
    KpiAggregation,
    KpiMeasure,
    KpiValue,
    KpiValueSource,
    NetworkRate,
)
from content.lib.networks import Network

CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 10_000
SNIPPET_KEY_BYTES = 18
WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret
KPI_VALUES_CSV_HEADER = ("kpi", "date", "value", "note")
_CURRENCY = re.compile(r"[A-Z]{3}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


# Settings ------------------------------------------------------------------------------


def _settings_row(organization: Organization) -> AnalyticsSettings:
    """The organisation's settings row, created with the defaults on first write, locked
    for the rest of the transaction."""
    AnalyticsSettings.objects.get_or_create(organization=organization)
    return AnalyticsSettings.objects.select_for_update().get(organization=organization)


def origins_parse(text: str) -> list[str]:
    """The snippet's allowed origins, one per line, normalised (`https://www.acme.example`);
    ValidationError naming the first line that is not an origin."""
    origins: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or "@" in line:
            raise ValidationError(
                {"snippet_origins": f"Line {number} ({line!r}) is not an origin like https://www.acme.example."}
            )
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        if origin not in origins:
            origins.append(origin)
    return origins


@transaction.atomic
def analytics_settings_save(
    *, organization: Organization, values: Mapping[str, Any], rates: Mapping[str, Decimal | None]
) -> tuple[AnalyticsSettings, bool]:
    """Save the settings (`values`: currency, cpc, reaction_weight, attribution window
    and model, recognition, snippet origins) and the CPM per network (`rates`; None
    removes a network's rate). Returns the row and whether attribution changed, so that
    the caller can have past conversions attributed again."""
    row = _settings_row(organization)
    before = (row.attribution_window_days, row.attribution_model)
    allowed = {
        "currency",
        "cpc",
        "reaction_weight",
        "attribution_window_days",
        "attribution_model",
        "recognition_enabled",
        "snippet_origins",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    for name, value in values.items():
        setattr(row, name, value)
    row.currency = (row.currency or "").strip().upper()
    if not _CURRENCY.fullmatch(row.currency):
        raise ValidationError({"currency": "Give a three-letter ISO 4217 code, such as EUR or USD."})
    row.snippet_origins = "\n".join(origins_parse(row.snippet_origins))
    row.full_clean()
    row.save()
    networks = {network.value for network in Network}
    for network, cpm in rates.items():
        if network not in networks:
            raise ValidationError(f"Unknown network {network!r}.")
        if cpm is None:
            NetworkRate.objects.filter(organization=organization, network=network).delete()
            continue
        rate = NetworkRate.objects.filter(organization=organization, network=network).first() or NetworkRate(
            organization=organization, network=network
        )
        rate.cpm = cpm
        try:
            rate.full_clean()
        except ValidationError as error:
            raise ValidationError({f"cpm_{network}": error.messages}) from None
        rate.save()
    return row, (row.attribution_window_days, row.attribution_model) != before


@transaction.atomic
def webhook_secret_rotate(*, organization: Organization) -> str:
    """A new webhook signing secret, stored encrypted; the only time it is readable in
    full is this return value (the settings page shows it once). The previous secret
    stops working at once."""
    row = _settings_row(organization)
    secret = WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32)
    row.webhook_secret_encrypted = crypto.encrypt(secret)
    row.save(update_fields=["webhook_secret_encrypted", "updated_at"])
    return secret


@transaction.atomic
def snippet_key_ensure(*, organization: Organization, rotate: bool = False) -> str:
    """The organisation's snippet key, made on first use; a new one with `rotate`
    (the pages that carry the old key must then be updated)."""
    row = _settings_row(organization)
    if rotate or not row.snippet_key:
        row.snippet_key = secrets.token_urlsafe(SNIPPET_KEY_BYTES)
        row.save(update_fields=["snippet_key", "updated_at"])
    return row.snippet_key


# Goals and KPIs ------------------------------------------------------------------------


def _check_owner(organization: Organization, owner: Membership | None, field_name: str = "owner") -> None:
    if owner is not None and owner.organization_id != organization.pk:
        raise ValidationError({field_name: "Choose a member of this organisation."})


@transaction.atomic
def goal_save(*, organization: Organization, goal: Goal | None = None, **fields: Any) -> Goal:
    """Create a goal (last in the order) or change one: name, category, description,
    owner, is_archived."""
    allowed = {"name", "category", "description", "owner", "is_archived"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown goal fields: {', '.join(sorted(unknown))}.")
    _check_owner(organization, fields.get("owner"))
    if goal is None:
        last = Goal.objects.filter(organization=organization).order_by("-position").first()
        goal = Goal(organization=organization, position=(last.position + 1) if last else 1)
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.name = goal.name.strip()
    goal.full_clean()
    goal.save()
    return goal


def goal_archive(*, goal: Goal, archived: bool = True) -> Goal:
    """Archived goals leave the dashboards; their KPIs and values are kept."""
    goal.is_archived = archived
    goal.save(update_fields=["is_archived"])
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    """Deletes the goal with its KPIs and their values (archive to keep them)."""
    goal.delete()


def _validate_kpi(kpi: Kpi) -> None:
    kinds = {kind.value for kind in ConversionKind}
    if kpi.measure == KpiMeasure.VALUES:
        if kpi.conversion_kind:
            raise ValidationError({"conversion_kind": "Only a KPI measured by conversions has a conversion type."})
    elif kpi.conversion_kind and kpi.conversion_kind not in kinds:
        raise ValidationError({"conversion_kind": f"Choose one of {', '.join(sorted(kinds))}, or none for all."})
    if kpi.measure != KpiMeasure.VALUES and kpi.aggregation != KpiAggregation.SUM:
        raise ValidationError({"aggregation": "Conversions add up over a period: choose “sum”."})
    if kpi.target < 0 and kpi.measure != KpiMeasure.VALUES:
        raise ValidationError({"target": "A number of conversions or their value cannot be negative."})


@transaction.atomic
def kpi_save(*, organization: Organization, goal: Goal, kpi: Kpi | None = None, **fields: Any) -> Kpi:
    """Create a KPI of `goal` (last in its order) or change one: name, unit, direction,
    target, period, owner, measure, aggregation, conversion_kind, goal."""
    allowed = {
        "name",
        "unit",
        "direction",
        "target",
        "period",
        "owner",
        "measure",
        "aggregation",
        "conversion_kind",
        "goal",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"Unknown KPI fields: {', '.join(sorted(unknown))}.")
    _check_owner(organization, fields.get("owner"))
    goal = fields.pop("goal", None) or goal
    if goal.organization_id != organization.pk:
        raise ValidationError({"goal": "Choose a goal of this organisation."})
    if kpi is None:
        last = Kpi.objects.filter(organization=organization, goal=goal).order_by("-position").first()
        kpi = Kpi(organization=organization, goal=goal, position=(last.position + 1) if last else 1)
    kpi.goal = goal
    for name, value in fields.items():
        setattr(kpi, name, value)
    kpi.name = kpi.name.strip()
    kpi.conversion_kind = kpi.conversion_kind or ""
    kpi.full_clean()
    _validate_kpi(kpi)
    kpi.save()
    return kpi


@transaction.atomic
def kpi_delete(*, kpi: Kpi) -> None:
    kpi.delete()


# KPI values ------------------------------------------------------------------------------


def _values_accepted(kpi: Kpi) -> None:
    if kpi.measure != KpiMeasure.VALUES:
        raise ValidationError(
            f"{kpi.name} is measured by attributed conversions: its figures come from them, not from values."
        )


@transaction.atomic
def kpi_value_record(
    *,
    kpi: Kpi,
    on_date: date,
    value: Decimal,
    source: str,
    note: str = "",
    actor: Membership | None = None,
) -> tuple[KpiValue, bool]:
    """Record the KPI's figure of a day from a source: a new value (True), or the day's
    value from that source replaced (False). A manual entry needs a note (where the
    figure comes from), so that a reader can trust it."""
    _values_accepted(kpi)
    if source not in KpiValueSource.values:
        raise ValidationError({"source": "Unknown source."})
    note = (note or "").strip()
    if source == KpiValueSource.MANUAL and not note:
        raise ValidationError({"note": "Say where this figure comes from (a report, a system, a person)."})
    existing = (
        KpiValue.objects.select_for_update()
        .filter(organization=kpi.organization_id, kpi=kpi, on_date=on_date, source=source)
        .first()
    )
    row = existing or KpiValue(organization_id=kpi.organization_id, kpi=kpi, on_date=on_date, source=source)
    row.value = value
    row.note = note
    if actor is not None:
        row.created_by = actor
    row.full_clean(validate_unique=False, validate_constraints=False)
    row.save()
    return row, existing is None


def kpi_value_delete(*, value: KpiValue) -> None:
    value.delete()


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did, or (with errors) why it saved nothing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def csv_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of an uploaded CSV file (UTF-8, with or without a
    byte-order mark; comma or semicolon separated). ValidationError for a file that is
    not a readable CSV at all."""
    if len(data) > CSV_MAX_BYTES:
        raise ValidationError(f"The file is larger than {CSV_MAX_BYTES // (1024 * 1024)} MB: split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text: save it as “CSV UTF-8”.") from None
    if not text.strip():
        raise ValidationError("The file is empty.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
        rows: list[tuple[int, dict[str, str]]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise ValidationError(f"The file has more than {CSV_MAX_ROWS:,} rows: split it.")
            rows.append((reader.line_num, dict(zip(header, (cell.strip() for cell in row), strict=False))))
    except csv.Error as error:
        raise ValidationError(f"The file is not valid CSV: {error}.") from None
    return header, rows


def parse_decimal(text: str) -> Decimal:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"“{text}” is not a number (use a point for decimals, no thousands separator).")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text}” is not a number.") from None


def kpi_values_import(
    *, organization: Organization, data: bytes, kpi: Kpi | None = None, actor: Membership | None = None
) -> ImportReport:
    """Import KPI values from CSV, columns `kpi,date,value,note` (`kpi` is the KPI's id
    or its exact name; it may be left out when importing into one `kpi`). All or
    nothing; idempotent: the same file again changes nothing."""
    header, rows = csv_rows(data)
    missing = [name for name in ("date", "value") if name not in header]
    if kpi is None and "kpi" not in header:
        missing.insert(0, "kpi")
    if missing:
        raise ValidationError(
            f"The header must name the columns {', '.join(KPI_VALUES_CSV_HEADER)}; missing: {', '.join(missing)}."
        )
    kpis = list(Kpi.objects.filter(organization=organization, measure=KpiMeasure.VALUES))
    by_key: dict[str, Kpi] = {str(k.public_id): k for k in kpis}
    names: dict[str, list[Kpi]] = {}
    for candidate in kpis:
        names.setdefault(candidate.name.strip().lower(), []).append(candidate)
    report = ImportReport()
    parsed: list[tuple[Kpi, date, Decimal, str]] = []
    seen: dict[tuple[int, date], int] = {}
    for line, row in rows:
        reference = row.get("kpi", "")
        target_kpi = kpi
        if reference:
            found = by_key.get(reference.lower())
            if found is None:
                same_name = names.get(reference.strip().lower(), [])
                if len(same_name) > 1:
                    report.errors.append(RowError(line, f"Several KPIs are named “{reference}”: use the KPI's id."))
                    continue
                found = same_name[0] if same_name else None
            if found is None or (kpi is not None and found.pk != kpi.pk):
                message = (
                    f"“{reference}” is not {kpi.name}: this import is for that KPI only."
                    if kpi is not None and found is not None
                    else f"No KPI measured by values is named or has the id “{reference}”."
                )
                report.errors.append(RowError(line, message))
                continue
            target_kpi = found
        if target_kpi is None:
            report.errors.append(RowError(line, "Name the KPI in the kpi column."))
            continue
        try:
            on_date = date.fromisoformat(row.get("date", ""))
        except ValueError:
            report.errors.append(RowError(line, f"“{row.get('date', '')}” is not a date like 2026-03-31."))
            continue
        try:
            value = parse_decimal(row.get("value", ""))
        except ValueError as error:
            report.errors.append(RowError(line, str(error)))
            continue
        if abs(value) >= Decimal(10**12):
            report.errors.append(RowError(line, "The value is too large."))
            continue
        note = row.get("note", "")
        if len(note) > 500:
            report.errors.append(RowError(line, "The note is longer than 500 characters."))
            continue
        key = (target_kpi.pk, on_date)
        if key in seen:
            report.errors.append(
                RowError(line, f"{target_kpi.name} on {on_date} is already on line {seen[key]}: keep one row per day.")
            )
            continue
        seen[key] = line
        parsed.append((target_kpi, on_date, value.quantize(Decimal("0.01")), note))
    if report.errors:
        return report
    with transaction.atomic():
        existing = {
            (row.kpi_id, row.on_date): row
            for row in KpiValue.objects.select_for_update().filter(
                organization=organization, source=KpiValueSource.CSV, kpi__in={k.pk for k, *_ in parsed}
            )
        }
        for target_kpi, on_date, value, note in parsed:
            current = existing.get((target_kpi.pk, on_date))
            if current is not None and current.value == value and current.note == note:
                report.unchanged += 1
                continue
            kpi_value_record(
                kpi=target_kpi, on_date=on_date, value=value, source=KpiValueSource.CSV, note=note, actor=actor
            )
            if current is None:
                report.created += 1
            else:
                report.updated += 1
    return report
