"""The approval workflow: every allowed move, every refused one, four-eyes and history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from accounts.tenancy import organization_scope
from content import services
from content.models import TRANSITIONS, ContentItem, ContentState, ItemTransition
from content.services import ItemInput
from tests.factories import ContentItemFactory, MembershipFactory

pytestmark = pytest.mark.django_db

HUMAN_ACTIONS = ["submit", "approve", "request_changes", "archive", "restore"]


@pytest.fixture
def org(tenant_a):  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        yield tenant_a


def item_in(state: str, tenant, **kwargs) -> ContentItem:  # type: ignore[no-untyped-def]
    return ContentItemFactory(organization=tenant.organization, author=tenant.manager, state=state, **kwargs)


@pytest.mark.parametrize("state", ContentState.values)
@pytest.mark.parametrize("action", HUMAN_ACTIONS)
def test_each_action_is_allowed_exactly_from_its_states(org, state: str, action: str) -> None:  # type: ignore[no-untyped-def]
    item = item_in(state, org)
    allowed_from = {source for sources in TRANSITIONS[action].values() for source in sources}
    reviewer = org.admin  # not the author, so four-eyes does not interfere
    note = "Please shorten the title." if action == "request_changes" else ""
    if state in allowed_from:
        services.content_item_transition(item=item, action=action, actor=reviewer, note=note)
        item.refresh_from_db()
        assert item.state != state
        recorded = ItemTransition.objects.get(item=item, action=action)  # approval may also publish
        assert (recorded.from_state, recorded.actor) == (state, reviewer)
    else:
        with pytest.raises(ValidationError, match="cannot be"):
            services.content_item_transition(item=item, action=action, actor=reviewer, note=note)
        item.refresh_from_db()
        assert item.state == state
        assert not ItemTransition.objects.filter(item=item).exists()


@pytest.mark.parametrize("action", ["publish", "expire", "edit", "teleport"])
def test_people_cannot_take_system_actions(org, action: str) -> None:  # type: ignore[no-untyped-def]
    item = item_in(ContentState.APPROVED, org)
    with pytest.raises(ValidationError, match="not an action"):
        services.content_item_transition(item=item, action=action, actor=org.admin)


def test_the_author_cannot_approve_their_own_item(org) -> None:  # type: ignore[no-untyped-def]
    item = item_in(ContentState.IN_REVIEW, org)
    with pytest.raises(ValidationError, match="another manager must approve"):
        services.content_item_transition(item=item, action="approve", actor=org.manager)
    item.refresh_from_db()
    assert item.state == ContentState.IN_REVIEW


def test_an_organisation_can_turn_four_eyes_off(org) -> None:  # type: ignore[no-untyped-def]
    services.content_settings_update(organization=org.organization, disclosure="", blocked_phrases="", four_eyes=False)
    item = item_in(ContentState.IN_REVIEW, org)
    services.content_item_transition(item=item, action="approve", actor=org.manager)
    assert item.state == ContentState.PUBLISHED  # no publish time: published on approval


def test_approval_with_a_future_publish_time_waits_for_the_scheduler(org) -> None:  # type: ignore[no-untyped-def]
    publish_at = timezone.now() + timedelta(hours=2)
    item = item_in(ContentState.IN_REVIEW, org, publish_at=publish_at)
    services.content_item_transition(item=item, action="approve", actor=org.admin)
    assert item.state == ContentState.APPROVED
    assert services.content_items_publish_due(organization=org.organization) == 0
    assert services.content_items_publish_due(organization=org.organization, at=publish_at) == 1
    item.refresh_from_db()
    assert item.state == ContentState.PUBLISHED
    assert item.published_at is not None


def test_the_scheduler_expires_published_items(org) -> None:  # type: ignore[no-untyped-def]
    expires_at = timezone.now() + timedelta(days=1)
    item = item_in(ContentState.PUBLISHED, org, expires_at=expires_at)
    assert services.content_items_publish_due(organization=org.organization, at=expires_at) == 1
    item.refresh_from_db()
    assert item.state == ContentState.EXPIRED
    assert ItemTransition.objects.get(item=item).action == "expire"


def test_requesting_changes_needs_a_note(org) -> None:  # type: ignore[no-untyped-def]
    item = item_in(ContentState.IN_REVIEW, org)
    with pytest.raises(ValidationError, match="Say what should change"):
        services.content_item_transition(item=item, action="request_changes", actor=org.admin, note="  ")


def test_editing_an_approved_item_sends_it_back_to_review(org) -> None:  # type: ignore[no-untyped-def]
    item = item_in(ContentState.PUBLISHED, org)
    services.content_item_update(item=item, actor=org.manager, data=ItemInput(title="A better title"))
    item.refresh_from_db()
    assert item.state == ContentState.IN_REVIEW
    assert ItemTransition.objects.filter(item=item, action="edit").exists()


def test_submitting_notifies_the_other_reviewers_by_email(org, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from content.tasks import content_review_notify

    MembershipFactory(organization=org.organization, role=Role.MANAGER, user__email="second@acme.example")
    item = item_in(ContentState.DRAFT, org)
    with django_capture_on_commit_callbacks() as callbacks:
        services.content_item_transition(item=item, action="submit", actor=org.manager)
    assert len(callbacks) == 1  # the notification is queued once the transaction commits
    content_review_notify.apply(kwargs={"organization_id": org.organization.pk, "item_id": item.pk})
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["admin@acme.example", "second@acme.example"]  # not the author
    assert item.title in mail.outbox[0].subject


def test_the_history_lists_every_change_in_order(org) -> None:  # type: ignore[no-untyped-def]
    item = services.content_item_create(
        organization=org.organization, author=org.manager, data=ItemInput(title="Launch day")
    )
    services.content_item_transition(item=item, action="submit", actor=org.manager)
    services.content_item_transition(item=item, action="request_changes", actor=org.admin, note="Add a link")
    services.content_item_transition(item=item, action="submit", actor=org.manager)
    services.content_item_transition(item=item, action="approve", actor=org.admin)
    history = list(ItemTransition.objects.filter(item=item).values_list("action", "to_state"))
    assert history == [
        ("create", "draft"),
        ("submit", "in_review"),
        ("request_changes", "changes_requested"),
        ("submit", "in_review"),
        ("approve", "approved"),
        ("publish", "published"),
    ]


def test_an_expiry_before_the_publish_time_is_refused_and_saves_nothing(org) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    with pytest.raises(ValidationError, match="expiry must come after"):
        services.content_item_create(
            organization=org.organization,
            author=org.manager,
            data=ItemInput(title="Backwards", publish_at=now + timedelta(days=2), expires_at=now + timedelta(days=1)),
        )
    assert not ContentItem.objects.filter(title="Backwards").exists()


def test_a_malformed_url_is_refused(org) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="http"):
        services.content_item_create(
            organization=org.organization, author=org.manager, data=ItemInput(title="Bad", url="javascript:alert(1)")
        )
    assert not ContentItem.objects.filter(title="Bad").exists()
