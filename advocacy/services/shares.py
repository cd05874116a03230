"""Composing shares: the checks an employee's post passes before any row is written
(who may share, guardrails, compliance, originality), then one `Share` per chosen
account with its own tracked link, sent to the workers after the commit."""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.lib.availability import zone_for
from accounts.models import Membership, Organization
from accounts.selectors.onboarding import member_may_share
from advocacy.lib import guardrails, originality
from advocacy.models import (
    SHARE_TRANSITIONS,
    AdvocacySettings,
    Share,
    ShareFingerprint,
    ShareKind,
    ShareState,
    SocialConnection,
)
from advocacy.services.links import short_url, tracked_link_create
from advocacy.services.posting import _move, enqueue
from content.lib.compliance import with_disclosure
from content.lib.networks import CaptionCheck, caption_check
from content.models import Caption, ContentItem, Visibility
from content.services import caption_validate, content_settings_get

MIX_WINDOW = timedelta(days=30)
CAP_WINDOW = timedelta(days=7)
# A link placeholder as long as a real short link, so counters and previews measure what
# will be posted before the link exists.
LINK_PLACEHOLDER_CODE = "XXXXXXXX"


def advocacy_settings_get(*, organization: Organization) -> AdvocacySettings:
    settings_row, _ = AdvocacySettings.objects.get_or_create(organization=organization)
    return settings_row


@transaction.atomic
def advocacy_settings_update(*, organization: Organization, actor: Membership, **values: object) -> AdvocacySettings:
    from accounts.models.audit import AuditAction
    from accounts.services.audit import audit_changes, audit_record

    row = advocacy_settings_get(organization=organization)
    before = {name: getattr(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    if row.originality_block < row.originality_warn:
        raise ValidationError({"originality_block": "The refusal threshold cannot be below the warning threshold."})
    row.full_clean()
    row.save()
    changes = audit_changes(before, {name: getattr(row, name) for name in values})
    if changes:
        audit_record(
            organization=row.organization,
            action=AuditAction.ADVOCACY_SETTINGS_CHANGED,
            actor=actor,
            target_label="Sharing guardrails",
            changes=changes,
        )
    return row


def disclosure_tags(organization: Organization) -> tuple[str, ...]:
    disclosure = content_settings_get(organization=organization).disclosure.strip()
    return (disclosure,) if disclosure else ()


def compose_body(*, organization: Organization, network: str, text: str, link: str) -> str:
    """The post as the network receives it: the employee's words, the tracked link, the
    organisation's disclosure. Raises ValidationError naming what to change."""
    words = text.strip()
    with_link = f"{words}\n\n{link}" if link and words else (link or words)
    return caption_validate(organization=organization, network=network, text=with_link)


def post_preview(*, organization: Organization, network: str, text: str, link: str) -> tuple[str, CaptionCheck]:
    """The post as it would be posted on `network`, and its length check, also when it
    is too long or has a blocked phrase: that is when the count matters most."""
    try:
        body = compose_body(organization=organization, network=network, text=text, link=link)
    except ValidationError:
        words = text.strip()
        body = disclosure_preview(
            organization=organization, text=f"{words}\n\n{link}" if link and words else (link or words)
        )
    return body, caption_check(network, body)


@dataclass(frozen=True)
class Preflight:
    """Everything the composer shows before the employee presses Share."""

    eligibility_reasons: list[str]
    cap: guardrails.CapStatus
    mix: guardrails.MixStatus
    originality: originality.OriginalityReport
    network_errors: dict[str, list[str]] = field(default_factory=dict)  # per network of the chosen accounts
    schedule_error: str | None = None

    @property
    def blocking(self) -> list[str]:
        problems = list(self.eligibility_reasons)
        if not self.cap.allowed:
            problems.append(self.cap.message)
        if self.originality.level == "copy":
            problems.append(self.originality.message)
        for errors in self.network_errors.values():
            problems.extend(errors)
        if self.schedule_error:
            problems.append(self.schedule_error)
        return problems


def _brand_composition_times(membership: Membership, now: datetime) -> list[datetime]:
    """One time per composition (a post to LinkedIn and X at once counts once)."""
    rows = (
        Share.objects.filter(
            organization=membership.organization,
            membership=membership,
            kind=ShareKind.BRAND,
            created_at__gte=now - CAP_WINDOW,
        )
        .exclude(state=ShareState.CANCELLED)
        .values_list("batch_id", "created_at")
    )
    first: dict[uuid.UUID, datetime] = {}
    for batch, created in rows:
        first[batch] = min(created, first.get(batch, created))
    return sorted(first.values())


def member_mix(membership: Membership, now: datetime) -> tuple[int, int]:
    """(brand, personal) compositions over the mix window."""
    rows = (
        Share.objects.filter(
            organization=membership.organization, membership=membership, created_at__gte=now - MIX_WINDOW
        )
        .exclude(state=ShareState.CANCELLED)
        .values_list("batch_id", "kind")
        .distinct()
    )
    kinds = dict(rows)
    brand = sum(1 for kind in kinds.values() if kind == ShareKind.BRAND)
    return brand, len(kinds) - brand


def pack_signature(signature: Sequence[int]) -> bytes:
    return array("Q", signature).tobytes()


def unpack_signature(packed: bytes | memoryview) -> tuple[int, ...]:
    slots = array("Q")
    slots.frombytes(bytes(packed))
    return tuple(slots)


def colleague_signatures(*, item: ContentItem, membership: Membership) -> list[tuple[str, tuple[int, ...]]]:
    rows = (
        ShareFingerprint.objects.filter(organization=item.organization, item=item)
        .exclude(membership=membership)
        .values_list("share__public_id", "signature")
    )
    return [(str(key), unpack_signature(signature)) for key, signature in rows]


def share_preflight(
    *,
    membership: Membership,
    item: ContentItem | None,
    text: str,
    connections: Sequence[SocialConnection],
    scheduled_for: datetime | None = None,
    now: datetime | None = None,
) -> Preflight:
    now = now or timezone.now()
    organization = membership.organization
    rules = advocacy_settings_get(organization=organization)
    eligibility = member_may_share(membership)
    reasons = list(eligibility.reasons)
    if item is not None and item.visibility == Visibility.INTERNAL:
        reasons.append("This item is internal news: it cannot be shared on social networks.")
    zone = zone_for(membership.effective_timezone)
    cap = guardrails.brand_cap(
        brand_share_times=_brand_composition_times(membership, now) if item is not None else [],
        now=now,
        limit=rules.brand_shares_per_week,
        zone=zone,
    )
    brand, personal = member_mix(membership, now)
    mix = guardrails.content_mix(brand=brand, personal=personal, threshold_percent=rules.brand_mix_percent)
    ignore = disclosure_tags(organization)
    suggested = [caption.text for caption in item.captions.all()] if item is not None else []
    report = originality.assess(
        text,
        suggested=suggested,
        colleagues=colleague_signatures(item=item, membership=membership) if item is not None else [],
        warn=rules.originality_warn / 100,
        block=rules.originality_block / 100,
        ignore=ignore,
    )
    network_errors: dict[str, list[str]] = {}
    placeholder = short_url_placeholder()
    for network in sorted({connection.network for connection in connections}):
        try:
            compose_body(organization=organization, network=network, text=text, link=placeholder if item else "")
        except ValidationError as error:
            label = dict(connection_network_labels(connections)).get(network, network)
            network_errors[network] = [f"{label}: {message}" for message in error.messages]
    if not text.strip():
        network_errors.setdefault("", []).append("Write something to share.")
    schedule_error = None
    if scheduled_for is not None:
        if scheduled_for < now - timedelta(minutes=1):
            schedule_error = "The time you picked has passed. Pick a later time or share now."
        else:
            from advocacy.selectors import member_availability_for_sharing

            availability, quiet_start, quiet_end = member_availability_for_sharing(membership, rules)
            schedule_error = guardrails.scheduled_time_allowed(
                at=scheduled_for, availability=availability, quiet_start=quiet_start, quiet_end=quiet_end
            )
    return Preflight(
        eligibility_reasons=reasons,
        cap=cap,
        mix=mix,
        originality=report,
        network_errors=network_errors,
        schedule_error=schedule_error,
    )


def connection_network_labels(connections: Sequence[SocialConnection]) -> list[tuple[str, str]]:
    return [(connection.network, connection.get_network_display()) for connection in connections]


def short_url_placeholder() -> str:
    from django.conf import settings

    return f"{settings.SHORT_LINK_BASE}/s/{LINK_PLACEHOLDER_CODE}"


class ShareRefused(ValidationError):
    """The post breaks a rule; `messages` says which, in words the employee can act on."""


@transaction.atomic
def shares_create(
    *,
    membership: Membership,
    item: ContentItem | None,
    text: str,
    connections: Sequence[SocialConnection],
    caption: Caption | None = None,
    scheduled_for: datetime | None = None,
    now: datetime | None = None,
) -> list[Share]:
    """Write one share per account and send the due ones to the workers after the
    commit; scheduled ones wait for the dispatcher. Nothing is written when any rule
    refuses the post."""
    now = now or timezone.now()
    organization = membership.organization
    if not connections:
        raise ShareRefused({"connections": "Choose at least one connected account."})
    for connection in connections:
        if connection.organization_id != organization.pk or connection.membership_id != membership.pk:
            raise ShareRefused({"connections": "Choose among your own connected accounts."})
        if not connection.is_usable:
            raise ShareRefused(
                {"connections": f"Reconnect your {connection.get_network_display()} account before sharing to it."}
            )
    if item is not None and (caption is not None and caption.item_id != item.pk):
        raise ShareRefused({"caption": "That suggestion belongs to another item."})
    # Serialise one member's compositions so two quick submissions cannot both pass the cap.
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    check = share_preflight(
        membership=membership, item=item, text=text, connections=connections, scheduled_for=scheduled_for, now=now
    )
    if check.blocking:
        raise ShareRefused(check.blocking)
    due = scheduled_for is None or scheduled_for <= now
    batch = uuid.uuid4()
    ignore = disclosure_tags(organization)
    signature = pack_signature(originality.signature(text, ignore=ignore)) if item is not None else None
    shares = []
    for connection in connections:
        share = Share(
            organization=organization,
            batch_id=batch,
            membership=membership,
            connection=connection,
            network=connection.network,
            kind=ShareKind.BRAND if item is not None else ShareKind.PERSONAL,
            item=item,
            caption=caption,
            text=text.strip(),
            body="",
            originality=check.originality.score,
            state=ShareState.QUEUED if due else ShareState.SCHEDULED,
            scheduled_for=scheduled_for or now,
        )
        share.save()
        link = ""
        if item is not None and item.url:
            link = short_url(tracked_link_create(share=share))
        share.body = compose_body(organization=organization, network=connection.network, text=text, link=link)
        share.save(update_fields=["body"])
        if signature is not None:
            ShareFingerprint.objects.create(
                organization=organization, share=share, item=item, membership=membership, signature=signature
            )
        if due:
            enqueue(share)
        shares.append(share)
    return shares


@transaction.atomic
def share_cancel(*, share: Share) -> Share:
    if not _move(share, "cancel", last_error="Cancelled by you.", error_action="", next_attempt_at=None):
        raise ValidationError("This post can no longer be cancelled: it is being posted or already went out.")
    return share


@transaction.atomic
def share_retry(*, share: Share) -> Share:
    sources, _ = SHARE_TRANSITIONS["retry"]
    if share.state not in sources:
        raise ValidationError("Only a failed post can be tried again.")
    if not share.connection.is_usable:
        raise ValidationError(f"Reconnect your {share.connection.get_network_display()} account first.")
    action = "retry_checked" if share.sent_at else "retry"
    if _move(share, action, attempts=0, last_error="", error_action="", next_attempt_at=None):
        enqueue(share)
    return share


def disclosure_preview(*, organization: Organization, text: str) -> str:
    return with_disclosure(text, content_settings_get(organization=organization).disclosure)
