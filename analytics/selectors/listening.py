"""Reads of listening: who is due the in-app prompts, the promises, and the results,
which never describe a group below the anonymity threshold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet

from accounts.models import Membership, MembershipStatus, Organization
from accounts.selectors.onboarding import onboarding_status
from advocacy.models import Share, ShareState
from analytics.lib.anonymity import ANONYMITY_THRESHOLD, SUPPRESSED_LABEL, is_reportable, suppressed_positions
from analytics.lib.quarters import last_quarters, quarter_label, quarter_of
from analytics.models import (
    BrandPromise,
    ListeningPromptState,
    PulseResponse,
    StoppingAnswer,
    StoppingReason,
)

# A certified member who has not shared for this long is asked what is stopping them.
STOPPING_AFTER_NO_SHARE = timedelta(days=30)
# After answering, the survey is not offered again for this long…
STOPPING_QUIET_AFTER_ANSWER = timedelta(days=90)
# …and after "Not now", for this long.
STOPPING_QUIET_AFTER_DISMISS = timedelta(days=30)
# "Not now" on the pulse hides it for this long (it comes back while the quarter is unanswered).
PULSE_QUIET_AFTER_DISMISS = timedelta(days=30)
TREND_QUARTERS = 4
SEGMENTS = {"department": "Department", "location": "Location"}
NOT_SET = "Not set"


# Sharing activity ---------------------------------------------------------------------


def last_shared_at(membership: Membership) -> datetime | None:
    """When the member's latest share was posted, or None if never."""
    return (
        Share.objects.filter(organization_id=membership.organization_id, membership=membership, state=ShareState.POSTED)
        .order_by("-posted_at")
        .values_list("posted_at", flat=True)
        .first()
    )


def _no_share_since(membership: Membership) -> datetime | None:
    return last_shared_at(membership) or membership.joined_at


# Who is due the prompts ----------------------------------------------------------------


def prompt_state(*, membership: Membership) -> ListeningPromptState | None:
    return ListeningPromptState.objects.filter(
        organization_id=membership.organization_id, membership=membership
    ).first()


def _stopping_quiet(state: ListeningPromptState | None, now: datetime) -> bool:
    if state is None:
        return False
    if state.stopping_answered_at and state.stopping_answered_at > now - STOPPING_QUIET_AFTER_ANSWER:
        return True
    return bool(state.stopping_dismissed_at and state.stopping_dismissed_at > now - STOPPING_QUIET_AFTER_DISMISS)


def member_due_stopping_survey(*, membership: Membership, now: datetime) -> bool:
    """Whether "What's stopping you?" is offered to this member now: active, certified,
    joined at least 30 days ago, no share in 30 days, and neither answered (90 days) nor
    dismissed (30 days) recently."""
    if membership.status != MembershipStatus.ACTIVE:
        return False
    since = _no_share_since(membership)
    if since is None or since > now - STOPPING_AFTER_NO_SHARE:
        return False
    if _stopping_quiet(prompt_state(membership=membership), now):
        return False
    return onboarding_status(membership=membership).certified


def members_due_stopping_survey(*, organization: Organization, now: datetime) -> list[Membership]:
    """Every member `member_due_stopping_survey` would offer the survey to. The cheap
    conditions run in SQL; certification, which needs the member's onboarding rows, runs
    for the remaining candidates only."""
    recently = Q(stopping_answered_at__gt=now - STOPPING_QUIET_AFTER_ANSWER) | Q(
        stopping_dismissed_at__gt=now - STOPPING_QUIET_AFTER_DISMISS
    )
    quiet = ListeningPromptState.objects.filter(organization=organization).filter(recently).values("membership_id")
    candidates = (
        Membership.objects.filter(
            organization=organization,
            status=MembershipStatus.ACTIVE,
            joined_at__lte=now - STOPPING_AFTER_NO_SHARE,
        )
        .exclude(pk__in=quiet)
        .select_related("organization", "user")
        .order_by("pk")
    )
    due = []
    for membership in candidates:
        since = _no_share_since(membership)
        if since is None or since > now - STOPPING_AFTER_NO_SHARE:
            continue
        if onboarding_status(membership=membership).certified:
            due.append(membership)
    return due


def current_quarter(*, organization: Organization, now: datetime) -> date:
    return quarter_of(now, organization.timezone)


def active_promises(*, organization: Organization) -> QuerySet[BrandPromise]:
    return BrandPromise.objects.filter(organization=organization, is_active=True).order_by("position", "created_at")


def promise_list(*, organization: Organization) -> QuerySet[BrandPromise]:
    """Every promise, active first, in their order, for the curators' list."""
    return BrandPromise.objects.filter(organization=organization).order_by("-is_active", "position", "created_at")


def pulse_answers_of(*, membership: Membership, quarter: date) -> dict[int, PulseResponse]:
    """The member's own ratings this quarter, by promise pk (to fill in the form again)."""
    responses = PulseResponse.objects.filter(
        organization_id=membership.organization_id, membership=membership, quarter=quarter
    )
    return {response.promise_id: response for response in responses}


def member_due_pulse(*, membership: Membership, now: datetime) -> bool:
    """Whether the pulse is offered: the organisation has active promises, the member has
    not answered this quarter, and did not say "Not now" in the last 30 days."""
    if membership.status != MembershipStatus.ACTIVE:
        return False
    organization = membership.organization
    if not active_promises(organization=organization).exists():
        return False
    quarter = current_quarter(organization=organization, now=now)
    if PulseResponse.objects.filter(organization=organization, membership=membership, quarter=quarter).exists():
        return False
    state = prompt_state(membership=membership)
    return not (state and state.pulse_dismissed_at and state.pulse_dismissed_at > now - PULSE_QUIET_AFTER_DISMISS)


# Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonFigure:
    reason: str
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class StoppingRow:
    """One group's reasons. When not `shown`, there are no numbers at all: `hidden_why`
    says why ("Fewer than 5 responses", or hidden to protect a smaller group)."""

    segment: str
    shown: bool
    respondents: int | None = None
    reasons: list[ReasonFigure] = field(default_factory=list)
    hidden_why: str = ""


@dataclass(frozen=True)
class PulseCell:
    shown: bool
    respondents: int | None = None
    average: float | None = None
    hidden_why: str = ""


@dataclass(frozen=True)
class PulseRow:
    segment: str
    cells: list[PulseCell]  # one per promise of ListeningResults.promises, in order


@dataclass(frozen=True)
class CommentList:
    """Free text of a group, without names, in alphabetical order (not the order given,
    which could tell who wrote what). Empty and `shown` False below the threshold."""

    title: str
    shown: bool
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    stopping_respondents: int | None  # None: below the threshold
    stopping_percents: dict[str, int | None]
    pulse_averages: list[float | None]  # one per promise of ListeningResults.promises


@dataclass(frozen=True)
class ListeningResults:
    quarter: date
    quarter_label: str
    by: str
    department: str
    location: str
    promises: list[BrandPromise]
    stopping_total: StoppingRow
    stopping_rows: list[StoppingRow]
    pulse_total: PulseRow
    pulse_rows: list[PulseRow]
    other_texts: CommentList
    pulse_comments: list[CommentList]
    trend: list[TrendPoint]
    threshold: int = ANONYMITY_THRESHOLD

    @property
    def by_label(self) -> str:
        return SEGMENTS[self.by]

    @property
    def too_few(self) -> str:
        return SUPPRESSED_LABEL


def _too_few() -> str:
    return SUPPRESSED_LABEL


PROTECTS_SMALLER = "Hidden so that a smaller group cannot be worked out"


def _filtered(queryset: QuerySet, department: str, location: str) -> QuerySet:  # type: ignore[type-arg]
    if department:
        queryset = queryset.filter(department=department)
    if location:
        queryset = queryset.filter(location=location)
    return queryset


def segment_values(*, organization: Organization, by: str) -> list[str]:
    """The groups a breakdown lists: every value current members have, plus any found in
    answers. Listing groups nobody answered from as well means a row marked "Fewer than
    5 responses" does not tell that someone in it answered."""
    values: set[str] = set(
        Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE).values_list(by, flat=True)
    )
    values |= set(StoppingAnswer.objects.filter(organization=organization).values_list(by, flat=True))
    values |= set(PulseResponse.objects.filter(organization=organization).values_list(by, flat=True))
    return sorted(values, key=lambda value: (value == "", value.casefold()))


def _reason_counts() -> dict[str, Count]:
    return {reason: Count("pk", filter=Q(**{reason: True})) for reason in StoppingReason.values}


def _stopping_row(segment: str, figures: dict[str, int] | None, hidden_why: str = "") -> StoppingRow:
    respondents = (figures or {}).get("n", 0)
    if figures is None or hidden_why or not is_reportable(respondents):
        return StoppingRow(segment=segment, shown=False, hidden_why=hidden_why or _too_few())
    reasons = [
        ReasonFigure(
            reason=reason.value,
            label=reason.label,
            count=figures[reason.value],
            percent=round(100 * figures[reason.value] / respondents),
        )
        for reason in StoppingReason
    ]
    return StoppingRow(segment=segment, shown=True, respondents=respondents, reasons=reasons)


def _pulse_cell(respondents: int, average: float | None, hidden_why: str = "") -> PulseCell:
    if hidden_why or not is_reportable(respondents):
        return PulseCell(shown=False, hidden_why=hidden_why or _too_few())
    return PulseCell(shown=True, respondents=respondents, average=round(average or 0, 1))


def _hidden_reasons(counts: list[int], total_shown: bool) -> list[str]:
    """Why each cell of a breakdown is hidden ("" when shown)."""
    hidden = suppressed_positions(counts, total_shown=total_shown)
    return [
        (_too_few() if count < ANONYMITY_THRESHOLD else PROTECTS_SMALLER) if index in hidden or count == 0 else ""
        for index, count in enumerate(counts)
    ]


def _label(value: str) -> str:
    return value or NOT_SET


def listening_results(
    *,
    organization: Organization,
    quarter: date,
    by: str = "department",
    department: str = "",
    location: str = "",
) -> ListeningResults:
    """The listening results of `quarter` for the members matching the filters, broken
    down `by` department or location, and the trend over the last four quarters.

    Every group below ANONYMITY_THRESHOLD respondents — a breakdown row, a pulse cell, a
    filter (department ∩ location included), a list of free text, a trend point — comes
    back without numbers or text. In a breakdown whose total is shown, enough further
    cells are hidden that the hidden ones add up to the threshold (else the total minus
    the shown cells would give the small group away)."""
    if by not in SEGMENTS:
        raise ValueError(f"Break down by one of {', '.join(SEGMENTS)}.")
    answers = _filtered(StoppingAnswer.objects.filter(organization=organization), department, location)
    responses = _filtered(PulseResponse.objects.filter(organization=organization), department, location)
    promise_pks = set(responses.filter(quarter=quarter).values_list("promise_id", flat=True))
    promises = list(
        BrandPromise.objects.filter(organization=organization)
        .filter(Q(is_active=True) | Q(pk__in=promise_pks))
        .order_by("position", "created_at")
    )
    segments = [value for value in segment_values(organization=organization, by=by)]
    if department and by == "department":
        segments = [department]
    if location and by == "location":
        segments = [location]

    # "What's stopping you?"
    quarter_answers = answers.filter(quarter=quarter)
    total = quarter_answers.aggregate(n=Count("pk"), **_reason_counts())
    stopping_total = _stopping_row("All", total)
    by_segment = {
        row[by]: row for row in quarter_answers.values(by).order_by(by).annotate(n=Count("pk"), **_reason_counts())
    }
    counts = [by_segment.get(value, {}).get("n", 0) for value in segments]
    reasons_hidden = _hidden_reasons(counts, stopping_total.shown)
    stopping_rows = [
        _stopping_row(_label(value), by_segment.get(value), why)
        for value, why in zip(segments, reasons_hidden, strict=True)
    ]

    # The pulse
    quarter_responses = responses.filter(quarter=quarter)
    totals = {
        row["promise_id"]: row
        for row in quarter_responses.values("promise_id")
        .order_by("promise_id")
        .annotate(n=Count("pk"), avg=Avg("rating"))
    }
    pulse_total = PulseRow(
        segment="All",
        cells=[_pulse_cell(totals.get(p.pk, {}).get("n", 0), totals.get(p.pk, {}).get("avg")) for p in promises],
    )
    cells: dict[tuple[int, str], dict] = {  # type: ignore[type-arg]
        (row["promise_id"], row[by]): row
        for row in quarter_responses.values("promise_id", by).order_by().annotate(n=Count("pk"), avg=Avg("rating"))
    }
    columns: list[list[PulseCell]] = []
    for index, promise in enumerate(promises):
        column_counts = [cells.get((promise.pk, value), {}).get("n", 0) for value in segments]
        hidden = _hidden_reasons(column_counts, pulse_total.cells[index].shown)
        columns.append(
            [
                _pulse_cell(count, cells.get((promise.pk, value), {}).get("avg"), why)
                for value, count, why in zip(segments, column_counts, hidden, strict=True)
            ]
        )
    pulse_rows = [
        PulseRow(segment=_label(value), cells=[column[row] for column in columns]) for row, value in enumerate(segments)
    ]

    # Free text, only for groups that reach the threshold
    other_texts = CommentList(title="“Something else”", shown=stopping_total.shown)
    if stopping_total.shown:
        texts = quarter_answers.filter(other=True).exclude(other_text="").values_list("other_text", flat=True)
        other_texts = CommentList(title=other_texts.title, shown=True, texts=_anonymous_order(texts))
    pulse_comments = []
    for index, promise in enumerate(promises):
        shown = pulse_total.cells[index].shown
        comments: Iterable[str] = (
            quarter_responses.filter(promise=promise).exclude(comment="").values_list("comment", flat=True)
            if shown
            else []
        )
        pulse_comments.append(CommentList(title=promise.text, shown=shown, texts=_anonymous_order(comments)))

    return ListeningResults(
        quarter=quarter,
        quarter_label=quarter_label(quarter),
        by=by,
        department=department,
        location=location,
        promises=promises,
        stopping_total=stopping_total,
        stopping_rows=stopping_rows,
        pulse_total=pulse_total,
        pulse_rows=pulse_rows,
        other_texts=other_texts,
        pulse_comments=pulse_comments,
        trend=_trend(answers, responses, promises, quarter),
    )


def _anonymous_order(texts: Iterable[str]) -> list[str]:
    return sorted(texts, key=str.casefold)


def _trend(
    answers: QuerySet[StoppingAnswer], responses: QuerySet[PulseResponse], promises: list[BrandPromise], last: date
) -> list[TrendPoint]:
    quarters = last_quarters(last, TREND_QUARTERS)
    stopping = {
        row["quarter"]: row
        for row in answers.filter(quarter__in=quarters)
        .values("quarter")
        .order_by("quarter")
        .annotate(n=Count("pk"), **_reason_counts())
    }
    pulse: dict[date, dict[int, dict]] = defaultdict(dict)  # type: ignore[type-arg]
    for row in (
        responses.filter(quarter__in=quarters)
        .values("quarter", "promise_id")
        .order_by()
        .annotate(n=Count("pk"), avg=Avg("rating"))
    ):
        pulse[row["quarter"]][row["promise_id"]] = row
    points = []
    for start in quarters:
        figures = stopping.get(start, {})
        n = figures.get("n", 0)
        reportable = is_reportable(n)
        points.append(
            TrendPoint(
                quarter=quarter_label(start),
                stopping_respondents=n if reportable else None,
                stopping_percents={
                    reason: (round(100 * figures[reason] / n) if reportable else None)
                    for reason in StoppingReason.values
                },
                pulse_averages=[
                    (
                        round(pulse[start][promise.pk]["avg"], 1)
                        if promise.pk in pulse[start] and is_reportable(pulse[start][promise.pk]["n"])
                        else None
                    )
                    for promise in promises
                ],
            )
        )
    return points
