"""Writes of listening: answering and dismissing the prompts, the curators' brand
promises, and the CSV export of the results (recorded in the audit log)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from accounts.models import AuditAction, Membership, Organization
from accounts.services.audit import audit_record
from analytics.lib.quarters import quarter_label
from analytics.models import (
    COMMENT_MAX,
    BrandPromise,
    ListeningPromptState,
    PulseResponse,
    StoppingAnswer,
    StoppingReason,
)
from analytics.selectors import (
    SEGMENTS,
    STOPPING_QUIET_AFTER_ANSWER,
    current_quarter,
    listening_results,
)


def _locked_state(membership: Membership) -> ListeningPromptState:
    """The member's prompt state, created if missing and locked for this transaction, so
    two submissions at once (a double click, two tabs) cannot both be counted."""
    ListeningPromptState.objects.get_or_create(organization_id=membership.organization_id, membership=membership)
    return ListeningPromptState.objects.select_for_update().get(
        organization_id=membership.organization_id, membership=membership
    )


# "What's stopping you?" ---------------------------------------------------------------


def stopping_answer_submit(*, membership: Membership, reasons: list[str], other_text: str, now: datetime) -> None:
    """Record an anonymous answer: the reasons and the member's department and location as
    they are now, with no link to the member. Refused when the member already answered in
    the last 90 days or this quarter (each quarter counts a person once)."""
    chosen = set(reasons)
    unknown = chosen - set(StoppingReason.values)
    if unknown:
        raise ValidationError({"reasons": f"Unknown reasons: {', '.join(sorted(unknown))}."})
    if not chosen:
        raise ValidationError({"reasons": "Tick at least one reason."})
    other_text = other_text.strip()
    if StoppingReason.OTHER in chosen and not other_text:
        raise ValidationError({"other_text": "Tell us a little about what else is stopping you."})
    if StoppingReason.OTHER not in chosen:
        other_text = ""
    if len(other_text) > COMMENT_MAX:
        raise ValidationError({"other_text": f"At most {COMMENT_MAX} characters."})
    organization = membership.organization
    quarter = current_quarter(organization=organization, now=now)
    with transaction.atomic():
        state = _locked_state(membership)
        answered = state.stopping_answered_at
        if answered is not None and (
            answered > now - STOPPING_QUIET_AFTER_ANSWER
            or current_quarter(organization=organization, now=answered) == quarter
        ):
            raise ValidationError("You have already answered recently. Thank you!")
        answer = StoppingAnswer(
            organization=organization,
            department=membership.department,
            location=membership.location,
            quarter=quarter,
            other_text=other_text,
            **{reason: reason in chosen for reason in StoppingReason.values},
        )
        answer.full_clean()
        answer.save()
        state.stopping_answered_at = now
        state.save(update_fields=["stopping_answered_at"])


def stopping_survey_dismiss(*, membership: Membership, now: datetime) -> None:
    """ "Not now": the survey is not offered again for 30 days."""
    with transaction.atomic():
        state = _locked_state(membership)
        state.stopping_dismissed_at = now
        state.save(update_fields=["stopping_dismissed_at"])


# The brand-promise pulse ---------------------------------------------------------------


@dataclass(frozen=True)
class PulseRating:
    promise: BrandPromise
    rating: int
    comment: str = ""


def pulse_submit(*, membership: Membership, ratings: list[PulseRating], now: datetime) -> int:
    """Save the member's ratings for this quarter, replacing any they gave earlier in the
    quarter; returns how many were saved. Only the organisation's active promises can be
    rated."""
    if not ratings:
        raise ValidationError({"ratings": "Rate at least one promise."})
    organization = membership.organization
    seen: set[int] = set()
    for item in ratings:
        if item.promise.organization_id != organization.pk or not item.promise.is_active:
            raise ValidationError({"ratings": "One of the promises is no longer asked."})
        if item.promise.pk in seen:
            raise ValidationError({"ratings": "Rate each promise once."})
        seen.add(item.promise.pk)
        if not 1 <= item.rating <= 5:
            raise ValidationError({"ratings": "Ratings go from 1 (not at all true) to 5 (completely true)."})
        if len(item.comment.strip()) > COMMENT_MAX:
            raise ValidationError({"ratings": f"Comments have at most {COMMENT_MAX} characters."})
    quarter = current_quarter(organization=organization, now=now)
    with transaction.atomic():
        _locked_state(membership)  # serialises a member's submissions
        for item in ratings:
            PulseResponse.objects.update_or_create(
                organization=organization,
                promise=item.promise,
                membership=membership,
                quarter=quarter,
                defaults={
                    "rating": item.rating,
                    "comment": item.comment.strip(),
                    "department": membership.department,
                    "location": membership.location,
                    "answered_at": now,
                },
            )
    return len(ratings)


def pulse_dismiss(*, membership: Membership, now: datetime) -> None:
    with transaction.atomic():
        state = _locked_state(membership)
        state.pulse_dismissed_at = now
        state.save(update_fields=["pulse_dismissed_at"])


def brand_promise_save(
    *, organization: Organization, text: str, is_active: bool = True, promise: BrandPromise | None = None
) -> BrandPromise:
    """Create a promise (last in the order) or change one's text and whether it is asked."""
    with transaction.atomic():
        if promise is None:
            last = BrandPromise.objects.filter(organization=organization).aggregate(n=Max("position"))["n"]
            promise = BrandPromise(organization=organization, position=(last or 0) + 1)
        elif promise.organization_id != organization.pk:
            raise ValidationError("No such promise.")
        promise.text = text.strip()
        promise.is_active = is_active
        promise.full_clean()
        promise.save()
    return promise


def brand_promise_reorder(*, organization: Organization, promises: list[BrandPromise]) -> None:
    """Put the promises in this order (all of the organisation's, each once)."""
    with transaction.atomic():
        existing = list(BrandPromise.objects.select_for_update().filter(organization=organization))
        if sorted(p.pk for p in existing) != sorted(p.pk for p in promises):
            raise ValidationError({"order": "List every promise of the organisation exactly once."})
        for position, promise in enumerate(promises, start=1):
            BrandPromise.objects.filter(organization=organization, pk=promise.pk).update(position=position)


def brand_promise_move(*, promise: BrandPromise, direction: str) -> None:
    """Swap the promise with its neighbour "up" or "down" in the order."""
    if direction not in ("up", "down"):
        raise ValidationError("Move a promise up or down.")
    organization = promise.organization
    with transaction.atomic():
        ordered = list(
            BrandPromise.objects.select_for_update()
            .filter(organization=organization)
            .order_by("position", "created_at")
        )
        index = next(i for i, p in enumerate(ordered) if p.pk == promise.pk)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                BrandPromise.objects.filter(organization=organization, pk=item.pk).update(position=position)


def brand_promise_delete(*, promise: BrandPromise) -> None:
    """Only a promise nobody rated can be deleted; one with ratings is deactivated instead,
    so past results keep their promise."""
    with transaction.atomic():
        if PulseResponse.objects.filter(organization_id=promise.organization_id, promise=promise).exists():
            raise ValidationError("Members have rated this promise: deactivate it instead, so its results stay.")
        promise.delete()


# Export --------------------------------------------------------------------------------


def listening_results_csv(
    *, organization: Organization, quarter: date, by: str, department: str = "", location: str = ""
) -> str:
    """The aggregate tables as CSV, with the same threshold as the page: a hidden group is
    a row that says why, without numbers. No free text and no names. The download is
    recorded in the audit log."""
    results = listening_results(
        organization=organization, quarter=quarter, by=by, department=department, location=location
    )
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    scope = ", ".join(
        part
        for part in (f"department {department}" if department else "", f"location {location}" if location else "")
        if part
    )
    writer.writerow(["Listening results", quarter_label(quarter), scope or "all members"])
    writer.writerow([])
    writer.writerow(["What's stopping you?"])
    reasons = list(StoppingReason)
    writer.writerow(
        [SEGMENTS[by], "Respondents", *[f"{r.label} (count)" for r in reasons], *[f"{r.label} (%)" for r in reasons]]
    )
    for row in [results.stopping_total, *results.stopping_rows]:
        if row.shown:
            writer.writerow(
                [
                    _cell(row.segment),
                    row.respondents,
                    *[figure.count for figure in row.reasons],
                    *[figure.percent for figure in row.reasons],
                ]
            )
        else:
            writer.writerow([_cell(row.segment), row.hidden_why])
    writer.writerow([])
    writer.writerow(["Brand promises: average rating (1–5)"])
    writer.writerow([SEGMENTS[by], *[_cell(p.text) for p in results.promises]])
    for pulse_row in [results.pulse_total, *results.pulse_rows]:
        writer.writerow(
            [
                _cell(pulse_row.segment),
                *[
                    f"{cell.average} (n={cell.respondents})" if cell.shown else cell.hidden_why
                    for cell in pulse_row.cells
                ],
            ]
        )
    with transaction.atomic():
        audit_record(
            organization=organization,
            action=AuditAction.EXPORT_DOWNLOADED,
            note=f"Listening results, {quarter_label(quarter)}, by {by}" + (f" ({scope})" if scope else ""),
        )
    return output.getvalue()


def _cell(value: str) -> str:
    """A spreadsheet must not run what a member typed as a department name (CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
