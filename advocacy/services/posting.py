"""Delivering shares exactly once on top of at-least-once task delivery.

The database is the source of truth; Celery only carries "look at share N now".
1. A worker claims a share with a conditional UPDATE (`queued | retry_wait |
   needs_reconcile → posting`), committed before any HTTP call, so a duplicate message
   or a second worker finds nothing to claim.
2. A share that may already have reached the network (`needs_reconcile`: an ambiguous
   answer, or a worker that died mid-call, found by `shares_sweep_stale`) is looked up
   first — the network's own idempotency (Mastodon's Idempotency-Key, Bluesky's record
   key, the Sandbox), the duplicate error's id (LinkedIn), or a search of the account's
   recent posts for the share's unique tracked link (X) — and only posted when nothing
   is found.
3. The outcome is recorded with another conditional UPDATE (`posting → …`).
Retries wait in the row (`next_attempt_at`), never as long ETAs in the broker: the beat
job `shares_dispatch_due` sends the due ones.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Field, Q
from django.utils import timezone

from accounts.models import Organization
from accounts.tenancy import scopes_disabled
from advocacy.models import (
    SHARE_TRANSITIONS,
    ProviderPause,
    Share,
    ShareAttempt,
    ShareState,
    SocialConnection,
    TrackedLink,
)
from advocacy.providers.base import (
    AmbiguousOutcome,
    AuthExpired,
    DuplicateContent,
    InvalidContent,
    PermissionDenied,
    ProviderError,
    PublishResult,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    SocialProvider,
    Transient,
)
from advocacy.services.connections import (
    connection_fresh_token,
    connection_identity,
    provider_for_connection,
)

logger = logging.getLogger(__name__)

BACKOFF_BASE = 2.0  # seconds; doubled per attempt
BACKOFF_CAP = 600.0  # ten minutes, Celery's own retry_backoff_max
# A retry this soon is sent with a countdown; anything later waits for the dispatcher.
COUNTDOWN_LIMIT = 60.0
# How long a share the dispatcher sent stays "sent" before it may be sent again.
DISPATCH_HOLD = timedelta(seconds=60)


def backoff_delay(attempt: int) -> float:
    """Full jitter (AWS's "exponential backoff and jitter"): uniform in [0, min(cap, base·2^n)],
    at least one second so a retry never hammers."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempt - 1, 0)))
    return max(1.0, random.uniform(0, ceiling))


def retry_moment(*, attempt: int, now: datetime, not_before: datetime | None = None) -> datetime:
    """The later of the network's reset time and our own back-off, plus up to 10 % jitter
    so accounts released by the same reset do not all come back in the same second."""
    moment = now + timedelta(seconds=backoff_delay(attempt))
    if not_before is not None and not_before > moment:
        spread = max((not_before - now).total_seconds() * 0.1, 1.0)
        moment = not_before + timedelta(seconds=random.uniform(0, spread))
    return moment


def _move(share: Share, action: str, **fields: Any) -> bool:
    """Make one move of SHARE_TRANSITIONS with a conditional UPDATE; False when the share
    was no longer in a state the move starts from (another worker, a cancel)."""
    sources, target = SHARE_TRANSITIONS[action]
    changed = _share_update(share, states=sources, state=target, updated_at=timezone.now(), **fields)
    if changed:
        share.state = target
        for name, value in fields.items():
            setattr(share, name, value)
    return changed


def _share_update(share: Share, *, states: Iterable[str], due_by: datetime | None = None, **values: Any) -> bool:
    """UPDATE the share's row with `values` if it is still in one of `states` (and, with
    `due_by`, has no retry time after it); whether it was.

    The hot path's conditional updates, twice per post, in plain SQL: compiling the
    ORM's `filter().update()` costs more CPU than PostgreSQL spends running it. The
    organisation stays explicit in the WHERE clause, as the tenant manager would add it."""
    connection = connections[router.db_for_write(Share)]
    meta = Share._meta
    assignments, params = [], []
    for name, value in values.items():
        field = cast("Field[Any, Any]", meta.get_field(name))
        assignments.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    states = list(states)
    where = f"id = %s AND organization_id = %s AND state IN ({', '.join(['%s'] * len(states))})"
    params += [share.pk, share.organization_id, *states]
    if due_by is not None:
        where += " AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
        params.append(cast("Field[Any, Any]", meta.get_field("next_attempt_at")).get_db_prep_save(due_by, connection))
    with connection.cursor() as cursor:
        # Only column names from the model and placeholders go into the text; values are parameters.
        cursor.execute(f"UPDATE {meta.db_table} SET {', '.join(assignments)} WHERE {where}", params)  # noqa: S608
        return cursor.rowcount == 1


def _log(share: Share, action: str, outcome: str, detail: str = "") -> None:
    ShareAttempt.objects.create(
        organization_id=share.organization_id,
        share=share,
        number=share.attempts,
        action=action,
        outcome=outcome,
        detail=detail[:500],
    )


def enqueue(share: Share, *, countdown: float = 0.0) -> None:
    """Send the posting task after the current transaction commits."""
    from advocacy.tasks import share_post

    organization_id, share_id = share.organization_id, share.pk

    def send() -> None:
        options: dict[str, Any] = {"kwargs": {"organization_id": organization_id, "share_id": share_id}}
        if countdown > 0:
            options["countdown"] = countdown
        share_post.apply_async(**options)

    transaction.on_commit(send)


# The worker's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class PostOutcome:
    state: str
    detail: str = ""


def share_post(*, share_id: int, now: datetime | None = None) -> PostOutcome:
    """Claim the share and deliver it; the task body. Safe to call any number of times."""
    now = now or timezone.now()
    share = Share.objects.select_related("connection", "item", "tracked_link").filter(pk=share_id).first()
    if share is None:
        return PostOutcome("missing")
    previous = share.state
    claimable, _ = SHARE_TRANSITIONS["claim"]
    if previous not in claimable:
        return PostOutcome("skipped", f"share is {previous}")
    if share.next_attempt_at and share.next_attempt_at > now:
        return PostOutcome("skipped", "not due yet")
    lease = now + timedelta(seconds=settings.SHARE_LEASE_SECONDS)
    sent_before = share.sent_at
    # The claim also stamps `sent_at`, committed before any HTTP call: if this worker dies
    # from here on, the share may have reached the network and is reconciled, never
    # blindly reposted. (A stamp on an attempt that then sends nothing costs one lookup.)
    claimed = _share_update(
        share,
        states=[previous],
        due_by=now,
        state=ShareState.POSTING,
        attempts=share.attempts + 1,
        lease_until=lease,
        sent_at=now,
        updated_at=now,
    )
    if not claimed:
        return PostOutcome("skipped", "claimed elsewhere")
    share.state, share.attempts, share.lease_until, share.sent_at = ShareState.POSTING, share.attempts + 1, lease, now
    try:
        return _deliver(share, reconcile_first=previous == ShareState.NEEDS_RECONCILE, sent_before=sent_before, now=now)
    except Exception as error:
        # An unexpected failure must not leave the share "posting" until the sweeper: say
        # what happened and let the back-off decide (a bug loops at most SHARE_MAX_ATTEMPTS times).
        logger.exception("Posting share %s failed unexpectedly", share.pk)
        return _retry_or_fail(share, now, f"Unexpected error: {type(error).__name__}", ambiguous=True)


# App-wide pauses, read at most every APP_PAUSE_CACHE_SECONDS per process: every share
# would otherwise pay a query for a breaker that is almost always open. A pause another
# worker recorded is seen within that time (a few more requests may meet the same 429).
APP_PAUSE_CACHE_SECONDS = 2.0
_app_pauses: dict[tuple[str, str], tuple[float, datetime | None]] = {}


def _app_pause(network: str, instance_url: str, now: datetime) -> datetime | None:
    key = (network, instance_url)
    cached = _app_pauses.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    until = (
        ProviderPause.objects.filter(network=network, instance_url__in=("", instance_url))
        .order_by("-paused_until")
        .values_list("paused_until", flat=True)
        .first()
    )
    _app_pauses[key] = (time.monotonic() + APP_PAUSE_CACHE_SECONDS, until)
    return until


def _pause_for(share: Share, now: datetime) -> datetime | None:
    connection = share.connection
    pauses = [connection.paused_until] if connection.paused_until and connection.paused_until > now else []
    app_pause = _app_pause(share.network, connection.instance_url, now)
    if app_pause and app_pause > now:
        pauses.append(app_pause)
    return max(pauses) if pauses else None


def _deliver(share: Share, *, reconcile_first: bool, sent_before: datetime | None, now: datetime) -> PostOutcome:
    paused = _pause_for(share, now)
    if paused is not None:
        # Nothing was sent: give the attempt back and wait for the network's reset.
        Share.objects.filter(pk=share.pk, state=ShareState.POSTING).update(attempts=share.attempts - 1)
        share.attempts -= 1
        _move(share, "retry_later", next_attempt_at=paused, lease_until=None)
        return PostOutcome(ShareState.RETRY_WAIT, "network paused")
    if share.attempts > settings.SHARE_MAX_ATTEMPTS:
        return _fail(share, "Chorus tried too many times without an answer from the network.", action="retry")
    connection = share.connection
    provider = provider_for_connection(connection)
    who = connection_identity(connection)
    request = share_request(share)
    key = str(share.idempotency_key)
    refreshed = False
    try:
        token = connection_fresh_token(connection=connection, now=now)
        if reconcile_first:
            found = provider.reconcile(
                token, who, request, idempotency_key=key, sent_after=sent_before or share.created_at
            )
            _log(share, "reconcile", "found" if found else "not found")
            if found is not None:
                return _posted(share, found, now)
        while True:
            try:
                result = provider.publish(token, who, request, idempotency_key=key)
            except AuthExpired:
                if refreshed:
                    raise ReauthRequired(
                        f"{connection.get_network_display()} keeps refusing this account's token. Reconnect it."
                    ) from None
                refreshed = True
                token = connection_fresh_token(connection=connection, rejected_access_token=token.access_token, now=now)
                continue
            _log(share, "publish", "posted")
            return _posted(share, result, now)
    except DuplicateContent as error:
        return _duplicate(share, error, provider, now, sent_before=reconcile_first or share.attempts > 1)
    except RateLimited as error:
        return _rate_limited(share, error, now)
    except ReauthRequired as error:
        _log(share, "publish", "reconnect", error.message)
        _move(
            share,
            "needs_reconnect",
            last_error=(error.message or "Reconnect this account to post.")[:500],
            error_action="reconnect",
            lease_until=None,
        )
        return PostOutcome(ShareState.NEEDS_RECONNECT, error.message)
    except (InvalidContent, PermissionDenied) as error:
        _log(share, "publish", type(error).__name__, error.message)
        action = "edit" if isinstance(error, InvalidContent) else "retry"
        return _fail(share, error.message or "The network refused this post.", action=action)
    except AmbiguousOutcome as error:
        _log(share, "publish", "ambiguous", error.message)
        return _retry_or_fail(share, now, error.message, ambiguous=True)
    except Transient as error:
        _log(share, "publish", "transient", error.message)
        return _retry_or_fail(share, now, error.message, ambiguous=False)
    except ProviderError as error:
        _log(share, "publish", type(error).__name__, error.message)
        return _retry_or_fail(share, now, error.message, ambiguous=True)


def share_request(share: Share) -> ShareRequest:
    item = share.item
    link_url = None
    try:
        link: TrackedLink | None = share.tracked_link
    except TrackedLink.DoesNotExist:
        link = None
    if link is not None:
        from advocacy.services.links import short_url

        link_url = short_url(link)
    return ShareRequest(
        text=share.body,
        link_url=link_url,
        link_title=(item.preview_title or item.title) if item is not None else None,
        link_description=(item.preview_description or "")[:300] if item is not None else None,
        created_at=share.created_at,
    )


def _posted(share: Share, result: PublishResult, now: datetime) -> PostOutcome:
    moved = _move(
        share,
        "posted",
        external_id=result.external_id[:300],
        external_url=(result.url or "")[:500],
        posted_at=now,
        last_error="",
        error_action="",
        lease_until=None,
        next_attempt_at=None,
    )
    if not moved:
        # The lease ran out and the sweeper took the share while we were still talking to
        # the network. Record the id anyway: the post exists, and reconcile must not repeat it.
        Share.objects.filter(pk=share.pk).exclude(state=ShareState.POSTED).update(
            state=ShareState.POSTED,
            external_id=result.external_id[:300],
            external_url=(result.url or "")[:500],
            posted_at=now,
            last_error="",
            error_action="",
        )
    if share.connection.paused_until is not None:
        SocialConnection.objects.filter(pk=share.connection_id).update(paused_until=None)
    return PostOutcome(ShareState.POSTED, result.external_id)


def _duplicate(
    share: Share, error: DuplicateContent, provider: SocialProvider, now: datetime, *, sent_before: bool
) -> PostOutcome:
    """A duplicate after an earlier send is almost always our own first attempt."""
    if error.existing_id and sent_before:
        _log(share, "publish", "duplicate: ours", error.existing_id)
        return _posted(share, PublishResult(external_id=error.existing_id, url=error.existing_url), now)
    if sent_before and not error.existing_id:
        _log(share, "publish", "duplicate without id")
        # X names no id: look for our tracked link among the account's recent posts.
        return _retry_or_fail(share, now, "Checking whether the post already went out.", ambiguous=True)
    _log(share, "publish", "duplicate", error.message)
    return _fail(
        share,
        f"{share.connection.get_network_display()} refused this as a duplicate of an earlier post. "
        "Change the wording and share again.",
        action="edit",
    )


def _rate_limited(share: Share, error: RateLimited, now: datetime) -> PostOutcome:
    retry_at = retry_moment(attempt=share.attempts, now=now, not_before=error.retry_at)
    _log(share, "publish", f"rate limited ({error.scope})", retry_at.isoformat())
    if error.scope == "app":
        # A cap on the whole network app: every account waits, not just this one.
        # ProviderPause is global, not tenant-owned: the network app serves every organisation.
        instance_url = share.connection.instance_url if share.network == "mastodon" else ""
        ProviderPause.objects.update_or_create(
            network=share.network,
            instance_url=instance_url,
            defaults={"paused_until": error.retry_at, "reason": error.message[:300]},
        )
        _app_pauses.pop((share.network, share.connection.instance_url), None)
    else:
        SocialConnection.objects.filter(pk=share.connection_id).update(paused_until=error.retry_at)
    # A rate limit is not the share's fault: it does not use up an attempt.
    Share.objects.filter(pk=share.pk).update(attempts=max(share.attempts - 1, 0))
    share.attempts = max(share.attempts - 1, 0)
    _move(
        share,
        "retry_later",
        next_attempt_at=retry_at,
        lease_until=None,
        last_error=f"{share.connection.get_network_display()} asked Chorus to slow down; the post waits until "
        f"{timezone.localtime(retry_at):%H:%M}.",
        error_action="",
    )
    _schedule(share, retry_at, now)
    return PostOutcome(ShareState.RETRY_WAIT, "rate limited")


def _retry_or_fail(share: Share, now: datetime, message: str, *, ambiguous: bool) -> PostOutcome:
    if share.attempts >= settings.SHARE_MAX_ATTEMPTS:
        return _fail(share, f"{message} Chorus gave up after {share.attempts} tries.", action="retry")
    retry_at = retry_moment(attempt=share.attempts, now=now)
    action = "reconcile_later" if ambiguous else "retry_later"
    _move(share, action, next_attempt_at=retry_at, lease_until=None, last_error=message[:500], error_action="")
    _schedule(share, retry_at, now)
    return PostOutcome(share.state, message)


def _schedule(share: Share, at: datetime, now: datetime) -> None:
    delay = (at - now).total_seconds()
    if delay <= COUNTDOWN_LIMIT:
        enqueue(share, countdown=max(delay, 0.0))


def _fail(share: Share, message: str, *, action: str) -> PostOutcome:
    _move(share, "fail", last_error=message[:500], error_action=action, lease_until=None, next_attempt_at=None)
    return PostOutcome(ShareState.FAILED, message)


# The beat's side ------------------------------------------------------------------------


def shares_sweep_stale(*, now: datetime | None = None) -> int:
    """Shares left `posting` past their lease belonged to a worker that died mid-call:
    they may have reached the network, so they go to reconcile, never straight to a repost."""
    now = now or timezone.now()
    sources, target = SHARE_TRANSITIONS["stale"]
    with scopes_disabled():  # one sweep over every organisation's shares, by state only
        return Share.objects.filter(state__in=sources, lease_until__lt=now).update(
            state=target, next_attempt_at=now, lease_until=None, updated_at=now
        )


def shares_dispatch_due(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Send the shares whose time has come: scheduled ones at their time, waiting retries
    at theirs, and queued ones whose message may have been lost. `lease_until` marks a
    waiting share as sent for DISPATCH_HOLD, so a tick does not send it twice."""
    now = now or timezone.now()
    sent = 0
    with scopes_disabled():  # the dispatcher serves every organisation; each task re-enters its scope
        dispatch_sources, dispatch_target = SHARE_TRANSITIONS["dispatch"]
        due_scheduled = list(
            Share.objects.filter(state__in=dispatch_sources, scheduled_for__lte=now).values_list("pk", flat=True)[
                :limit
            ]
        )
        if due_scheduled:
            Share.objects.filter(pk__in=due_scheduled, state__in=dispatch_sources).update(
                state=dispatch_target, updated_at=now
            )
        waiting = (
            Q(state__in=(ShareState.RETRY_WAIT, ShareState.NEEDS_RECONCILE), next_attempt_at__lte=now)
            | Q(state=ShareState.QUEUED, created_at__lte=now - DISPATCH_HOLD)
            | Q(pk__in=due_scheduled)
        )
        rows = list(
            Share.objects.filter(waiting)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(pk__in=due_scheduled))
            .values_list("pk", "organization_id")[:limit]
        )
        if rows:
            Share.objects.filter(pk__in=[pk for pk, _ in rows]).exclude(state=ShareState.POSTING).update(
                lease_until=now + DISPATCH_HOLD
            )
    from advocacy.tasks import share_post

    for share_id, organization_id in rows:
        share_post.apply_async(kwargs={"organization_id": organization_id, "share_id": share_id})
        sent += 1
    return sent


@transaction.atomic
def shares_requeue(*, organization: Organization, share_ids: list[int]) -> int:
    """Put shares that waited for a reconnect back in the queue."""
    shares = list(Share.objects.filter(organization=organization, pk__in=share_ids, state=ShareState.NEEDS_RECONNECT))
    for share in shares:
        action = "retry_checked" if share.sent_at else "retry"
        if _move(share, action, attempts=0, last_error="", error_action="", next_attempt_at=None):
            enqueue(share)
    return len(shares)
