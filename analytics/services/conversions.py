"""Writes of conversions: recording one from any channel (the website snippet, the
signed webhook, the API, a CSV file, a manual entry), attributing it, attributing past
ones again when the rules change, and checking the webhook's signature.

**Idempotent on the event id.** A conversion is recorded once per (organisation,
event id): a retried webhook, a beacon sent twice or a file imported again finds the
existing row and changes nothing. Two concurrent deliveries race on the unique
constraint, and the loser reads the winner's row.

**Attribution.** A conversion carries the first and the latest click id the visitor
came with. The organisation's model picks which one counts — last touch: the latest
click if it is genuine, this organisation's and in the window, else the first; first
touch: the first, else the latest — and the window (default 30 days) says how long
before the conversion a click may be: `occurred_at − window ≤ clicked_at ≤ occurred_at`
(plus five minutes for clocks that disagree). The click's link names the share, so its
member, content item and network. A conversion without such a click is kept and
counted as unattributed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.lib import crypto
from accounts.models import Organization
from advocacy.services.links import tracked_link_for_click
from analytics.models import AnalyticsSettings, AttributionModel, Conversion, ConversionKind, ConversionSource
from analytics.models.conversions import CLICK_ID_MAX, EVENT_ID_MAX
from analytics.selectors.conversions import organization_zone
from analytics.selectors.goals import analytics_settings
from analytics.services.goals import ImportReport, RowError, csv_rows, parse_decimal

CLOCK_TOLERANCE = timedelta(minutes=5)
WEBHOOK_TOLERANCE = timedelta(minutes=5)
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_VALUE = Decimal(10**12)
LABEL_MAX = 100
CONVERSIONS_CSV_HEADER = ("event_id", "kind", "occurred_at", "value", "currency", "label", "click_id")
_CURRENCY = re.compile(r"[A-Z]{3}")
_SIGNATURE_PART = re.compile(r"\s*([a-z0-9]+)=([^,\s]*)\s*")


@dataclass(frozen=True)
class ConversionInput:
    event_id: str
    kind: str
    occurred_at: datetime
    value: Decimal | None = None
    currency: str = ""
    label: str = ""
    first_click_id: str = ""
    last_click_id: str = ""


# Attribution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    model: str
    clicked_at: datetime
    share_id: int
    membership_id: int
    item_id: int | None
    network: str


def attribution_find(
    *,
    organization: Organization,
    first_click_id: str,
    last_click_id: str,
    occurred_at: datetime,
    window_days: int,
    model: str,
) -> Attribution | None:
    """The click that earned a conversion under the organisation's window and model,
    or None (no click id, a forged one, another organisation's, or outside the window)."""
    ordered = [last_click_id, first_click_id]
    if model == AttributionModel.FIRST_TOUCH:
        ordered.reverse()
    earliest = occurred_at - timedelta(days=window_days)
    for click_id in dict.fromkeys(c for c in ordered if c):
        found = tracked_link_for_click(organization=organization, click_id=click_id)
        if found is None:
            continue
        link, clicked_at = found
        if not earliest <= clicked_at <= occurred_at + CLOCK_TOLERANCE:
            continue
        share = link.share
        return Attribution(
            model=model,
            clicked_at=clicked_at,
            share_id=share.pk,
            membership_id=share.membership_id,
            item_id=share.item_id,
            network=str(share.network),
        )
    return None


def _apply(conversion: Conversion, attribution: Attribution | None) -> None:
    conversion.attribution_model = attribution.model if attribution else ""
    conversion.clicked_at = attribution.clicked_at if attribution else None
    conversion.share_id = attribution.share_id if attribution else None
    conversion.membership_id = attribution.membership_id if attribution else None
    conversion.item_id = attribution.item_id if attribution else None
    conversion.network = attribution.network if attribution else ""


ATTRIBUTION_FIELDS = ["attribution_model", "clicked_at", "share", "membership", "item", "network"]


def conversion_attribute(*, conversion: Conversion, settings: AnalyticsSettings | None = None) -> bool:
    """Attribute the conversion again under the organisation's current rules (not saved).
    Returns whether it changed."""
    organization = conversion.organization
    settings = settings or analytics_settings(organization=organization)
    before = tuple(
        getattr(conversion, f"{name}_id" if name in ("share", "membership", "item") else name)
        for name in ATTRIBUTION_FIELDS
    )
    _apply(
        conversion,
        attribution_find(
            organization=organization,
            first_click_id=conversion.first_click_id,
            last_click_id=conversion.last_click_id,
            occurred_at=conversion.occurred_at,
            window_days=settings.attribution_window_days,
            model=settings.attribution_model,
        ),
    )
    after = tuple(
        getattr(conversion, f"{name}_id" if name in ("share", "membership", "item") else name)
        for name in ATTRIBUTION_FIELDS
    )
    return before != after


def conversions_reattribute(*, organization: Organization, batch_size: int = 500) -> int:
    """Attribute every conversion that came with a click id again under the current
    window and model (after a settings change). Returns how many changed."""
    settings = analytics_settings(organization=organization)
    changed = 0
    conversions = (
        Conversion.objects.filter(organization=organization)
        .exclude(first_click_id="", last_click_id="")
        .select_related("organization")
        .order_by("pk")
    )
    last_pk = 0
    while True:
        batch = list(conversions.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return changed
        dirty = [conversion for conversion in batch if conversion_attribute(conversion=conversion, settings=settings)]
        if dirty:
            Conversion.objects.bulk_update(dirty, ATTRIBUTION_FIELDS)
            changed += len(dirty)
        last_pk = batch[-1].pk


# Recording ------------------------------------------------------------------------------


def _clean_input(
    organization: Organization, data: ConversionInput, *, now: datetime, default_currency: str
) -> ConversionInput:
    errors: dict[str, str] = {}
    event_id = (data.event_id or "").strip()
    if not event_id:
        errors["event_id"] = "Give the event's id (your system's id of the lead, order or application)."
    elif len(event_id) > EVENT_ID_MAX:
        errors["event_id"] = f"An event id has at most {EVENT_ID_MAX} characters."
    if data.kind not in ConversionKind.values:
        errors["kind"] = f"Choose one of {', '.join(ConversionKind.values)}."
    label = (data.label or "").strip()
    if data.kind == ConversionKind.CUSTOM and not label:
        errors["label"] = "Name the custom conversion (for example “Demo booked”)."
    if len(label) > LABEL_MAX:
        errors["label"] = f"A label has at most {LABEL_MAX} characters."
    if data.occurred_at.tzinfo is None:
        errors["occurred_at"] = "Give the time with its time zone (for example 2026-03-31T14:05:00Z)."
    elif data.occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = "The conversion cannot be in the future."
    currency = (data.currency or "").strip().upper()
    if data.value is not None:
        if data.value < 0:
            errors["value"] = "A value cannot be negative."
        elif data.value >= MAX_VALUE:
            errors["value"] = "The value is too large."
        currency = currency or default_currency
    if currency and not _CURRENCY.fullmatch(currency):
        errors["currency"] = "Give a three-letter ISO 4217 code, such as EUR or USD."
    for name in ("first_click_id", "last_click_id"):
        if len(getattr(data, name) or "") > CLICK_ID_MAX:
            errors[name] = "This is not a click id."
    if errors:
        raise ValidationError(errors)
    return ConversionInput(
        event_id=event_id,
        kind=data.kind,
        occurred_at=data.occurred_at,
        value=data.value.quantize(Decimal("0.01")) if data.value is not None else None,
        currency=currency,
        label=label,
        first_click_id=(data.first_click_id or data.last_click_id or "").strip(),
        last_click_id=(data.last_click_id or data.first_click_id or "").strip(),
    )


def conversion_record(
    *, organization: Organization, data: ConversionInput, source: str, now: datetime | None = None
) -> tuple[Conversion, bool]:
    """Record and attribute a conversion: (the new row, True), or (the row already
    recorded under this event id, False) — which is then left exactly as it was."""
    now = now or timezone.now()
    settings = analytics_settings(organization=organization)
    existing = Conversion.objects.filter(organization=organization, event_id=(data.event_id or "").strip()).first()
    if existing is not None:
        return existing, False
    clean = _clean_input(organization, data, now=now, default_currency=settings.currency)
    conversion = Conversion(
        organization=organization,
        event_id=clean.event_id,
        kind=clean.kind,
        label=clean.label,
        value=clean.value,
        currency=clean.currency,
        occurred_at=clean.occurred_at,
        source=source,
        first_click_id=clean.first_click_id,
        last_click_id=clean.last_click_id,
    )
    conversion_attribute(conversion=conversion, settings=settings)
    conversion.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            conversion.save(force_insert=True)
    except IntegrityError:
        # A concurrent delivery of the same event won the unique constraint.
        winner = Conversion.objects.filter(organization=organization, event_id=clean.event_id).first()
        if winner is None:
            raise
        return winner, False
    return conversion, True


def conversion_delete(*, conversion: Conversion) -> None:
    conversion.delete()


# Webhook ---------------------------------------------------------------------------------


class WebhookRefused(Exception):
    """The signature is missing, wrong or too old: the message is safe to show."""


def webhook_signature_check(*, organization: Organization | None, header: str, body: bytes, now: datetime) -> None:
    """Check `Chorus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
    against the organisation's secret, in constant time, refusing a timestamp more than
    five minutes away from `now` (a replayed old delivery). Several v1 values are
    accepted (a sender in the middle of rotating). Raises WebhookRefused with the same
    message for an unknown organisation as for a wrong signature."""
    refused = "The Chorus-Signature header is missing, malformed or does not match."
    parts: dict[str, list[str]] = {}
    for chunk in (header or "").split(","):
        match = _SIGNATURE_PART.fullmatch(chunk)
        if match:
            parts.setdefault(match.group(1), []).append(match.group(2))
    timestamps = parts.get("t", [])
    signatures = parts.get("v1", [])
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        raise WebhookRefused(refused)
    sent_at = int(timestamps[0])
    if abs(now.timestamp() - sent_at) > WEBHOOK_TOLERANCE.total_seconds():
        raise WebhookRefused("The signature's timestamp is more than five minutes from now: sign each delivery afresh.")
    secret = ""
    if organization is not None:
        row = AnalyticsSettings.objects.filter(organization=organization).first()
        if row is not None and row.webhook_secret_encrypted:
            try:
                secret = crypto.decrypt(row.webhook_secret_encrypted)
            except crypto.InvalidToken:
                secret = ""
    # Computed even without a secret, so that an unknown organisation takes as long.
    expected = hmac.new((secret or "no-secret").encode(), f"{sent_at}.".encode() + body, hashlib.sha256).hexdigest()
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.lower())
    if not secret or not matched:
        raise WebhookRefused(refused)


# Parsing shared by the webhook, the snippet, the API and CSV ------------------------------


def parse_occurred_at(text: str, *, organization: Organization) -> datetime:
    """An ISO 8601 date-time (its zone, or the organisation's when it has none) or a
    date (noon on the organisation's clock)."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Give when the conversion happened, like 2026-03-31T14:05:00Z or 2026-03-31.")
    zone = organization_zone(organization)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(12), tzinfo=zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"“{text}” is not a date or a date-time like 2026-03-31T14:05:00Z.") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def conversion_input_from_mapping(
    data: dict[str, Any], *, organization: Organization, now: datetime
) -> ConversionInput:
    """A ConversionInput from a JSON object or a CSV row; ValidationError per field."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            errors[name] = "Give a string."
            return ""
        return str(value).strip()

    occurred_at = now
    if text("occurred_at"):
        try:
            occurred_at = parse_occurred_at(text("occurred_at"), organization=organization)
        except ValueError as error:
            errors["occurred_at"] = str(error)
    value: Decimal | None = None
    raw_value = data.get("value")
    if raw_value not in (None, ""):
        if isinstance(raw_value, bool) or not isinstance(raw_value, str | int | float):
            errors["value"] = "Give a number."
        else:
            try:
                value = parse_decimal(str(raw_value))
            except ValueError as error:
                errors["value"] = str(error)
    click = text("click_id")
    result = ConversionInput(
        event_id=text("event_id"),
        kind=text("kind").lower(),
        occurred_at=occurred_at,
        value=value,
        currency=text("currency"),
        label=text("label"),
        first_click_id=text("first_click_id") or click,
        last_click_id=text("last_click_id") or click,
    )
    if errors:
        raise ValidationError(errors)
    return result


def conversions_import(*, organization: Organization, data: bytes, now: datetime | None = None) -> ImportReport:
    """Import conversions from CSV (`event_id,kind,occurred_at,value,currency,label,
    click_id`, or `first_click_id`/`last_click_id` instead of `click_id`). All or
    nothing; a row whose event id is already recorded is left as it is (`unchanged`),
    so the same file imported twice records each conversion once."""
    now = now or timezone.now()
    header, rows = csv_rows(data)
    missing = [name for name in ("event_id", "kind") if name not in header]
    if missing:
        raise ValidationError(
            f"The header must name the columns {', '.join(CONVERSIONS_CSV_HEADER)}; missing: {', '.join(missing)}."
        )
    settings = analytics_settings(organization=organization)
    report = ImportReport()
    cleaned: list[ConversionInput] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            parsed = conversion_input_from_mapping(dict(row), organization=organization, now=now)
            clean = _clean_input(organization, parsed, now=now, default_currency=settings.currency)
        except ValidationError as error:
            messages = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items())
            report.errors.append(RowError(line, messages))
            continue
        if clean.event_id in seen:
            report.errors.append(
                RowError(line, f"The event id {clean.event_id!r} is already on line {seen[clean.event_id]}.")
            )
            continue
        seen[clean.event_id] = line
        cleaned.append(clean)
    if report.errors:
        return report
    with transaction.atomic():
        for clean in cleaned:
            _conversion, created = conversion_record(
                organization=organization, data=clean, source=ConversionSource.CSV, now=now
            )
            if created:
                report.created += 1
            else:
                report.unchanged += 1
    return report
