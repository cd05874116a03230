"""The review queue and the manager dashboard's card about it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from content.models import ContentItem, ContentState
from tests.content.views_support import CURATOR_ROLES, OTHER_ROLES, messages_of, url
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db


def in_review(tenant, title, waited_days):  # type: ignore[no-untyped-def]
    item = ContentItemFactory(organization=tenant.organization, author=tenant.manager, title=title, state="in_review")
    with scopes_disabled():  # backdate the submission, as if it had waited
        ContentItem.objects.filter(pk=item.pk).update(updated_at=timezone.now() - timedelta(days=waited_days))
    return item


@pytest.mark.parametrize("role", CURATOR_ROLES)
@pytest.mark.parametrize("name", ["review_queue", "dashboard_card"])
def test_admins_and_managers_can_open_the_queue_and_the_card(tenant_a, client_for, role, name):
    assert client_for(tenant_a.member(role)).get(url(name)).status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("name", ["review_queue", "dashboard_card"])
def test_executives_and_employees_get_forbidden(tenant_a, client_for, role, name):
    assert client_for(tenant_a.member(role)).get(url(name)).status_code == 403


def test_the_queue_lists_items_in_review_oldest_first_with_author_and_waiting_time(tenant_a, tenant_b, client_for):
    in_review(tenant_a, "Newer item", 1)
    in_review(tenant_a, "Older item", 3)
    in_review(tenant_b, "Globex secret", 5)
    body = client_for(tenant_a.admin).get(url("review_queue")).content.decode()
    assert body.index("Older item") < body.index("Newer item")
    assert "waiting 3\xa0days" in body and tenant_a.manager.user.display_name in body
    assert tenant_a.item.title not in body  # published, not in review
    assert "Globex secret" not in body


def test_an_empty_queue_says_so(tenant_a, client_for):
    assert "Nothing to review" in client_for(tenant_a.manager).get(url("review_queue")).content.decode()


def test_approving_from_the_queue_returns_to_the_queue(tenant_a, client_for):
    item = in_review(tenant_a, "Ready to go", 1)
    response = client_for(tenant_a.admin).post(
        url("item_transition", item_id=item.public_id), {"action": "approve", "next": url("review_queue")}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("review_queue")
    assert any("was approved" in message for message in messages_of(response))
    with scopes_disabled():
        assert ContentItem.objects.get(pk=item.pk).state == ContentState.PUBLISHED


def test_requesting_changes_from_the_queue_needs_a_note(tenant_a, client_for):
    item = in_review(tenant_a, "Needs work", 1)
    body = client_for(tenant_a.admin).get(url("review_queue")).content.decode()
    assert 'name="note"' in body and "Request changes" in body
    client_for(tenant_a.admin).post(
        url("item_transition", item_id=item.public_id),
        {"action": "request_changes", "note": "Add a caption for X", "next": url("review_queue")},
    )
    with scopes_disabled():
        assert ContentItem.objects.get(pk=item.pk).state == ContentState.CHANGES_REQUESTED


def test_the_author_sees_approve_disabled_in_the_queue(tenant_a, client_for):
    in_review(tenant_a, "My own item", 1)
    body = client_for(tenant_a.manager).get(url("review_queue")).content.decode()
    assert 'data-action="approve" disabled' in body


def test_the_dashboard_card_counts_the_queue(tenant_a, tenant_b, client_for):
    in_review(tenant_a, "One", 1)
    in_review(tenant_a, "Two", 2)
    in_review(tenant_b, "Not ours", 2)
    response = client_for(tenant_a.manager).get(url("dashboard_card"))
    assert response.context["review_count"] == 2
    assert 'data-testid="review-count">2<' in response.content.decode()


def test_the_manager_dashboard_loads_the_card_from_content(tenant_a, client_for):
    body = client_for(tenant_a.manager).get("/o/acme/").content.decode()
    assert f'hx-get="{url("dashboard_card")}"' in body


def test_curators_see_content_and_review_in_the_navigation_and_only_one_is_active(tenant_a, client_for):
    body = client_for(tenant_a.manager).get(url("review_queue")).content.decode()
    # The sections' menus are lists of their own: read up to the bar's right-hand list.
    navigation = body.split('id="main-nav"', 1)[1].split('<ul class="navbar-nav">', 1)[0]
    assert url("item_list") in navigation and url("review_queue") in navigation
    assert navigation.count('aria-current="page"') == 1
    employee_body = client_for(tenant_a.employee).get("/o/acme/").content.decode()
    assert url("item_list") not in employee_body
