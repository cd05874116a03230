"""Content through the API: items, the workflow and captions for curators,
suggestions for everyone and the queue for curators, and each employee's feed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, MembershipTopic, Role
from accounts.tenancy import organization_scope, scopes_disabled
from content import services
from content.api.items import ACTION_CHOICES
from content.models import (
    SYSTEM_ACTIONS,
    TRANSITIONS,
    Caption,
    ContentItem,
    ContentState,
    FeedDismissal,
    Suggestion,
    SuggestionState,
    Visibility,
)
from content.services import Audience, ItemInput
from tests.conftest import Tenant
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Membership], Client]
CURATOR_ROLES = [Role.ADMIN, Role.MANAGER]
NON_CURATOR_ROLES = [Role.EXECUTIVE, Role.EMPLOYEE]


def api(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def rows() -> dict[str, list[Any]]:
    """Every tenant's content rows, to prove a refused request changed nothing."""
    with scopes_disabled():
        return {
            "items": sorted(ContentItem.objects.values_list("public_id", "title", "state", "visibility")),
            "captions": sorted(Caption.objects.values_list("public_id", "network", "text")),
            "suggestions": sorted(Suggestion.objects.values_list("public_id", "state", "decline_reason")),
            "dismissals": sorted(FeedDismissal.objects.values_list("membership_id", "item_id")),
        }


def publish(tenant: Tenant, title: str, **extra: Any) -> ContentItem:
    with organization_scope(tenant.organization):
        item = services.content_item_create(
            organization=tenant.organization, author=tenant.manager, data=ItemInput(title=title, **extra)
        )
        item.state = ContentState.PUBLISHED
        item.published_at = timezone.now()
        item.save(update_fields=["state", "published_at"])
    return item


# Items -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", CURATOR_ROLES)
def test_curators_create_read_and_edit_an_item(tenant_a: Tenant, client_for: ClientFor, role: str) -> None:
    client = client_for(tenant_a.member(role))
    created = send(
        client,
        "post",
        api("item_list", tenant_a),
        {
            "title": "  We opened in Lisbon  ",
            "body": "Say hello",
            "url": "https://news.example/lisbon",
            "topics": [str(tenant_a.topic.public_id)],
            "audience": {"locations": ["Lisbon"], "groups": [str(tenant_a.group.public_id)]},
        },
    )
    assert created.status_code == 201, created.json()
    item = created.json()
    assert (item["title"], item["state"], item["kind"], item["visibility"]) == (
        "We opened in Lisbon",
        "draft",
        "company",
        "shareable",
    )
    assert item["topics"] == [{"id": str(tenant_a.topic.public_id), "name": "Acme Topic"}]
    assert item["audience"] == {
        "departments": [],
        "locations": ["Lisbon"],
        "roles": [],
        "groups": [str(tenant_a.group.public_id)],
        "topics": [],
    }
    assert item["author"]["id"] == str(tenant_a.member(role).public_id)
    assert (item["preview_status"], item["preview"]) == ("pending", None)

    url = api("item_detail", tenant_a, item_id=item["id"])
    assert client.get(url).json() == item
    edited = send(client, "patch", url, {"visibility": "internal", "audience": {"roles": ["employee"]}})
    assert edited.status_code == 200
    assert (edited.json()["visibility"], edited.json()["title"]) == ("internal", "We opened in Lisbon")
    assert edited.json()["audience"]["roles"] == ["employee"] and edited.json()["audience"]["locations"] == []
    assert edited.json()["topics"] == item["topics"]


def test_the_item_list_filters_by_state_and_topic(tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor) -> None:
    with organization_scope(tenant_a.organization):
        services.content_item_create(
            organization=tenant_a.organization,
            author=tenant_a.manager,
            data=ItemInput(title="Draft on topic", topics=[tenant_a.topic]),
        )
    client = client_for(tenant_a.manager)
    everything = client.get(api("item_list", tenant_a)).json()
    assert [i["title"] for i in everything["results"]] == ["Draft on topic", "Acme launches a rocket"]
    drafts = client.get(api("item_list", tenant_a), {"state": "draft"}).json()
    assert [i["title"] for i in drafts["results"]] == ["Draft on topic"]
    on_topic = client.get(api("item_list", tenant_a), {"topic": str(tenant_a.topic.public_id)}).json()
    assert [i["title"] for i in on_topic["results"]] == ["Draft on topic"]
    assert client.get(api("item_list", tenant_a), {"topic": str(tenant_b.topic.public_id)}).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [({"state": "done"}, "state"), ({"topic": "cloud"}, "topic"), ({"created_from": "yesterday"}, "created_from")],
)
def test_a_bad_item_filter_is_refused_with_the_reason(
    tenant_a: Tenant, client_for: ClientFor, query: dict[str, str], field: str
) -> None:
    response = client_for(tenant_a.manager).get(api("item_list", tenant_a), query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"title": ["This field is required."]}),
        (
            {"title": "x", "url": "ftp://files.example/x"},
            {"url": ["Enter a web address starting with http:// or https://."]},
        ),
        ({"title": "x", "kind": "rumour"}, {"kind": ['"rumour" is not a valid choice.']}),
        ({"title": "x", "topics": ["nope"]}, {"topics": ["“nope” is not a valid id."]}),
        ({"title": "x", "audience": {"roles": ["king"]}}, {"audience": ["Unknown role: king."]}),
        ({"title": "x", "state": "published"}, {"state": ["This field does not exist or cannot be changed here."]}),
        (
            {"title": "x", "publish_at": "2030-01-02T00:00:00Z", "expires_at": "2030-01-01T00:00:00Z"},
            {"expires_at": ["The expiry must come after the publish time."]},
        ),
    ],
)
def test_a_bad_item_is_refused_with_clear_messages(
    tenant_a: Tenant, client_for: ClientFor, body: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    before = rows()
    response = send(client_for(tenant_a.manager), "post", api("item_list", tenant_a), body)
    assert response.status_code == 400
    assert response.json() == expected
    assert rows() == before


def test_another_organisations_topic_or_group_is_answered_like_a_missing_one(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    client = client_for(tenant_a.manager)
    topic = send(client, "post", api("item_list", tenant_a), {"title": "x", "topics": [str(tenant_b.topic.public_id)]})
    assert topic.json() == {"topics": [f"There is no topic with id {tenant_b.topic.public_id}."]}
    group = send(
        client,
        "post",
        api("item_list", tenant_a),
        {"title": "x", "audience": {"groups": [str(tenant_b.group.public_id)]}},
    )
    assert group.json() == {"audience": {"groups": [f"There is no group with id {tenant_b.group.public_id}."]}}


@pytest.mark.parametrize("role", NON_CURATOR_ROLES)
def test_other_roles_cannot_use_the_curator_endpoints(tenant_a: Tenant, client_for: ClientFor, role: str) -> None:
    client = client_for(tenant_a.member(role))
    before = rows()
    item = tenant_a.item.public_id
    caption = tenant_a.caption.public_id
    requests = [
        ("get", api("item_list", tenant_a), None),
        ("post", api("item_list", tenant_a), {"title": "Mine"}),
        ("get", api("item_detail", tenant_a, item_id=item), None),
        ("patch", api("item_detail", tenant_a, item_id=item), {"title": "Mine"}),
        ("get", api("item_transitions", tenant_a, item_id=item), None),
        ("post", api("item_transitions", tenant_a, item_id=item), {"action": "archive"}),
        ("get", api("caption_list", tenant_a, item_id=item), None),
        ("post", api("caption_list", tenant_a, item_id=item), {"network": "x", "text": "Hi"}),
        ("patch", api("caption_detail", tenant_a, item_id=item, caption_id=caption), {"text": "Hi"}),
        ("delete", api("caption_detail", tenant_a, item_id=item, caption_id=caption), None),
        ("get", api("suggestion_queue", tenant_a), None),
        ("post", api("suggestion_accept", tenant_a, suggestion_id=tenant_a.suggestion.public_id), None),
        ("post", api("suggestion_decline", tenant_a, suggestion_id=tenant_a.suggestion.public_id), {"reason": "No"}),
    ]
    for method, url, body in requests:
        response = send(client, method, url, body)
        assert response.status_code == 403, (method, url)
        assert response.json() == {"detail": "Your role in this organisation does not allow this."}
    assert rows() == before


# The workflow ----------------------------------------------------------------------


def test_the_api_offers_exactly_the_moves_a_person_may_make() -> None:
    assert {action for action, _ in ACTION_CHOICES} == set(TRANSITIONS) - SYSTEM_ACTIONS - {"edit"}


def test_an_item_is_submitted_approved_and_its_history_recorded(tenant_a: Tenant, client_for: ClientFor) -> None:
    author = client_for(tenant_a.manager)
    created = send(author, "post", api("item_list", tenant_a), {"title": "Quarterly results"}).json()
    transitions = api("item_transitions", tenant_a, item_id=created["id"])
    submitted = send(author, "post", transitions, {"action": "submit"})
    assert (submitted.status_code, submitted.json()["state"]) == (200, "in_review")

    own = send(author, "post", transitions, {"action": "approve"})
    assert own.status_code == 400
    assert own.json() == {"detail": "You wrote this item, so another manager must approve it (four-eyes review)."}
    approved = send(client_for(tenant_a.admin), "post", transitions, {"action": "approve", "note": "Nice"})
    assert approved.json()["state"] == "published"
    history = client_for(tenant_a.admin).get(transitions).json()["results"]
    assert [(h["action"], h["to_state"]) for h in history] == [
        ("create", "draft"),
        ("submit", "in_review"),
        ("approve", "approved"),
        ("publish", "published"),
    ]
    assert history[2]["actor"]["id"] == str(tenant_a.admin.public_id) and history[2]["note"] == "Nice"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"action": "publish"}, {"action": ['"publish" is not a valid choice.']}),
        ({}, {"action": ["This field is required."]}),
        ({"action": "approve"}, {"detail": "An item that is published cannot be approved."}),
    ],
)
def test_a_move_the_item_does_not_allow_is_refused(
    tenant_a: Tenant, client_for: ClientFor, body: dict[str, str], expected: dict[str, Any]
) -> None:
    before = rows()
    response = send(
        client_for(tenant_a.admin), "post", api("item_transitions", tenant_a, item_id=tenant_a.item.public_id), body
    )
    assert (response.status_code, response.json()) == (400, expected)
    assert rows() == before


def test_requesting_changes_needs_a_note(tenant_a: Tenant, client_for: ClientFor) -> None:
    created = send(client_for(tenant_a.manager), "post", api("item_list", tenant_a), {"title": "Draft"}).json()
    transitions = api("item_transitions", tenant_a, item_id=created["id"])
    send(client_for(tenant_a.manager), "post", transitions, {"action": "submit"})
    response = send(client_for(tenant_a.admin), "post", transitions, {"action": "request_changes"})
    assert response.json() == {"note": ["Say what should change, so the author can fix it."]}


# Captions --------------------------------------------------------------------------


def test_curators_add_edit_and_delete_captions(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.manager)
    created = send(client, "post", api("item_list", tenant_a), {"title": "Draft"}).json()
    captions = api("caption_list", tenant_a, item_id=created["id"])
    added = send(client, "post", captions, {"network": "x", "text": "  Big news  "})
    assert added.status_code == 201
    assert (added.json()["network"], added.json()["text"], added.json()["position"]) == ("x", "Big news", 0)
    caption_url = api("caption_detail", tenant_a, item_id=created["id"], caption_id=added.json()["id"])
    edited = send(client, "patch", caption_url, {"text": "Bigger news"})
    assert (edited.status_code, edited.json()["text"], edited.json()["network"]) == (200, "Bigger news", "x")
    assert [c["text"] for c in client.get(captions).json()["results"]] == ["Bigger news"]
    assert client.delete(caption_url).status_code == 204
    assert client.get(captions).json()["count"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"network": "myspace", "text": "Hi"}, "network"),
        ({"network": "x", "text": ""}, "text"),
        ({"network": "x", "text": "a" * 300}, "text"),
    ],
)
def test_a_bad_caption_is_refused(tenant_a: Tenant, client_for: ClientFor, body: dict[str, str], field: str) -> None:
    before = rows()
    response = send(
        client_for(tenant_a.manager), "post", api("caption_list", tenant_a, item_id=tenant_a.item.public_id), body
    )
    assert response.status_code == 400 and list(response.json()) == [field]
    assert rows() == before


def test_a_caption_is_addressed_under_its_own_item_only(tenant_a: Tenant, client_for: ClientFor) -> None:
    other = publish(tenant_a, "Another item")
    url = api("caption_detail", tenant_a, item_id=other.public_id, caption_id=tenant_a.caption.public_id)
    assert send(client_for(tenant_a.manager), "patch", url, {"text": "Moved"}).status_code == 404


def test_editing_a_published_items_caption_sends_it_back_to_review(tenant_a: Tenant, client_for: ClientFor) -> None:
    url = api("caption_detail", tenant_a, item_id=tenant_a.item.public_id, caption_id=tenant_a.caption.public_id)
    send(client_for(tenant_a.manager), "patch", url, {"text": "Fresh words"})
    with organization_scope(tenant_a.organization):
        tenant_a.item.refresh_from_db()
    assert tenant_a.item.state == ContentState.IN_REVIEW


# Suggestions -----------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_everyone_suggests_and_sees_only_their_own_suggestions(
    tenant_a: Tenant, client_for: ClientFor, role: str
) -> None:
    client = client_for(tenant_a.member(role))
    created = send(
        client, "post", api("suggestion_list", tenant_a), {"note": "Look at this", "url": "https://x.example/a"}
    )
    assert created.status_code == 201
    assert (created.json()["state"], created.json()["author"]["id"]) == (
        "pending",
        str(tenant_a.member(role).public_id),
    )
    notes = [s["note"] for s in client.get(api("suggestion_list", tenant_a)).json()["results"]]
    assert notes == (["Look at this", "Acme idea"] if role == Role.EMPLOYEE else ["Look at this"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"url": "https://x.example"}, {"note": ["This field is required."]}),
        ({"note": "   "}, {"note": ["This field may not be blank."]}),
        ({"note": "Hi", "url": "javascript:alert(1)"}, {"url": ["Enter a valid URL."]}),
        ({"note": "Hi", "state": "accepted"}, {"state": ["This field does not exist or cannot be changed here."]}),
    ],
)
def test_a_bad_suggestion_is_refused(
    tenant_a: Tenant, client_for: ClientFor, body: dict[str, str], expected: dict[str, list[str]]
) -> None:
    before = rows()
    response = send(client_for(tenant_a.employee), "post", api("suggestion_list", tenant_a), body)
    assert (response.status_code, response.json()) == (400, expected)
    assert rows() == before


def test_curators_accept_a_suggestion_as_a_credited_draft(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.manager)
    queue = client.get(api("suggestion_queue", tenant_a)).json()["results"]
    assert [s["note"] for s in queue] == ["Acme idea"]
    accept = api("suggestion_accept", tenant_a, suggestion_id=tenant_a.suggestion.public_id)
    accepted = client.post(accept)
    assert (accepted.status_code, accepted.json()["state"]) == (200, "accepted")
    item = client.get(api("item_detail", tenant_a, item_id=accepted.json()["item"])).json()
    assert (item["state"], item["kind"], item["credited_member"]["id"]) == (
        "draft",
        "employee",
        str(tenant_a.employee.public_id),
    )
    again = client.post(accept)
    assert (again.status_code, again.json()) == (400, {"detail": "This suggestion was already reviewed."})
    assert client.get(api("suggestion_queue", tenant_a)).json()["count"] == 0


def test_a_declined_suggestion_shows_the_employee_why(tenant_a: Tenant, client_for: ClientFor) -> None:
    decline = api("suggestion_decline", tenant_a, suggestion_id=tenant_a.suggestion.public_id)
    blank = send(client_for(tenant_a.manager), "post", decline, {"reason": " "})
    assert (blank.status_code, blank.json()) == (400, {"reason": ["This field may not be blank."]})
    declined = send(client_for(tenant_a.manager), "post", decline, {"reason": "We covered it last week"})
    assert declined.json()["state"] == SuggestionState.DECLINED
    mine = client_for(tenant_a.employee).get(api("suggestion_list", tenant_a)).json()["results"]
    assert (mine[0]["state"], mine[0]["decline_reason"]) == ("declined", "We covered it last week")


# The feed --------------------------------------------------------------------------


def test_the_feed_lists_the_callers_items_with_their_reasons(tenant_a: Tenant, client_for: ClientFor) -> None:
    cloud = TopicFactory(organization=tenant_a.organization, name="Cloud", slug="cloud")
    with organization_scope(tenant_a.organization):
        MembershipTopic.objects.create(organization=tenant_a.organization, membership=tenant_a.employee, topic=cloud)
    publish(tenant_a, "Cloud news", topics=[cloud])
    publish(tenant_a, "For executives", audience=Audience(roles=[Role.EXECUTIVE]))
    body = client_for(tenant_a.employee).get(api("feed", tenant_a)).json()
    assert [e["item"]["title"] for e in body["results"]] == ["Cloud news", "Acme launches a rocket"]
    assert "Because you follow Cloud" in body["results"][0]["reasons"]
    assert body["results"][0]["item"]["shareable"] is True and "state" not in body["results"][0]["item"]
    assert (body["page"], body["next"]) == (1, None)
    assert body["topics"] == [{"id": str(cloud.public_id), "name": "Cloud"}]

    on_topic = client_for(tenant_a.employee).get(api("feed", tenant_a), {"topic": str(cloud.public_id)}).json()
    assert [e["item"]["title"] for e in on_topic["results"]] == ["Cloud news"]


@pytest.mark.parametrize(
    ("query", "field"), [({"topic": "cloud"}, "topic"), ({"page": "0"}, "page"), ({"page": "two"}, "page")]
)
def test_a_bad_feed_query_is_refused(
    tenant_a: Tenant, client_for: ClientFor, query: dict[str, str], field: str
) -> None:
    response = client_for(tenant_a.employee).get(api("feed", tenant_a), query)
    assert response.status_code == 400 and list(response.json()) == [field]


def test_another_organisations_topic_is_unknown_to_the_feed(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    response = client_for(tenant_a.employee).get(api("feed", tenant_a), {"topic": str(tenant_b.topic.public_id)})
    assert response.json() == {"topic": [f"There is no topic with id {tenant_b.topic.public_id}."]}


def test_a_dismissed_item_leaves_the_feed(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.employee)
    dismiss = api("feed_dismiss", tenant_a, item_id=tenant_a.item.public_id)
    assert client.post(dismiss).status_code == 204
    assert client.post(dismiss).status_code == 204  # again: nothing changes
    assert client.get(api("feed", tenant_a)).json()["results"] == []
    with organization_scope(tenant_a.organization):
        assert FeedDismissal.objects.filter(membership=tenant_a.employee).count() == 1


def test_an_employee_reads_a_feed_item_with_its_captions(tenant_a: Tenant, client_for: ClientFor) -> None:
    body = client_for(tenant_a.employee).get(api("feed_item", tenant_a, item_id=tenant_a.item.public_id)).json()
    assert body["title"] == "Acme launches a rocket"
    assert [(c["network"], c["text"]) for c in body["captions"]] == [("linkedin", "Acme caption: we did it")]


def test_employees_cannot_read_items_outside_their_feed(tenant_a: Tenant, client_for: ClientFor) -> None:
    for_executives = publish(tenant_a, "For executives", audience=Audience(roles=[Role.EXECUTIVE]))
    internal = publish(tenant_a, "Internal memo", visibility=Visibility.INTERNAL)
    with organization_scope(tenant_a.organization):
        draft = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Secret draft")
        )
    client = client_for(tenant_a.employee)
    for item in (for_executives, draft):
        for response in (
            client.get(api("feed_item", tenant_a, item_id=item.public_id)),
            client.post(api("feed_dismiss", tenant_a, item_id=item.public_id)),
        ):
            assert response.status_code == 404
            assert item.title not in response.content.decode()
    assert client.get(api("item_detail", tenant_a, item_id=draft.public_id)).status_code == 403
    assert client.get(api("feed_item", tenant_a, item_id=internal.public_id)).json()["shareable"] is False
    assert (
        client_for(tenant_a.executive).get(api("feed_item", tenant_a, item_id=for_executives.public_id)).status_code
        == 200
    )


def test_b_ids_are_not_found_for_a(tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor) -> None:
    before = rows()
    client = client_for(tenant_a.admin)
    item, caption, suggestion = tenant_b.item.public_id, tenant_b.caption.public_id, tenant_b.suggestion.public_id
    requests = [
        ("get", api("item_detail", tenant_a, item_id=item), None),
        ("patch", api("item_detail", tenant_a, item_id=item), {"title": "Mine"}),
        ("post", api("item_transitions", tenant_a, item_id=item), {"action": "archive"}),
        ("get", api("caption_list", tenant_a, item_id=item), None),
        ("post", api("caption_list", tenant_a, item_id=item), {"network": "x", "text": "Hi"}),
        ("patch", api("caption_detail", tenant_a, item_id=item, caption_id=caption), {"text": "Hi"}),
        ("delete", api("caption_detail", tenant_a, item_id=tenant_a.item.public_id, caption_id=caption), None),
        ("post", api("suggestion_accept", tenant_a, suggestion_id=suggestion), None),
        ("post", api("suggestion_decline", tenant_a, suggestion_id=suggestion), {"reason": "No"}),
        ("get", api("feed_item", tenant_a, item_id=item), None),
        ("post", api("feed_dismiss", tenant_a, item_id=item), None),
    ]
    for method, url, body in requests:
        response = send(client, method, url, body)
        assert response.status_code == 404, (method, url)
        assert "Globex" not in response.content.decode()
    assert "Globex" not in client.get(api("suggestion_queue", tenant_a)).content.decode()
    assert "Globex" not in client.get(api("feed", tenant_a)).content.decode()
    assert rows() == before
