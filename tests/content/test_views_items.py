"""The content manager screens: the list, the editor (item, audience, captions, images,
preview) and the item's page with its workflow, history and comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from content import services
from content.models import (
    SYSTEM_ACTIONS,
    TRANSITIONS,
    Caption,
    ContentImage,
    ContentItem,
    ContentSettings,
    ContentState,
    PreviewStatus,
)
from tests.content.views_support import CURATOR_ROLES, OTHER_ROLES, messages_of, png_bytes, row_counts, url
from tests.factories import CaptionFactory, ContentItemFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def reload(item: ContentItem) -> ContentItem:
    with scopes_disabled():
        return ContentItem.objects.get(pk=item.pk)


def item_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "We opened a new office",
        "body": "Share it with your network.",
        "url": "",
        "kind": "company",
        "visibility": "shareable",
        "publish_at": "",
        "expires_at": "",
    }
    data.update(changes)
    return data


def draft(tenant, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("author", tenant.manager)
    return ContentItemFactory(organization=tenant.organization, **fields)


ITEM_PAGES = ["item_list", "item_create", "audience_count"]
ITEM_OBJECT_PAGES = ["item_detail", "item_edit", "item_preview"]


# Who may open the screens ------------------------------------------------------------


@pytest.mark.parametrize("role", CURATOR_ROLES)
@pytest.mark.parametrize("name", ITEM_PAGES + ITEM_OBJECT_PAGES)
def test_admins_and_managers_can_open_every_item_screen(tenant_a, client_for, role, name):
    kwargs = {"item_id": tenant_a.item.public_id} if name in ITEM_OBJECT_PAGES else {}
    response = client_for(tenant_a.member(role)).get(url(name, **kwargs))
    assert response.status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("name", ITEM_PAGES + ITEM_OBJECT_PAGES)
def test_executives_and_employees_get_forbidden_on_every_item_screen(tenant_a, client_for, role, name):
    kwargs = {"item_id": tenant_a.item.public_id} if name in ITEM_OBJECT_PAGES else {}
    response = client_for(tenant_a.member(role)).get(url(name, **kwargs))
    assert response.status_code == 403


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_executives_and_employees_cannot_create_or_move_items(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    before = row_counts()
    assert client.post(url("item_create"), item_data()).status_code == 403
    response = client.post(url("item_transition", item_id=tenant_a.item.public_id), {"action": "archive"})
    assert response.status_code == 403
    assert row_counts() == before
    assert reload(tenant_a.item).state == ContentState.PUBLISHED


@pytest.mark.parametrize("name", ITEM_OBJECT_PAGES)
def test_another_organizations_item_is_not_found_and_not_shown(tenant_a, tenant_b, client_for, name):
    response = client_for(tenant_a.manager).get(url(name, item_id=tenant_b.item.public_id))
    assert response.status_code == 404
    assert tenant_b.item.title.encode() not in response.content


def test_another_organizations_caption_cannot_be_edited_through_an_own_item(tenant_a, tenant_b, client_for):
    before = row_counts()
    response = client_for(tenant_a.manager).post(
        url("caption_edit", item_id=tenant_a.item.public_id, caption_id=tenant_b.caption.public_id),
        {"network": "linkedin", "text": "Hijacked"},
    )
    assert response.status_code == 404
    assert row_counts() == before
    with scopes_disabled():
        assert Caption.objects.get(pk=tenant_b.caption.pk).text == tenant_b.caption.text


# The list --------------------------------------------------------------------------


def test_the_list_shows_items_with_their_state_and_a_new_item_button(tenant_a, tenant_b, client_for):
    draft(tenant_a, title="Quarterly results")
    body = client_for(tenant_a.manager).get(url("item_list")).content.decode()
    assert "Quarterly results" in body and tenant_a.item.title in body
    assert "Published" in body and "Draft" in body
    assert url("item_create") in body
    assert tenant_b.item.title not in body


def test_the_list_filters_by_search_state_and_kind(tenant_a, client_for):
    draft(tenant_a, title="Quarterly results", kind="industry")
    client = client_for(tenant_a.manager)
    body = client.get(url("item_list"), {"q": "quarterly"}).content.decode()
    assert "Quarterly results" in body and tenant_a.item.title not in body
    body = client.get(url("item_list"), {"state": "published"}).content.decode()
    assert "Quarterly results" not in body and tenant_a.item.title in body
    body = client.get(url("item_list"), {"kind": "industry"}).content.decode()
    assert "Quarterly results" in body and tenant_a.item.title not in body


def test_the_list_filters_by_topic_author_and_created_dates(tenant_a, client_for):
    other_manager = MembershipFactory(organization=tenant_a.organization, role=Role.MANAGER)
    tagged = draft(tenant_a, title="Tagged item", author=other_manager)
    with organization_scope(tenant_a.organization):
        tagged.topics.add(tenant_a.topic, through_defaults={"organization": tenant_a.organization})
    draft(tenant_a, title="An old item", created_at=timezone.now() - timedelta(days=40))
    client = client_for(tenant_a.manager)
    body = client.get(url("item_list"), {"topic": str(tenant_a.topic.public_id)}).content.decode()
    assert "Tagged item" in body and "An old item" not in body
    body = client.get(url("item_list"), {"author": str(other_manager.public_id)}).content.decode()
    assert "Tagged item" in body and tenant_a.item.title not in body
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    body = client.get(url("item_list"), {"created_from": since}).content.decode()
    assert "An old item" not in body and "Tagged item" in body


def test_the_list_pages_by_25(tenant_a, client_for):
    for number in range(30):
        draft(tenant_a, title=f"Item number {number}")
    response = client_for(tenant_a.manager).get(url("item_list"))
    assert len(response.context["page_obj"]) == 25
    assert "Page 1 of 2" in response.content.decode()
    assert len(client_for(tenant_a.manager).get(url("item_list"), {"page": 2}).context["page_obj"]) == 6


def test_a_filter_that_matches_nothing_shows_an_empty_state(tenant_a, client_for):
    body = client_for(tenant_a.manager).get(url("item_list"), {"q": "nothing like this"}).content.decode()
    assert "No items match your filters" in body


# Creating and editing ----------------------------------------------------------------


def test_a_manager_creates_a_draft_and_lands_in_the_editor(tenant_a, client_for):
    response = client_for(tenant_a.manager).post(url("item_create"), item_data())
    with organization_scope(tenant_a.organization):
        item = ContentItem.objects.get(organization=tenant_a.organization, title="We opened a new office")
    assert response.status_code == 302
    assert response.url == url("item_edit", item_id=item.public_id)
    assert item.state == ContentState.DRAFT and item.author == tenant_a.manager


def test_publish_and_expiry_times_are_read_and_shown_in_the_organizations_time_zone(tenant_a, client_for):
    tenant_a.organization.timezone = "America/New_York"
    tenant_a.organization.save()
    client = client_for(tenant_a.manager)
    client.post(url("item_create"), item_data(publish_at="2026-11-05T09:00", expires_at="2026-11-06T18:30"))
    with organization_scope(tenant_a.organization):
        item = ContentItem.objects.get(organization=tenant_a.organization, title="We opened a new office")
    assert item.publish_at == datetime(2026, 11, 5, 14, 0, tzinfo=UTC)  # EST is UTC-5
    assert item.expires_at == datetime(2026, 11, 6, 23, 30, tzinfo=UTC)
    body = client.get(url("item_edit", item_id=item.public_id)).content.decode()
    assert 'value="2026-11-05T09:00"' in body and 'value="2026-11-06T18:30"' in body
    assert 'type="datetime-local"' in body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "not a link"}, "url", "Enter a valid URL"),
        ({"url": "ftp://files.example/report"}, "url", "http:// or https://"),
        ({"publish_at": "2026-11-05T09:00", "expires_at": "2026-11-04T09:00"}, "expires_at", "after the publish"),
        ({"title": ""}, "title", "This field is required"),
        ({"publish_at": "tomorrow-ish"}, "publish_at", "Enter a valid date/time"),
    ],
)
def test_bad_item_input_shows_a_clear_message_and_saves_nothing(tenant_a, client_for, changes, field, message):
    before = row_counts()
    response = client_for(tenant_a.manager).post(url("item_create"), item_data(**changes))
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[field])
    assert message in errors
    assert message in response.content.decode()
    assert row_counts() == before


def test_editing_an_approved_item_warns_and_sends_it_back_to_review(tenant_a, client_for):
    item = tenant_a.item  # published
    client = client_for(tenant_a.admin)
    body = client.get(url("item_edit", item_id=item.public_id)).content.decode()
    assert "back to review" in body and 'data-testid="review-again-warning"' in body
    response = client.post(url("item_edit", item_id=item.public_id), item_data(title="Acme launches two rockets"))
    assert response.status_code == 302
    item = reload(item)
    assert item.title == "Acme launches two rockets" and item.state == ContentState.IN_REVIEW


def test_a_draft_editor_shows_no_review_warning(tenant_a, client_for):
    item = draft(tenant_a)
    body = client_for(tenant_a.manager).get(url("item_edit", item_id=item.public_id)).content.decode()
    assert "review-again-warning" not in body


def test_a_refused_edit_keeps_the_saved_item(tenant_a, client_for):
    item = draft(tenant_a, title="Original")
    response = client_for(tenant_a.manager).post(
        url("item_edit", item_id=item.public_id), item_data(title="Changed", url="javascript:alert(1)")
    )
    assert response.status_code == 400
    assert reload(item).title == "Original"


def test_the_audience_is_saved_from_member_values_roles_groups_and_topics(tenant_a, client_for):
    tenant_a.employee.department = "Sales"
    tenant_a.employee.save()
    client = client_for(tenant_a.manager)
    body = client.get(url("item_create")).content.decode()
    assert 'value="Sales"' in body  # a department a member has is offered
    client.post(
        url("item_create"),
        item_data(
            audience_departments=["Sales"],
            audience_roles=["employee"],
            audience_groups=[str(tenant_a.group.public_id)],
        ),
    )
    with organization_scope(tenant_a.organization):
        item = ContentItem.objects.get(organization=tenant_a.organization, title="We opened a new office")
        rules = sorted(item.audience_rules.values_list("dimension", "value"))
    assert rules == [("department", "Sales"), ("group", str(tenant_a.group.public_id)), ("role", "employee")]
    detail = client.get(url("item_detail", item_id=item.public_id)).content.decode()
    assert "Matches 1 active member" in detail and "Sales" in detail


# The live audience count ---------------------------------------------------------


def test_the_audience_count_counts_active_members_for_the_values_on_screen(tenant_a, client_for):
    tenant_a.employee.department = "Sales"
    tenant_a.employee.save()
    client = client_for(tenant_a.manager)
    assert "Matches 4 active members" in client.get(url("audience_count")).content.decode()
    response = client.get(url("audience_count"), {"audience_departments": "Sales"})
    assert "Matches 1 active member" in response.content.decode()
    response = client.get(url("audience_count"), {"audience_roles": ["admin", "manager"]})
    assert "Matches 2 active members" in response.content.decode()
    response = client.get(url("audience_count"), {"audience_groups": str(tenant_a.group.public_id)})
    assert "Matches 1 active member" in response.content.decode()


def test_the_audience_count_ignores_another_organizations_group(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.manager).get(
        url("audience_count"), {"audience_groups": str(tenant_b.group.public_id)}
    )
    assert response.status_code == 200
    assert "no longer exist" in response.content.decode()


def test_the_editor_asks_for_the_count_when_the_audience_changes(tenant_a, client_for):
    body = client_for(tenant_a.manager).get(url("item_create")).content.decode()
    assert f'hx-get="{url("audience_count")}"' in body and 'hx-trigger="change"' in body


# Captions ------------------------------------------------------------------------------


def test_captions_are_added_edited_and_deleted_with_live_counters(tenant_a, client_for):
    item = draft(tenant_a)
    client = client_for(tenant_a.manager)
    body = client.get(url("item_edit", item_id=item.public_id)).content.decode()
    assert 'data-caption-counter-for="id_caption_x_new_text"' in body and 'data-caption-limit="280"' in body
    response = client.post(url("caption_create", item_id=item.public_id), {"network": "x", "text": "Big news!"})
    assert response.status_code == 302
    with scopes_disabled():
        caption = Caption.objects.get(item=item)
    assert (caption.network, caption.text) == ("x", "Big news!")
    client.post(url("caption_edit", item_id=item.public_id, caption_id=caption.public_id), {"text": "Bigger news!"})
    with scopes_disabled():
        assert Caption.objects.get(pk=caption.pk).text == "Bigger news!"
    client.post(url("caption_delete", item_id=item.public_id, caption_id=caption.public_id))
    with scopes_disabled():
        assert not Caption.objects.filter(pk=caption.pk).exists()


def test_an_over_long_caption_says_by_how_much_and_saves_nothing(tenant_a, client_for):
    item = draft(tenant_a)
    before = row_counts()
    response = client_for(tenant_a.manager).post(
        url("caption_create", item_id=item.public_id), {"network": "x", "text": "a" * 290}
    )
    assert response.status_code == 400
    assert "X allows 280 characters; this caption is 10 over." in response.content.decode()
    assert row_counts() == before


def test_an_over_long_edit_keeps_the_saved_caption(tenant_a, client_for):
    item = draft(tenant_a)
    caption = CaptionFactory(organization=tenant_a.organization, item=item, network="x", text="Short")
    response = client_for(tenant_a.manager).post(
        url("caption_edit", item_id=item.public_id, caption_id=caption.public_id), {"text": "b" * 300}
    )
    assert response.status_code == 400
    assert "20 over" in response.content.decode()
    with scopes_disabled():
        assert Caption.objects.get(pk=caption.pk).text == "Short"


def test_editing_a_caption_of_a_published_item_sends_it_back_to_review(tenant_a, client_for):
    client_for(tenant_a.manager).post(
        url("caption_edit", item_id=tenant_a.item.public_id, caption_id=tenant_a.caption.public_id),
        {"text": "A fresh take"},
    )
    assert reload(tenant_a.item).state == ContentState.IN_REVIEW


# Images --------------------------------------------------------------------------------


def test_an_image_is_uploaded_shown_and_removed(tenant_a, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = draft(tenant_a)
    client = client_for(tenant_a.manager)
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    response = client.post(url("image_add", item_id=item.public_id), {"image": upload, "alt_text": "Our new office"})
    assert response.status_code == 302
    with scopes_disabled():
        image = ContentImage.objects.get(item=item)
    body = client.get(url("item_edit", item_id=item.public_id)).content.decode()
    file_url = url("image_file", item_id=item.public_id, image_id=image.public_id)
    assert file_url in body and 'alt="Our new office"' in body
    served = client.get(file_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    client.post(url("image_delete", item_id=item.public_id, image_id=image.public_id))
    with scopes_disabled():
        assert not ContentImage.objects.filter(pk=image.pk).exists()


def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(tenant_a, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = draft(tenant_a)
    before = row_counts()
    upload = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = client_for(tenant_a.manager).post(url("image_add", item_id=item.public_id), {"image": upload})
    assert response.status_code == 400
    assert "not an image Chorus can read" in response.content.decode()
    assert row_counts() == before


# The preview ---------------------------------------------------------------------------


def test_a_pending_preview_polls_every_two_seconds(tenant_a, client_for):
    item = draft(tenant_a, url="https://news.example/a", preview_status=PreviewStatus.PENDING)
    body = client_for(tenant_a.manager).get(url("item_detail", item_id=item.public_id)).content.decode()
    assert 'hx-trigger="every 2s"' in body and "Fetching the preview" in body


def test_a_ready_preview_shows_title_description_and_site_and_stops_polling(tenant_a, client_for):
    item = draft(
        tenant_a,
        url="https://news.example/a",
        preview_status=PreviewStatus.READY,
        preview_title="A headline",
        preview_description="A summary",
        preview_site_name="News Example",
        preview_image_url="https://news.example/a.jpg",
    )
    body = client_for(tenant_a.manager).get(url("item_preview", item_id=item.public_id)).content.decode()
    assert "A headline" in body and "A summary" in body and "News Example" in body
    assert "https://news.example/a.jpg" in body
    assert "every 2s" not in body


def test_a_failed_preview_can_be_fetched_again(tenant_a, client_for, broker, django_capture_on_commit_callbacks):
    item = draft(tenant_a, url="https://news.example/a", preview_status=PreviewStatus.FAILED, preview_error="Timed out")
    client = client_for(tenant_a.manager)
    body = client.get(url("item_detail", item_id=item.public_id)).content.decode()
    assert "Timed out" in body and "Retry" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("item_preview_retry", item_id=item.public_id), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 2s"' in response.content.decode()
    assert reload(item).preview_status == PreviewStatus.PENDING
    assert broker.drain() == [
        ("content.tasks.content_item_fetch_preview", {"organization_id": tenant_a.organization.pk, "item_id": item.pk})
    ]


# The item's page: workflow, history, comments ---------------------------------------------


def shown_actions(body: str) -> set[str]:
    section = body.split('data-testid="workflow-actions"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r'data-action="(\w+)"', section))


def expected_actions(state: str) -> set[str]:
    return {
        action
        for action, moves in TRANSITIONS.items()
        if action not in SYSTEM_ACTIONS and action != "edit" and any(state in sources for sources in moves.values())
    }


@pytest.mark.parametrize("state", [choice.value for choice in ContentState])
def test_the_workflow_buttons_are_the_moves_transitions_allows(tenant_a, client_for, state):
    item = draft(tenant_a, state=state)
    body = client_for(tenant_a.admin).get(url("item_detail", item_id=item.public_id)).content.decode()
    assert shown_actions(body) == expected_actions(state)


def test_the_author_sees_approve_disabled_under_four_eyes(tenant_a, client_for):
    item = draft(tenant_a, state=ContentState.IN_REVIEW)
    body = client_for(tenant_a.manager).get(url("item_detail", item_id=item.public_id)).content.decode()
    assert "another manager must approve it" in body
    assert re.search(r'data-action="approve" disabled', body)


def test_submitting_a_clean_draft_records_it_in_the_history(tenant_a, client_for):
    item = draft(tenant_a)
    client = client_for(tenant_a.manager)
    response = client.post(url("item_transition", item_id=item.public_id), {"action": "submit"}, follow=True)
    assert reload(item).state == ContentState.IN_REVIEW
    assert any("submitted for review" in message for message in messages_of(response))
    history = response.content.decode().split('data-testid="history"', 1)[1]
    assert "Draft → <strong>In review</strong>" in history and tenant_a.manager.user.display_name in history


def test_a_blocked_phrase_stops_the_submission_with_a_clear_message(tenant_a, client_for):
    ContentSettings.objects.create(organization=tenant_a.organization, blocked_phrases="guaranteed returns")
    item = draft(tenant_a, title="Guaranteed returns for everyone")
    before = row_counts()
    response = client_for(tenant_a.manager).post(
        url("item_transition", item_id=item.public_id), {"action": "submit"}, follow=True
    )
    assert reload(item).state == ContentState.DRAFT
    assert any("Title:" in message and "guaranteed returns" in message.lower() for message in messages_of(response))
    assert row_counts() == before


def test_the_author_cannot_approve_their_own_item_under_four_eyes(tenant_a, client_for):
    item = draft(tenant_a, state=ContentState.IN_REVIEW)
    response = client_for(tenant_a.manager).post(
        url("item_transition", item_id=item.public_id), {"action": "approve"}, follow=True
    )
    assert reload(item).state == ContentState.IN_REVIEW
    assert any("four-eyes" in message for message in messages_of(response))


def test_requesting_changes_needs_a_note(tenant_a, client_for):
    item = draft(tenant_a, state=ContentState.IN_REVIEW)
    client = client_for(tenant_a.admin)
    response = client.post(url("item_transition", item_id=item.public_id), {"action": "request_changes"}, follow=True)
    assert reload(item).state == ContentState.IN_REVIEW
    assert any("Say what should change" in message for message in messages_of(response))
    response = client.post(
        url("item_transition", item_id=item.public_id),
        {"action": "request_changes", "note": "Shorter title, please"},
        follow=True,
    )
    assert reload(item).state == ContentState.CHANGES_REQUESTED
    assert "Shorter title, please" in response.content.decode()


def test_another_manager_approves_and_the_item_publishes(tenant_a, client_for):
    item = draft(tenant_a, state=ContentState.IN_REVIEW)
    client_for(tenant_a.admin).post(url("item_transition", item_id=item.public_id), {"action": "approve"})
    assert reload(item).state == ContentState.PUBLISHED


def test_an_action_the_state_does_not_allow_is_refused_with_a_message(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(
        url("item_transition", item_id=tenant_a.item.public_id), {"action": "approve"}, follow=True
    )
    assert reload(tenant_a.item).state == ContentState.PUBLISHED
    assert any("cannot be approved" in message for message in messages_of(response))


def test_a_system_action_cannot_be_posted(tenant_a, client_for):
    item = draft(tenant_a, state=ContentState.APPROVED, publish_at=timezone.now() + timedelta(days=3))
    response = client_for(tenant_a.admin).post(
        url("item_transition", item_id=item.public_id), {"action": "publish"}, follow=True
    )
    assert reload(item).state == ContentState.APPROVED
    assert any("not an action you can take" in message for message in messages_of(response))


def test_a_transition_returns_to_the_page_it_came_from_within_the_organization(tenant_a, client_for):
    item = draft(tenant_a)
    response = client_for(tenant_a.manager).post(
        url("item_transition", item_id=item.public_id), {"action": "archive", "next": url("review_queue")}
    )
    assert response.url == url("review_queue")
    response = client_for(tenant_a.manager).post(
        url("item_transition", item_id=item.public_id), {"action": "restore", "next": "https://evil.example/"}
    )
    assert response.url == url("item_detail", item_id=item.public_id)


def test_a_review_comment_is_added_and_shown(tenant_a, client_for):
    client = client_for(tenant_a.manager)
    response = client.post(url("item_comment", item_id=tenant_a.item.public_id), {"text": "Looks great"}, follow=True)
    assert "Looks great" in response.content.decode()


def test_an_empty_comment_is_refused(tenant_a, client_for):
    before = row_counts()
    response = client_for(tenant_a.manager).post(url("item_comment", item_id=tenant_a.item.public_id), {"text": "  "})
    assert response.status_code == 400
    assert row_counts() == before


def test_the_detail_page_shows_captions_audience_and_preview(tenant_a, client_for):
    body = client_for(tenant_a.manager).get(url("item_detail", item_id=tenant_a.item.public_id)).content.decode()
    assert tenant_a.caption.text in body
    assert "Matches 4 active members" in body and "Everyone in Acme" in body
    assert "Link preview" in body


def test_services_queue_a_preview_only_for_an_item_with_a_link(tenant_a):
    item = draft(tenant_a)
    with organization_scope(tenant_a.organization), pytest.raises(Exception, match="no link"):
        services.content_item_queue_preview(item=item)
