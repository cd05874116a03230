"""Suggestions on the web: an employee suggests a link or an idea and follows what
became of it; managers accept it as a draft or decline it with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from content import services
from content.models import ContentItem, ContentKind, ContentState, Suggestion, SuggestionState
from tests.accounts.admin_support import messages_of
from tests.conftest import Tenant
from tests.factories import SuggestionFactory

pytestmark = pytest.mark.django_db

CURATOR_ROLES = [Role.ADMIN, Role.MANAGER]
NON_CURATOR_ROLES = [Role.EXECUTIVE, Role.EMPLOYEE]


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"content:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def suggestion_url(name: str, tenant: Tenant, suggestion: Suggestion) -> str:
    return url(name, tenant, suggestion_id=suggestion.public_id)


def suggestion_rows() -> list[tuple[str, str]]:
    with scopes_disabled():  # every tenant's rows: a refused request must change none
        return sorted(Suggestion.objects.values_list("note", "state"))


# Suggesting ----------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_role_may_suggest_content(tenant_a, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.member(role))
    assert client.get(url("suggest", tenant_a)).status_code == 200
    response = client.post(
        url("suggest", tenant_a), {"url": "https://news.example/great", "note": "Great piece on our team"}
    )
    assert response.status_code == 302
    with organization_scope(tenant_a.organization):
        suggestion = Suggestion.objects.get(note="Great piece on our team")
    assert (suggestion.author, suggestion.url, suggestion.state) == (
        tenant_a.member(role),
        "https://news.example/great",
        SuggestionState.PENDING,
    )


def test_a_suggestion_needs_a_note(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    before = suggestion_rows()
    response = client_for(tenant_a.employee).post(url("suggest", tenant_a), {"url": "https://news.example/x"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert suggestion_rows() == before


@pytest.mark.parametrize("bad", ["not a link", "ftp://files.example/x", "javascript:alert(1)"])
def test_a_suggestion_link_must_be_a_web_address(tenant_a, client_for, bad: str) -> None:  # type: ignore[no-untyped-def]
    before = suggestion_rows()
    response = client_for(tenant_a.employee).post(url("suggest", tenant_a), {"url": bad, "note": "Look"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert suggestion_rows() == before


def test_my_suggestions_show_their_state_and_the_decline_reason(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        declined = SuggestionFactory(organization=tenant_a.organization, author=tenant_a.employee, note="Old news")
        services.suggestion_decline(suggestion=declined, reviewer=tenant_a.manager, reason="Already shared last week")
    SuggestionFactory(organization=tenant_a.organization, author=tenant_a.admin, note="The admin's idea")
    body = client_for(tenant_a.employee).get(url("suggest", tenant_a)).content.decode()
    assert "Acme idea" in body and "Waiting for review" in body
    assert "Old news" in body and "Declined" in body and "Already shared last week" in body
    assert "The admin&#x27;s idea" not in body and "The admin's idea" not in body
    assert "Globex" not in body


# The queue -------------------------------------------------------------------------


@pytest.mark.parametrize("role", CURATOR_ROLES)
def test_curators_see_the_pending_suggestions_oldest_first(tenant_a, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    SuggestionFactory(organization=tenant_a.organization, author=tenant_a.employee, note="Newer idea")
    response = client_for(tenant_a.member(role)).get(url("suggestion_queue", tenant_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Acme idea") < body.index("Newer idea")
    assert "Acme Employee" in body


@pytest.mark.parametrize("role", NON_CURATOR_ROLES)
def test_other_roles_cannot_open_the_queue_or_review(tenant_a, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.member(role))
    before = suggestion_rows()
    assert client.get(url("suggestion_queue", tenant_a)).status_code == 403
    assert client.post(suggestion_url("suggestion_accept", tenant_a, tenant_a.suggestion)).status_code == 403
    decline = suggestion_url("suggestion_decline", tenant_a, tenant_a.suggestion)
    assert client.post(decline, {"reason": "No"}).status_code == 403
    assert suggestion_rows() == before


def test_the_navigation_shows_suggestions_to_curators_only(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    queue = url("suggestion_queue", tenant_a)
    for role in Role.values:
        body = client_for(tenant_a.member(role)).get(url("suggest", tenant_a)).content.decode()
        assert (f'href="{queue}"' in body) == (role in CURATOR_ROLES)
        assert f'href="{url("suggest", tenant_a)}" aria-current="page"' in body


def test_an_empty_queue_says_so(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        tenant_a.suggestion.delete()
    body = client_for(tenant_a.manager).get(url("suggestion_queue", tenant_a)).content.decode()
    assert "No suggestions waiting" in body


def test_accepting_makes_a_credited_draft_and_opens_it(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.manager).post(suggestion_url("suggestion_accept", tenant_a, tenant_a.suggestion))
    with organization_scope(tenant_a.organization):
        item = ContentItem.objects.get(kind=ContentKind.EMPLOYEE)
        tenant_a.suggestion.refresh_from_db()
    assert (item.state, item.credited_member, item.title) == (ContentState.DRAFT, tenant_a.employee, "Acme idea")
    assert tenant_a.suggestion.state == SuggestionState.ACCEPTED and tenant_a.suggestion.item == item
    try:
        editor = url("item_edit", tenant_a, item_id=item.public_id)
    except Exception:  # the manager screens may not provide an editor yet
        editor = url("item_detail", tenant_a, item_id=item.public_id)
    assert response.status_code == 302 and response["Location"] == editor


def test_a_suggestion_is_accepted_only_once(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    client.post(suggestion_url("suggestion_accept", tenant_a, tenant_a.suggestion))
    response = client.post(suggestion_url("suggestion_accept", tenant_a, tenant_a.suggestion), follow=True)
    assert messages_of(response)[-1] == "This suggestion was already reviewed."
    with organization_scope(tenant_a.organization):
        assert ContentItem.objects.filter(kind=ContentKind.EMPLOYEE).count() == 1


def test_declining_records_the_reason_for_the_employee(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    decline = suggestion_url("suggestion_decline", tenant_a, tenant_a.suggestion)
    response = client_for(tenant_a.manager).post(decline, {"reason": "  Off topic for us  "}, follow=True)
    assert response.redirect_chain[-1][0] == url("suggestion_queue", tenant_a)
    assert "Acme idea" not in response.content.decode()
    with organization_scope(tenant_a.organization):
        tenant_a.suggestion.refresh_from_db()
    assert (tenant_a.suggestion.state, tenant_a.suggestion.decline_reason, tenant_a.suggestion.reviewed_by) == (
        SuggestionState.DECLINED,
        "Off topic for us",
        tenant_a.manager,
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_declining_without_a_reason_is_refused_next_to_the_suggestion(tenant_a, client_for, reason: str) -> None:  # type: ignore[no-untyped-def]
    before = suggestion_rows()
    decline = suggestion_url("suggestion_decline", tenant_a, tenant_a.suggestion)
    response = client_for(tenant_a.manager).post(decline, {"reason": reason})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tell the employee why, so they can suggest better next time." in body
    assert f'id="reason-{tenant_a.suggestion.public_id}-error"' in body
    assert suggestion_rows() == before


def test_opening_accept_or_decline_by_address_is_not_allowed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    assert client.get(suggestion_url("suggestion_accept", tenant_a, tenant_a.suggestion)).status_code == 405
    assert client.get(suggestion_url("suggestion_decline", tenant_a, tenant_a.suggestion)).status_code == 405


def test_another_organisations_suggestion_cannot_be_reviewed(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    before = suggestion_rows()
    client = client_for(tenant_a.admin)
    accept = client.post(suggestion_url("suggestion_accept", tenant_a, tenant_b.suggestion))
    decline = client.post(suggestion_url("suggestion_decline", tenant_a, tenant_b.suggestion), {"reason": "No"})
    assert (accept.status_code, decline.status_code) == (404, 404)
    assert b"Globex" not in accept.content + decline.content
    assert suggestion_rows() == before
