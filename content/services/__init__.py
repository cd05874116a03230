"""Writes for content: items, captions, audiences, the approval workflow, compliance
settings, suggestions, feed sources and the feed's per-member signals.

Every function takes the organisation or its objects explicitly, runs in one
transaction and validates before it saves; nothing is half-written on bad input.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from celery import current_app
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Group, Membership, Organization, Role, Topic
from accounts.services.audit import AuditAction, audit_changes, audit_record
from content.lib import compliance
from content.lib.feeds import FeedEntry, FeedError, fetch_feed
from content.lib.fetch import ContentTypes, FetchError, FetchFailed, FetchPolicy, fetch
from content.lib.networks import caption_check, networks_for_captions
from content.lib.preview import fetch_preview
from content.models import (
    EDITABLE_STATES,
    SYSTEM_ACTIONS,
    TRANSITIONS,
    AudienceDimension,
    AudienceRule,
    Caption,
    ContentImage,
    ContentItem,
    ContentKind,
    ContentSettings,
    ContentState,
    ContentTopic,
    FeedDismissal,
    FeedSource,
    FeedSourceTopic,
    ItemTransition,
    PreviewStatus,
    ReviewComment,
    Suggestion,
    SuggestionState,
    TopicAffinity,
    Visibility,
)

logger = logging.getLogger(__name__)

CAPTIONS_PER_NETWORK = 5


# Settings and compliance --------------------------------------------------------


def content_settings_get(*, organization: Organization) -> ContentSettings:
    """The organisation's settings; defaults (unsaved) until an admin changes them."""
    found = ContentSettings.objects.filter(organization=organization).first()
    return found or ContentSettings(organization=organization)


@transaction.atomic
def content_settings_update(
    *, organization: Organization, disclosure: str, blocked_phrases: str, four_eyes: bool
) -> ContentSettings:
    settings = content_settings_get(organization=organization)
    before = {name: getattr(settings, name) for name in ("disclosure", "blocked_phrases", "four_eyes")}
    settings.disclosure = disclosure.strip()
    settings.blocked_phrases = "\n".join(
        dict.fromkeys(line.strip() for line in blocked_phrases.splitlines() if line.strip())
    )
    settings.four_eyes = four_eyes
    settings.full_clean()
    settings.save()
    changes = audit_changes(before, {name: getattr(settings, name) for name in before})
    if changes:
        audit_record(
            organization=organization,
            action=AuditAction.CONTENT_SETTINGS_CHANGED,
            target=settings,
            target_label="Content settings",
            changes=changes,
        )
    return settings


def compliance_errors(*, organization: Organization, texts: dict[str, str]) -> dict[str, list[str]]:
    """Blocked words and phrases found in each labelled text ({label: [message]})."""
    phrases = content_settings_get(organization=organization).blocked_phrase_list
    errors: dict[str, list[str]] = {}
    for label, text in texts.items():
        matches = compliance.blocked_matches(text, phrases)
        if matches:
            errors[label] = [compliance.blocked_message(matches)]
    return errors


def caption_validate(*, organization: Organization, network: str, text: str) -> str:
    """Check a caption as an employee will post it: the network's length rule and the
    organisation's blocked phrases, with the disclosure appended. Returns the final
    text or raises ValidationError naming the problem. Advocacy calls this too."""
    final = compliance.with_disclosure(text, content_settings_get(organization=organization).disclosure)
    problems = compliance_errors(organization=organization, texts={"text": final}).get("text", [])
    check = caption_check(network, final)
    if not check.ok:
        problems.append(check.message)
    if problems:
        raise ValidationError({"text": problems})
    return final


# Items ---------------------------------------------------------------------------


@dataclass
class Audience:
    """Who an item targets; empty everywhere means everyone."""

    departments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)

    def rules(self) -> list[tuple[str, str]]:
        pairs = [
            *((AudienceDimension.DEPARTMENT, value) for value in self.departments),
            *((AudienceDimension.LOCATION, value) for value in self.locations),
            *((AudienceDimension.ROLE, value) for value in self.roles),
            *((AudienceDimension.GROUP, str(group.public_id)) for group in self.groups),
            *((AudienceDimension.TOPIC, str(topic.public_id)) for topic in self.topics),
        ]
        return list(dict.fromkeys((str(d), v.strip()) for d, v in pairs if v.strip()))

    @property
    def is_everyone(self) -> bool:
        return not self.rules()


@dataclass
class ItemInput:
    title: str
    body: str = ""
    url: str = ""
    kind: str = ContentKind.COMPANY
    visibility: str = Visibility.SHAREABLE
    topics: list[Topic] = field(default_factory=list)
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    audience: Audience = field(default_factory=Audience)


def _check_same_organization(organization: Organization, objects: Iterable[Any], noun: str) -> None:
    if any(obj.organization_id != organization.pk for obj in objects):
        raise ValidationError(f"A {noun} of another organisation cannot be used.")


def _validate_item_input(organization: Organization, data: ItemInput) -> None:
    errors: dict[str, list[str]] = {}
    if data.publish_at and data.expires_at and data.expires_at <= data.publish_at:
        errors["expires_at"] = ["The expiry must come after the publish time."]
    invalid_roles = [role for role in data.audience.roles if role not in Role.values]
    if invalid_roles:
        errors["audience"] = [f"Unknown role: {', '.join(invalid_roles)}."]
    if errors:
        raise ValidationError(errors)
    _check_same_organization(organization, data.topics, "topic")
    _check_same_organization(organization, data.audience.groups, "group")
    _check_same_organization(organization, data.audience.topics, "topic")


def _set_audience(item: ContentItem, audience: Audience) -> None:
    rules = audience.rules()
    AudienceRule.objects.filter(organization=item.organization, item=item).delete()
    AudienceRule.objects.bulk_create(
        AudienceRule(organization=item.organization, item=item, dimension=dimension, value=value)
        for dimension, value in rules
    )
    item.audience_dimensions = len({dimension for dimension, _ in rules})


def _set_topics(item: ContentItem, topics: list[Topic]) -> None:
    ContentTopic.objects.filter(organization=item.organization, item=item).delete()
    ContentTopic.objects.bulk_create(
        ContentTopic(organization=item.organization, item=item, topic=topic) for topic in dict.fromkeys(topics)
    )


def _record(
    item: ContentItem, action: str, from_state: str, to_state: str, actor: Membership | None, note: str
) -> None:
    ItemTransition.objects.create(
        organization=item.organization,
        item=item,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        note=note,
    )


def _queue_preview(item: ContentItem) -> None:
    from content.tasks import content_item_fetch_preview

    transaction.on_commit(
        lambda: content_item_fetch_preview.delay(organization_id=item.organization_id, item_id=item.pk)
    )


@transaction.atomic
def content_item_create(*, organization: Organization, author: Membership | None, data: ItemInput) -> ContentItem:
    _validate_item_input(organization, data)
    item = ContentItem(
        organization=organization,
        author=author,
        title=data.title.strip(),
        body=data.body.strip(),
        url=data.url.strip(),
        kind=data.kind,
        visibility=data.visibility,
        publish_at=data.publish_at,
        expires_at=data.expires_at,
        preview_status=PreviewStatus.PENDING if data.url.strip() else PreviewStatus.NONE,
    )
    item.full_clean()
    item.save()
    _set_topics(item, data.topics)
    _set_audience(item, data.audience)
    item.save(update_fields=["audience_dimensions"])
    _record(item, "create", ContentState.DRAFT, ContentState.DRAFT, author, "")
    if item.url:
        _queue_preview(item)
    return item


def _item_columns(*, preview: bool) -> list[str]:
    return [
        field.name
        for field in ContentItem._meta.concrete_fields
        if not field.primary_key and (preview or not field.name.startswith("preview_"))
    ]


def _delete_file_on_commit(storage: Storage, name: str) -> None:
    """Delete a stored file once the rows that pointed to it are surely gone; a rollback
    keeps it."""
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def content_item_update(*, item: ContentItem, actor: Membership, data: ItemInput) -> ContentItem:
    """Edit an item. An approved or published item goes back to review, so nothing
    reaches employees without a second look."""
    if item.state not in EDITABLE_STATES:
        raise ValidationError(f"A {item.get_state_display().lower()} item cannot be edited. Restore it first.")
    _validate_item_input(item.organization, data)
    url_changed = data.url.strip() != item.url
    # The preview columns are the worker's: written here only when the link changes, so
    # an edit does not put back what the worker replaced meanwhile. The lock waits for a
    # worker that is storing an image, so the file dropped below is the current one.
    stale_image = ""
    if url_changed:
        stale_image = (
            ContentItem.objects.select_for_update()
            .filter(organization=item.organization, pk=item.pk)
            .values_list("preview_image", flat=True)
            .first()
        ) or ""
    item.title = data.title.strip()
    item.body = data.body.strip()
    item.url = data.url.strip()
    item.kind = data.kind
    item.visibility = data.visibility
    item.publish_at = data.publish_at
    item.expires_at = data.expires_at
    if url_changed:
        item.preview_status = PreviewStatus.PENDING if item.url else PreviewStatus.NONE
        item.preview_title = item.preview_description = item.preview_image_url = ""
        item.preview_canonical_url = item.preview_site_name = item.preview_error = ""
        item.preview_image = ""
    item.full_clean()
    _set_topics(item, data.topics)
    _set_audience(item, data.audience)
    previous = item.state
    if previous in TRANSITIONS["edit"][ContentState.IN_REVIEW]:
        item.state = ContentState.IN_REVIEW
        _record(item, "edit", previous, item.state, actor, "Edited after approval; back to review.")
    item.save(update_fields=_item_columns(preview=url_changed))
    if stale_image:
        _delete_file_on_commit(item.preview_image.storage, stale_image)
    if url_changed and item.url:
        _queue_preview(item)
    if item.state != previous:
        _notify_reviewers_on_commit(item)
    return item


@transaction.atomic
def caption_save(
    *, item: ContentItem, network: str, text: str, caption: Caption | None = None, actor: Membership | None = None
) -> Caption:
    if network not in networks_for_captions():
        raise ValidationError({"network": f"“{network}” is not a network Chorus writes captions for."})
    check = caption_check(network, text)
    if not check.ok:
        raise ValidationError({"text": [check.message]})
    if not text.strip():
        raise ValidationError({"text": ["A caption cannot be empty."]})
    if caption is None:
        existing = Caption.objects.filter(organization=item.organization, item=item, network=network).count()
        if existing >= CAPTIONS_PER_NETWORK:
            raise ValidationError({"text": [f"An item has at most {CAPTIONS_PER_NETWORK} captions per network."]})
        caption = Caption(organization=item.organization, item=item, network=network, position=existing)
    elif caption.item_id != item.pk:
        raise ValidationError("That caption belongs to another item.")
    caption.text = text.strip()
    caption.network = network
    caption.full_clean()
    caption.save()
    if item.state in TRANSITIONS["edit"][ContentState.IN_REVIEW]:
        _move(item, "edit", actor, "A caption was edited after approval; back to review.")
    return caption


@transaction.atomic
def caption_delete(*, caption: Caption, actor: Membership | None = None) -> None:
    item = caption.item
    caption.delete()
    if item.state in TRANSITIONS["edit"][ContentState.IN_REVIEW]:
        _move(item, "edit", actor, "A caption was removed after approval; back to review.")


IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
IMAGE_MAX_PIXELS = 40_000_000


def _checked_image_extension(file: IO[bytes]) -> str:
    """The file extension for an image, after checking it really is one (by decoding it,
    not by its name or declared type) of an accepted format and size. Raises
    ValidationError on the "image" field otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        file.seek(0)
        with Image.open(file) as probe:
            image_format = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            {"image": ["This file is not an image Chorus can read (use JPEG, PNG, GIF or WebP)."]}
        ) from None
    finally:
        file.seek(0)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(
            {"image": [f"{image_format or 'This'} images are not accepted; use JPEG, PNG, GIF or WebP."]}
        )
    if width * height > IMAGE_MAX_PIXELS:
        raise ValidationError({"image": ["The image has too many pixels; resize it below 40 megapixels."]})
    return IMAGE_FORMATS[image_format]


@transaction.atomic
def content_image_add(
    *, item: ContentItem, upload: UploadedFile, alt_text: str = "", actor: Membership | None = None
) -> ContentImage:
    """Attach an image after checking it really is one, of an accepted format and size.
    Images are part of what was approved: adding one sends an approved or published
    item back to review, as editing a caption does."""
    if upload.size and upload.size > IMAGE_MAX_BYTES:
        raise ValidationError({"image": [f"The image is larger than {IMAGE_MAX_BYTES // (1024 * 1024)} MB."]})
    upload.name = f"image.{_checked_image_extension(upload)}"
    if item.state in TRANSITIONS["edit"][ContentState.IN_REVIEW]:
        _move(item, "edit", actor, "An image was added after approval; back to review.")
    position = ContentImage.objects.filter(organization=item.organization, item=item).count()
    image = ContentImage(organization=item.organization, item=item, alt_text=alt_text.strip(), position=position)
    image.image.save(upload.name, upload, save=False)
    image.full_clean()
    image.save()
    return image


def fetch_policy() -> FetchPolicy:
    """The SSRF-safe fetch policy. CONTENT_FETCH_ALLOW_HOSTS exists for tests, which serve
    pages on loopback; production leaves it empty."""
    return FetchPolicy(allow_hosts=frozenset(django_settings.CONTENT_FETCH_ALLOW_HOSTS))


PREVIEW_IMAGE_TYPES = ContentTypes(
    types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    label="an image",
    accept_header="image/webp,image/png,image/jpeg,image/gif;q=0.9",
)


def content_item_refresh_preview(*, item: ContentItem, retry_transient: bool = False) -> ContentItem:
    """Fetch the item's link and store its preview (or why there is none), with our own
    copy of the page's image: the CSP shows no image from another site. Runs in a
    worker: the network calls happen outside any transaction. With `retry_transient`,
    a failure worth retrying (a timeout, a 503) is raised for the task to retry
    instead of being stored."""
    url = item.url
    if not url:
        return item
    policy = fetch_policy()
    image_name = ""
    try:
        preview = fetch_preview(url, policy)
    except FetchFailed as error:
        if retry_transient and error.retryable:
            raise
        changes: dict[str, Any] = {"preview_status": PreviewStatus.FAILED, "preview_error": str(error)[:300]}
    except FetchError as error:
        changes = {"preview_status": PreviewStatus.FAILED, "preview_error": str(error)[:300]}
    else:
        image_name = _preview_image_store(item, preview.image_url, policy) if preview.image_url else ""
        changes = {
            "preview_status": PreviewStatus.READY,
            "preview_error": "",
            "preview_title": preview.title[:300],
            "preview_description": preview.description,
            "preview_image_url": preview.image_url,
            "preview_image": image_name,
            "preview_canonical_url": preview.canonical_url,
            "preview_site_name": preview.site_name[:200],
        }
    changes["preview_fetched_at"] = timezone.now()
    storage = item.preview_image.storage
    with transaction.atomic():
        # Only if the link is still the one we fetched: an edit meanwhile queued a new
        # fetch. The lock makes two fetches of the same item take turns, so each drops
        # the file the other stored and none is left behind.
        previous = (
            ContentItem.objects.select_for_update()
            .filter(organization=item.organization, pk=item.pk, url=url)
            .values_list("preview_image", flat=True)
            .first()
        )
        if previous is None:
            unused = image_name
        else:
            ContentItem.objects.filter(organization=item.organization, pk=item.pk).update(**changes)
            unused = previous if "preview_image" in changes and previous != image_name else ""
        if unused:
            _delete_file_on_commit(storage, unused)
    item.refresh_from_db()
    return item


def _preview_image_store(item: ContentItem, image_url: str, policy: FetchPolicy) -> str:
    """Fetch the page's image under the same SSRF-safe policy and byte cap as the page,
    check it by decoding it, and store it; returns the stored name, or "" when there is
    no usable image. Never raises: a preview without its image is still a preview."""
    try:
        result = fetch(image_url, policy, accept=PREVIEW_IMAGE_TYPES)
        extension = _checked_image_extension(io.BytesIO(result.content))
    except FetchError as error:
        logger.info("Preview image of item %s not fetched from %s: %s", item.pk, image_url, error.reason)
        return ""
    except ValidationError as error:
        logger.info("Preview image of item %s from %s refused: %s", item.pk, image_url, " ".join(error.messages))
        return ""
    file = item.preview_image
    try:
        return file.storage.save(
            file.field.generate_filename(item, f"preview.{extension}"), ContentFile(result.content)
        )
    except OSError:
        logger.warning("Preview image of item %s could not be stored", item.pk, exc_info=True)
        return ""


# Feed sources (RSS/Atom) -----------------------------------------------------------

FEED_ENTRIES_PER_FETCH = 20


def feed_source_fetch(*, source: FeedSource) -> int:
    """Fetch a source and turn its new entries into draft items for review (never
    published without review). Runs in a worker; returns how many drafts it made.
    Failures are stored on the source for managers to see, not raised."""
    try:
        result = fetch_feed(source.url, fetch_policy(), etag=source.etag, last_modified=source.last_modified)
    except (FetchError, FeedError) as error:
        FeedSource.objects.filter(organization=source.organization, pk=source.pk).update(
            last_fetched_at=timezone.now(), last_error=str(error)[:500]
        )
        return 0
    created = 0 if result.feed is None else feed_source_import(source=source, entries=list(result.feed.entries))
    FeedSource.objects.filter(organization=source.organization, pk=source.pk).update(
        last_fetched_at=timezone.now(), last_error="", etag=result.etag[:200], last_modified=result.last_modified[:100]
    )
    return created


@transaction.atomic
def feed_source_import(*, source: FeedSource, entries: list[FeedEntry]) -> int:
    """Drafts for the entries not seen before (by guid), newest first, at most
    FEED_ENTRIES_PER_FETCH at a time. Topics: the source's, plus existing topics whose
    names match the entry's categories."""
    organization = source.organization
    seen = set(
        ContentItem.objects.filter(
            organization=organization, source=source, source_guid__in=[entry.guid for entry in entries]
        ).values_list("source_guid", flat=True)
    )
    fresh = [entry for entry in entries if entry.guid not in seen]
    fresh.sort(key=lambda entry: entry.published or timezone.now(), reverse=True)
    source_topics = list(source.topics.all())
    topics_by_name = {topic.name.lower(): topic for topic in Topic.objects.filter(organization=organization)}
    created = 0
    for entry in fresh[:FEED_ENTRIES_PER_FETCH]:
        topics = source_topics + [
            topics_by_name[name.lower()] for name in entry.categories if name.lower() in topics_by_name
        ]
        item = content_item_create(
            organization=organization,
            author=None,
            data=ItemInput(
                title=(entry.title or entry.link or "Untitled entry")[:300],
                body=entry.summary,
                url=entry.link,
                kind=source.kind,
                topics=list(dict.fromkeys(topics)),
            ),
        )
        item.source = source
        item.source_guid = entry.guid
        item.save(update_fields=["source", "source_guid"])
        created += 1
    return created


# Workflow ------------------------------------------------------------------------


def _target_state(action: str, current: str) -> ContentState:
    for target, sources in TRANSITIONS.get(action, {}).items():
        if current in sources:
            return target
    raise ValidationError(
        f"An item that is {ContentState(current).label.lower()} cannot be {_PAST_TENSE.get(action, action)}."
    )


_PAST_TENSE = {
    "submit": "submitted for review",
    "approve": "approved",
    "request_changes": "sent back for changes",
    "edit": "sent back to review",
    "publish": "published",
    "expire": "expired",
    "archive": "archived",
    "restore": "restored",
}


def _move(item: ContentItem, action: str, actor: Membership | None, note: str) -> ContentItem:
    """Apply one transition with a conditional update, so two reviewers acting at the
    same moment cannot both move the item."""
    previous = item.state
    target = _target_state(action, previous)
    now = timezone.now()
    changes: dict[str, Any] = {"state": target, "updated_at": now}
    if target == ContentState.PUBLISHED:
        changes["published_at"] = now
    moved = ContentItem.objects.filter(organization=item.organization, pk=item.pk, state=previous).update(**changes)
    if not moved:
        raise ValidationError("Someone else changed this item meanwhile. Reload the page and try again.")
    for name, value in changes.items():
        setattr(item, name, value)
    _record(item, action, previous, target, actor, note)
    if ContentState.PUBLISHED in (previous, target):
        _feed_changed_on_commit(item.organization)
    return item


def feed_version_keys(membership: Membership) -> tuple[str, str]:
    """Cache keys of the versions a member's cached feed depends on: the organisation's
    and the member's own (see content.selectors.feed_for_member)."""
    organization_id = membership.organization_id
    return f"t:{organization_id}:feed-version", f"t:{organization_id}:feed-version:{membership.pk}"


def feed_cache_invalidate(*, organization: Organization, membership: Membership | None = None) -> None:
    """Make cached feeds stale: the organisation's (an item was published, expired or
    changed) or one member's (they dismissed an item). Versions in the key, not deletes,
    so invalidation is one write however many feeds are cached."""
    key = f"t:{organization.pk}:feed-version" + (f":{membership.pk}" if membership else "")
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=None)


def _feed_changed_on_commit(organization: Organization, membership: Membership | None = None) -> None:
    transaction.on_commit(lambda: feed_cache_invalidate(organization=organization, membership=membership))


def _submission_errors(item: ContentItem) -> dict[str, list[str]]:
    texts = {"title": item.title, "body": item.body}
    for caption in Caption.objects.filter(organization=item.organization, item=item):
        texts[f"caption {caption.network}"] = caption.text
    errors = compliance_errors(organization=item.organization, texts=texts)
    if item.expires_at and item.expires_at <= timezone.now():
        errors.setdefault("expires_at", []).append("The expiry time has already passed.")
    return errors


# Workflow moves that also go to the organisation's audit log.
_AUDITED_ACTIONS = {
    "approve": AuditAction.CONTENT_APPROVED,
    "request_changes": AuditAction.CONTENT_CHANGES_REQUESTED,
}


@transaction.atomic
def content_item_transition(*, item: ContentItem, action: str, actor: Membership, note: str = "") -> ContentItem:
    """A person moves an item through the workflow (submit, approve, request_changes,
    archive, restore). Publishing and expiry are the scheduler's."""
    if action in SYSTEM_ACTIONS or action == "edit" or action not in TRANSITIONS:
        raise ValidationError(f"“{action}” is not an action you can take on an item.")
    _target_state(action, item.state)  # refuse early with a clear message
    if action == "submit":
        errors = _submission_errors(item)
        if errors:
            raise ValidationError(errors)
    if action == "approve":
        settings = content_settings_get(organization=item.organization)
        if settings.four_eyes and item.author_id == actor.pk:
            raise ValidationError("You wrote this item, so another manager must approve it (four-eyes review).")
    if action == "request_changes" and not note.strip():
        raise ValidationError({"note": ["Say what should change, so the author can fix it."]})
    previous = item.state
    _move(item, action, actor, note.strip())
    if action in _AUDITED_ACTIONS:
        audit_record(
            organization=item.organization,
            action=_AUDITED_ACTIONS[action],
            actor=actor,
            target=item,
            changes={"state": {"before": previous, "after": item.state}},
            note=note,
        )
    if action == "submit":
        _notify_reviewers_on_commit(item)
    if action == "approve":
        content_item_publish_if_due(item=item)
    return item


def content_item_publish_if_due(*, item: ContentItem, at: datetime | None = None) -> ContentItem:
    """Publish an approved item whose time has come; expire one whose time has gone."""
    at = at or timezone.now()
    if item.state in (ContentState.APPROVED, ContentState.PUBLISHED) and item.expires_at and item.expires_at <= at:
        return _move(item, "expire", None, "")
    if item.state == ContentState.APPROVED and (item.publish_at is None or item.publish_at <= at):
        return _move(item, "publish", None, "")
    return item


def content_items_publish_due(*, organization: Organization, at: datetime | None = None) -> int:
    """The scheduler's pass over one organisation: returns how many items moved."""
    at = at or timezone.now()
    due = ContentItem.objects.filter(organization=organization).filter(
        Q(state=ContentState.APPROVED, publish_at__lte=at)
        | Q(state=ContentState.APPROVED, publish_at__isnull=True)
        | Q(state__in=[ContentState.APPROVED, ContentState.PUBLISHED], expires_at__lte=at)
    )
    moved = 0
    for item in due.select_related("organization"):
        with transaction.atomic():
            try:
                before = item.state
                content_item_publish_if_due(item=item, at=at)
                moved += item.state != before
            except ValidationError:
                continue  # changed by someone else meanwhile; the next pass sees it
    return moved


def _notify_reviewers_on_commit(item: ContentItem) -> None:
    from content.tasks import content_review_notify

    transaction.on_commit(lambda: content_review_notify.delay(organization_id=item.organization_id, item_id=item.pk))


@transaction.atomic
def review_comment_add(*, item: ContentItem, author: Membership, text: str) -> ReviewComment:
    if not text.strip():
        raise ValidationError({"text": ["Write a comment first."]})
    comment = ReviewComment(organization=item.organization, item=item, author=author, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


# Suggestions -----------------------------------------------------------------------


@transaction.atomic
def suggestion_create(*, author: Membership, note: str, url: str = "") -> Suggestion:
    suggestion = Suggestion(organization=author.organization, author=author, note=note.strip(), url=url.strip())
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def _claim_suggestion(suggestion: Suggestion, reviewer: Membership, **changes: Any) -> None:
    claimed = Suggestion.objects.filter(
        organization=suggestion.organization, pk=suggestion.pk, state=SuggestionState.PENDING
    ).update(reviewed_by=reviewer, reviewed_at=timezone.now(), **changes)
    if not claimed:
        raise ValidationError("This suggestion was already reviewed.")
    suggestion.refresh_from_db()


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, reviewer: Membership) -> ContentItem:
    """The suggestion becomes a draft item, credited to the employee who made it."""
    _claim_suggestion(suggestion, reviewer, state=SuggestionState.ACCEPTED)
    first_line = suggestion.note.strip().splitlines()[0] if suggestion.note.strip() else "Suggested link"
    item = content_item_create(
        organization=suggestion.organization,
        author=reviewer,
        data=ItemInput(title=first_line[:300], body=suggestion.note, url=suggestion.url, kind=ContentKind.EMPLOYEE),
    )
    item.credited_member = suggestion.author
    item.save(update_fields=["credited_member"])
    Suggestion.objects.filter(organization=suggestion.organization, pk=suggestion.pk).update(item=item)
    suggestion.item = item
    return item


@transaction.atomic
def suggestion_decline(*, suggestion: Suggestion, reviewer: Membership, reason: str) -> Suggestion:
    if not reason.strip():
        raise ValidationError({"reason": ["Tell the employee why, so they can suggest better next time."]})
    _claim_suggestion(suggestion, reviewer, state=SuggestionState.DECLINED, decline_reason=reason.strip())
    return suggestion


# Feed signals ----------------------------------------------------------------------


def feed_item_dismiss(*, membership: Membership, item: ContentItem) -> None:
    """The member marked the item as not relevant."""
    FeedDismissal.objects.get_or_create(organization=membership.organization, membership=membership, item=item)
    _feed_changed_on_commit(membership.organization, membership)


def topic_affinity_set(*, membership: Membership, scores: dict[Topic, float]) -> None:
    """Analytics pushes down how well a member's shares did per topic (0–1)."""
    for topic, score in scores.items():
        TopicAffinity.objects.update_or_create(
            organization=membership.organization,
            membership=membership,
            topic=topic,
            defaults={"score": max(0.0, min(1.0, score))},
        )
    _feed_changed_on_commit(membership.organization, membership)


# Link previews and feed sources (the manager screens) -----------------------------


@transaction.atomic
def content_item_queue_preview(*, item: ContentItem) -> ContentItem:
    """Fetch the item's link preview again, e.g. after the site was down."""
    if not item.url:
        raise ValidationError("This item has no link to preview.")
    ContentItem.objects.filter(organization=item.organization, pk=item.pk).update(
        preview_status=PreviewStatus.PENDING, preview_error=""
    )
    item.preview_status = PreviewStatus.PENDING
    item.preview_error = ""
    _queue_preview(item)
    return item


@transaction.atomic
def feed_source_save(
    *,
    organization: Organization,
    name: str,
    url: str,
    kind: str,
    topics: list[Topic],
    created_by: Membership | None = None,
    source: FeedSource | None = None,
) -> FeedSource:
    """Add a feed source, or change one when `source` is given."""
    _check_same_organization(organization, topics, "topic")
    url = url.strip()
    duplicate = FeedSource.objects.filter(organization=organization, url=url)
    if source is not None:
        duplicate = duplicate.exclude(pk=source.pk)
    if duplicate.exists():
        raise ValidationError({"url": ["This feed is already a source."]})
    if source is None:
        source = FeedSource(organization=organization, created_by=created_by)
    elif source.organization_id != organization.pk:
        raise ValidationError("A feed source of another organisation cannot be changed.")
    if url != source.url:
        # A different feed: the caching headers and the last error were the old one's.
        source.etag = source.last_modified = source.last_error = ""
    source.name = name.strip()
    source.url = url
    source.kind = kind
    source.full_clean()
    source.save()
    FeedSourceTopic.objects.filter(organization=organization, source=source).delete()
    FeedSourceTopic.objects.bulk_create(
        FeedSourceTopic(organization=organization, source=source, topic=topic) for topic in dict.fromkeys(topics)
    )
    return source


@transaction.atomic
def feed_source_delete(*, source: FeedSource) -> None:
    """Remove a source; the items it already brought in stay (their `source` is cleared)."""
    source.delete()


def feed_source_queue_fetch(*, source: FeedSource) -> None:
    """Ask a worker to read the feed now. Sent by task name, after the commit, so the
    web process needs no import of the task module."""
    kwargs = {"organization_id": source.organization_id, "source_id": source.pk}
    transaction.on_commit(lambda: current_app.send_task("content.tasks.feed_source_fetch", kwargs=kwargs))


@transaction.atomic
def content_image_delete(*, image: ContentImage, actor: Membership | None = None) -> None:
    """Remove an image; its file goes once the row is surely gone. Removing one sends an
    approved or published item back to review, as removing a caption does."""
    item = image.item
    storage, name = image.image.storage, image.image.name
    image.delete()
    if item.state in TRANSITIONS["edit"][ContentState.IN_REVIEW]:
        _move(item, "edit", actor, "An image was removed after approval; back to review.")
    if name:
        _delete_file_on_commit(storage, name)
