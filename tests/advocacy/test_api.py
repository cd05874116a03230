"""Advocacy through the API: each member's own connected accounts and shares, sharing
with every rule the composer enforces, the composer's checks, the member's stats, and
the managers' list of accounts that need attention."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.lib import crypto
from accounts.lib.availability import zone_for
from accounts.models import Membership, Role
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import (
    ConnectionStatus,
    Share,
    ShareAttempt,
    ShareFingerprint,
    ShareKind,
    ShareState,
    SocialConnection,
    TrackedLink,
)
from content import services as content_services
from content.models import ContentItem, ContentState, Visibility
from tests.conftest import Broker, Tenant
from tests.factories import CaptionFactory, ContentItemFactory
from tests.factories_onboarding import PolicyVersionFactory, certify

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Membership], Client]
CaptureOnCommit = Callable[..., Any]
POST_TASK = "advocacy.tasks.share_post"
# A public address, which the networks' counters recognise as a link.
SHORT_LINK_BASE = "https://chorus.example"


def api(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def account(membership: Membership, *, network: str = "sandbox", handle: str = "", **fields: Any) -> SocialConnection:
    """A connected account with tokens whose plain and encrypted forms tests look for."""
    handle = handle or f"{membership.user.email.split('@')[0]}-{network}"
    fields.setdefault("access_token_encrypted", crypto.encrypt(f"secret-token-{handle}"))
    fields.setdefault("refresh_token_encrypted", crypto.encrypt(f"secret-refresh-{handle}"))
    with organization_scope(membership.organization):
        return SocialConnection.objects.create(
            organization=membership.organization,
            membership=membership,
            network=network,
            external_user_id=f"{handle}-id",
            author_ref=f"urn:{handle}",
            handle=handle,
            display_name=handle.title(),
            **fields,
        )


def share(connection: SocialConnection, *, state: str = ShareState.POSTED, **fields: Any) -> Share:
    fields.setdefault("text", f"Words of {connection.handle}")
    fields.setdefault("body", fields["text"])
    with organization_scope(connection.organization):
        return Share.objects.create(
            organization=connection.organization,
            membership=connection.membership,
            connection=connection,
            network=connection.network,
            kind=ShareKind.BRAND if fields.get("item") else ShareKind.PERSONAL,
            state=state,
            **fields,
        )


def may_share(tenant: Tenant, *members: Membership) -> None:
    """Certify the members (the organisation requires it to share, by default)."""
    with scopes_disabled():  # test set-up, outside any request
        policy = PolicyVersionFactory(organization=tenant.organization)
        for member in members or (tenant.employee,):
            certify(member, policy, [])


def publish(tenant: Tenant, title: str, **fields: Any) -> ContentItem:
    with scopes_disabled():  # test set-up, outside any request
        return ContentItemFactory(
            organization=tenant.organization,
            author=tenant.manager,
            title=title,
            state=ContentState.PUBLISHED,
            published_at=timezone.now(),
            **fields,
        )


def with_url(tenant: Tenant, url: str = "https://acme.example/rocket") -> ContentItem:
    with scopes_disabled():  # test set-up, outside any request
        ContentItem.objects.filter(pk=tenant.item.pk).update(url=url)
    tenant.item.url = url
    return tenant.item


def rows() -> dict[str, list[Any]]:
    """Every organisation's advocacy rows, to prove a refused request changed nothing."""
    with scopes_disabled():  # reading every tenant's rows, for comparison only
        return {
            "shares": sorted(Share.objects.values_list("public_id", "state", "text", "last_error")),
            "links": sorted(TrackedLink.objects.values_list("code", "share_id")),
            "fingerprints": sorted(ShareFingerprint.objects.values_list("share_id", flat=True)),
            "connections": sorted(
                SocialConnection.objects.values_list("public_id", "status", "access_token_encrypted")
            ),
        }


def assert_no_tokens(response: Any, *connections: SocialConnection) -> None:
    body = response.content.decode()
    for connection in connections:
        for secret in (
            connection.access_token_encrypted,
            connection.refresh_token_encrypted,
            f"secret-token-{connection.handle}",
            f"secret-refresh-{connection.handle}",
        ):
            assert not secret or secret not in body
    assert "secret-" not in body and "token_encrypted" not in body


def tomorrow_at_noon(membership: Membership) -> datetime:
    """Noon on the member's clock, tomorrow: outside every default quiet hour."""
    zone = zone_for(membership.effective_timezone)
    tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(12, 0), tzinfo=zone)


# Connections -----------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_every_role_lists_only_their_own_accounts_without_any_token(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor, role: str
) -> None:
    me = tenant_a.member(role)
    colleague = tenant_a.admin if role != Role.ADMIN else tenant_a.employee
    mine = [account(me, network="sandbox"), account(me, network="mastodon", instance_url="https://social.example")]
    gone = account(me, network="x", status=ConnectionStatus.DISCONNECTED)
    others = [account(colleague), account(tenant_b.member(role))]

    response = client_for(me).get(api("connection_list", tenant_a))

    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 2 and page["next"] is None
    assert [(a["id"], a["network"], a["status"]) for a in page["results"]] == [
        (str(mine[1].public_id), "mastodon", "active"),
        (str(mine[0].public_id), "sandbox", "active"),
    ]
    assert set(page["results"][0]) == {
        "id",
        "network",
        "handle",
        "display_name",
        "profile_url",
        "status",
        "status_reason",
        "token_expires_at",
        "paused_until",
        "connected_at",
    }
    assert_no_tokens(response, *mine, gone, *others)


def test_an_account_is_read_by_its_owner_and_a_colleagues_or_another_organisations_is_not_found(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    mine = account(tenant_a.employee, token_expires_at=timezone.now() + timedelta(days=30))
    colleagues = account(tenant_a.manager)
    outsiders = account(tenant_b.employee)
    client = client_for(tenant_a.employee)

    response = client.get(api("connection_detail", tenant_a, account_id=mine.public_id))
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["handle"]) == (str(mine.public_id), mine.handle)
    assert response.json()["token_expires_at"] is not None
    assert_no_tokens(response, mine)

    before = rows()
    for other in (colleagues, outsiders):
        url = api("connection_detail", tenant_a, account_id=other.public_id)
        for method in ("get", "delete"):
            refused = send(client, method, url)
            assert refused.status_code == 404, (method, other)
            assert refused.json() == {"detail": "No such object."}
    assert rows() == before


def test_disconnecting_an_account_forgets_its_tokens_and_cancels_the_posts_waiting_for_it(
    tenant_a: Tenant, client_for: ClientFor
) -> None:
    # Mastodon without a registered app: nothing to revoke at a network, so no request leaves.
    mine = account(tenant_a.employee, network="mastodon", instance_url="https://social.example")
    waiting = share(mine, state=ShareState.SCHEDULED, scheduled_for=timezone.now() + timedelta(days=1))
    posted = share(mine, state=ShareState.POSTED)
    client = client_for(tenant_a.employee)

    response = client.delete(api("connection_detail", tenant_a, account_id=mine.public_id))

    assert response.status_code == 204 and response.content == b""
    with organization_scope(tenant_a.organization):
        mine.refresh_from_db()
        assert (mine.status, mine.access_token_encrypted, mine.refresh_token_encrypted) == ("disconnected", "", "")
        assert Share.objects.get(pk=waiting.pk).state == ShareState.CANCELLED
        assert Share.objects.get(pk=posted.pk).state == ShareState.POSTED
    assert client.get(api("connection_list", tenant_a)).json()["count"] == 0
    detail = client.get(api("connection_detail", tenant_a, account_id=mine.public_id)).json()
    assert (detail["status"], detail["status_reason"]) == ("disconnected", "Disconnected by you.")


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.EXECUTIVE])
def test_the_health_list_is_refused_to_employees_and_executives(
    tenant_a: Tenant, client_for: ClientFor, role: str
) -> None:
    account(tenant_a.employee, status=ConnectionStatus.NEEDS_RECONNECT)
    response = client_for(tenant_a.member(role)).get(api("connection_health", tenant_a))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role in this organisation does not allow this."}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_managers_see_every_members_accounts_that_need_attention_and_only_their_organisations(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor, role: str
) -> None:
    healthy = account(tenant_a.manager)
    revoked = account(
        tenant_a.employee, network="x", status=ConnectionStatus.NEEDS_RECONNECT, status_reason="X refused the token."
    )
    expiring = account(
        tenant_a.employee,
        network="linkedin",
        refresh_token_encrypted="",
        token_expires_at=timezone.now() + timedelta(days=3, hours=1),
    )
    outsider = account(tenant_b.employee, status=ConnectionStatus.NEEDS_RECONNECT)

    response = client_for(tenant_a.member(role)).get(api("connection_health", tenant_a))

    assert response.status_code == 200
    body = response.json()
    assert body["connected"] == 3
    member = {
        "id": str(tenant_a.employee.public_id),
        "full_name": tenant_a.employee.user.full_name,
        "email": tenant_a.employee.user.email,
    }
    assert sorted(body["problems"], key=lambda row: row["problem"]) == [
        {
            "member": member,
            "network": "linkedin",
            "handle": expiring.handle,
            "problem": "expiring",
            "detail": "Expires in 3 days.",
        },
        {
            "member": member,
            "network": "x",
            "handle": revoked.handle,
            "problem": "needs_reconnect",
            "detail": "X refused the token.",
        },
    ]
    assert outsider.handle not in response.content.decode()
    assert_no_tokens(response, healthy, revoked, expiring, outsider)


# Shares: reading -------------------------------------------------------------------


def test_the_share_list_shows_only_the_callers_shares_newest_first_and_filters_by_state(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    mine = account(tenant_a.employee)
    posted = share(mine, state=ShareState.POSTED, text="Posted one")
    failed = share(mine, state=ShareState.FAILED, text="Failed one", last_error="The network said no.")
    scheduled = share(mine, state=ShareState.SCHEDULED, text="Scheduled one")
    share(account(tenant_a.manager), text="A colleague's")
    share(account(tenant_b.employee), text="An outsider's")
    client = client_for(tenant_a.employee)

    def listed(**query: str) -> list[str]:
        response = client.get(api("share_list", tenant_a), query)
        assert response.status_code == 200, response.json()
        return [entry["text"] for entry in response.json()["results"]]

    assert listed() == ["Scheduled one", "Failed one", "Posted one"]
    assert listed(state="posted") == ["Posted one"]
    assert listed(state="problems") == ["Failed one"]
    assert listed(state="open") == ["Scheduled one"]
    assert listed(state="cancelled") == []
    page = client.get(api("share_list", tenant_a), {"page_size": 2}).json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (3, 2, True)
    entry = client.get(api("share_list", tenant_a), {"state": "failed"}).json()["results"][0]
    assert entry["id"] == str(failed.public_id) and entry["account"]["id"] == str(mine.public_id)
    assert (entry["last_error"], entry["kind"], entry["item"]) == ("The network said no.", "personal", None)
    newest = client.get(api("share_list", tenant_a)).json()["results"]
    assert [entry["id"] for entry in newest] == [str(s.public_id) for s in (scheduled, failed, posted)]

    refused = client.get(api("share_list", tenant_a), {"state": "done"})
    assert refused.status_code == 400 and list(refused.json()) == ["state"]


def test_a_share_reads_with_its_link_clicks_and_history_and_a_colleagues_or_outsiders_is_not_found(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor, settings: Any
) -> None:
    settings.SHORT_LINK_BASE = SHORT_LINK_BASE
    mine = account(tenant_a.employee)
    item = with_url(tenant_a)
    posted = share(
        mine,
        item=item,
        state=ShareState.POSTED,
        attempts=2,
        posted_at=timezone.now(),
        external_url="https://sandbox.example/p/1",
    )
    with organization_scope(tenant_a.organization):
        TrackedLink.objects.create(
            organization=tenant_a.organization, share=posted, code="abcd2345", target_url=item.url, clicks=7
        )
        ShareAttempt.objects.create(
            organization=tenant_a.organization, share=posted, number=1, action="publish", outcome="transient"
        )
        ShareAttempt.objects.create(
            organization=tenant_a.organization, share=posted, number=2, action="publish", outcome="posted"
        )
    client = client_for(tenant_a.employee)

    response = client.get(api("share_detail", tenant_a, share_id=posted.public_id))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["item"], body["kind"], body["state"]) == (
        str(posted.public_id),
        str(item.public_id),
        "brand",
        "posted",
    )
    assert (body["attempts"], body["last_error"], body["error_action"]) == (2, "", "")
    assert body["external_url"] == "https://sandbox.example/p/1"
    assert (body["tracked_url"], body["clicks"]) == (f"{SHORT_LINK_BASE}/s/abcd2345", 7)
    assert [(step["number"], step["outcome"]) for step in body["history"]] == [(1, "transient"), (2, "posted")]
    assert_no_tokens(response, mine)

    # Failed, so that retry would be allowed if the share were the caller's.
    others = [share(account(tenant_a.manager), state=ShareState.FAILED), share(account(tenant_b.employee))]
    before = rows()
    for other in others:
        for name, method in (("share_detail", "get"), ("share_cancel", "post"), ("share_retry", "post")):
            response = send(client, method, api(name, tenant_a, share_id=other.public_id))
            assert response.status_code == 404, (name, other)
            assert response.json() == {"detail": "No such object."}
    assert rows() == before


def test_the_stats_count_only_the_callers_own_shares(tenant_a: Tenant, client_for: ClientFor) -> None:
    mine = account(tenant_a.employee)
    posted = share(mine, item=with_url(tenant_a), state=ShareState.POSTED, posted_at=timezone.now())
    share(mine, state=ShareState.POSTED, posted_at=timezone.now() - timedelta(days=40))
    share(mine, state=ShareState.SCHEDULED)
    share(mine, state=ShareState.FAILED)
    share(account(tenant_a.manager), state=ShareState.POSTED, posted_at=timezone.now())
    with organization_scope(tenant_a.organization):
        TrackedLink.objects.create(
            organization=tenant_a.organization,
            share=posted,
            code="stat2345",
            target_url="https://acme.example/rocket",
            clicks=5,
            unique_clicks=3,
        )

    response = client_for(tenant_a.employee).get(api("me_stats", tenant_a))

    assert response.status_code == 200
    assert response.json() == {
        "shares_posted": 2,
        "shares_30_days": 1,
        "clicks": 5,
        "unique_clicks": 3,
        "scheduled": 1,
        "problems": 1,
    }


# Shares: creating ------------------------------------------------------------------


def test_sharing_an_item_writes_one_share_per_account_each_with_its_own_link_and_sends_them_to_the_workers(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
    settings: Any,
) -> None:
    settings.SHORT_LINK_BASE = SHORT_LINK_BASE
    may_share(tenant_a)
    item = with_url(tenant_a)
    accounts = [
        account(tenant_a.employee),
        account(tenant_a.employee, network="mastodon", instance_url="https://m.example"),
    ]
    client = client_for(tenant_a.employee)

    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client,
            "post",
            api("share_list", tenant_a),
            {
                "item": str(item.public_id),
                "caption": str(tenant_a.caption.public_id),
                "text": "Three years of work: our rocket flew today, and I wrote its guidance code.",
                "accounts": [str(a.public_id) for a in accounts],
            },
        )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert [(s["account"]["id"], s["network"], s["state"]) for s in created] == [
        (str(accounts[0].public_id), "sandbox", "queued"),
        (str(accounts[1].public_id), "mastodon", "queued"),
    ]
    assert created[0]["batch_id"] == created[1]["batch_id"]
    assert {s["item"] for s in created} == {str(item.public_id)}
    assert {s["caption"] for s in created} == {str(tenant_a.caption.public_id)}
    links = [s["tracked_url"] for s in created]
    assert len(set(links)) == 2 and all(link.startswith(f"{SHORT_LINK_BASE}/s/") for link in links)
    assert all(s["tracked_url"] in s["body"] for s in created)
    assert_no_tokens(response, *accounts)
    with scopes_disabled():  # checking the rows the request wrote
        saved = list(Share.objects.filter(public_id__in=[s["id"] for s in created]).order_by("pk"))
        assert TrackedLink.objects.filter(share__in=saved).count() == 2
        assert [link.target_url.startswith(item.url) for link in TrackedLink.objects.filter(share__in=saved)] == [
            True,
            True,
        ]
    sent = broker.drain()
    assert sorted(kwargs["share_id"] for name, kwargs in sent if name == POST_TASK) == [s.pk for s in saved]
    assert {kwargs["organization_id"] for _, kwargs in sent} == {tenant_a.organization.pk}


def test_a_personal_post_has_no_item_and_no_tracked_link(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client_for(tenant_a.employee),
            "post",
            api("share_list", tenant_a),
            {"text": "A lesson from my week: ask early.", "accounts": [str(mine.public_id), str(mine.public_id)]},
        )
    assert response.status_code == 201, response.json()
    [created] = response.json()
    assert (created["kind"], created["item"], created["tracked_url"], created["clicks"]) == ("personal", None, "", 0)
    assert created["body"].startswith("A lesson from my week: ask early.")
    assert [name for name, _ in broker.drain()] == [POST_TASK]


def test_a_scheduled_share_waits_for_its_time_and_nothing_is_sent_yet(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    at = tomorrow_at_noon(tenant_a.employee)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client_for(tenant_a.employee),
            "post",
            api("share_list", tenant_a),
            {
                "item": str(tenant_a.item.public_id),
                "text": "Tomorrow at noon: we launch.",
                "accounts": [str(mine.public_id)],
                "scheduled_for": at.isoformat(),
            },
        )
    assert response.status_code == 201, response.json()
    [created] = response.json()
    assert created["state"] == "scheduled"
    assert datetime.fromisoformat(created["scheduled_for"]) == at
    assert broker.drain() == []


def refused(client: Client, tenant: Tenant, body: dict[str, Any]) -> dict[str, list[str]]:
    """POST shares/ that must be refused: 400, nothing saved, nothing sent."""
    before = rows()
    response = send(client, "post", api("share_list", tenant), body)
    assert response.status_code == 400, response.json()
    assert rows() == before
    return response.json()  # type: ignore[no-any-return]


def test_a_post_with_a_blocked_phrase_is_refused_and_names_it(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    may_share(tenant_a)
    with organization_scope(tenant_a.organization):
        content_services.content_settings_update(
            organization=tenant_a.organization, disclosure="", blocked_phrases="guaranteed returns", four_eyes=False
        )
    mine = account(tenant_a.employee)
    with django_capture_on_commit_callbacks(execute=True):
        errors = refused(
            client_for(tenant_a.employee),
            tenant_a,
            {
                "item": str(tenant_a.item.public_id),
                "text": "Guaranteed returns, folks!",
                "accounts": [str(mine.public_id)],
            },
        )
    assert errors == {"non_field_errors": [errors["non_field_errors"][0]]}
    assert "blocked phrase “guaranteed returns”" in errors["non_field_errors"][0]
    assert broker.drain() == []


def test_a_post_too_long_for_x_is_refused_with_the_networks_limit(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    on_x, on_sandbox = account(tenant_a.employee, network="x"), account(tenant_a.employee)
    errors = refused(
        client_for(tenant_a.employee),
        tenant_a,
        {"text": "word " * 70, "accounts": [str(on_sandbox.public_id), str(on_x.public_id)]},
    )
    [message] = errors["non_field_errors"]
    assert message.startswith("X: X allows 280 characters; this caption is ")


def test_a_post_without_accounts_is_refused(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    client = client_for(tenant_a.employee)
    expected = {"accounts": ["Choose at least one connected account."]}
    assert refused(client, tenant_a, {"text": "Hello", "accounts": []}) == expected
    assert refused(client, tenant_a, {"text": "Hello"}) == expected


def test_a_colleagues_or_another_organisations_account_is_refused_as_unknown(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    client = client_for(tenant_a.employee)
    for other in (account(tenant_a.manager), account(tenant_b.employee)):
        errors = refused(client, tenant_a, {"text": "Hello", "accounts": [str(mine.public_id), str(other.public_id)]})
        assert errors == {"accounts": {"1": [f"You have no connected account with id {other.public_id}."]}}


def test_an_account_that_needs_reconnecting_is_refused_with_what_to_do(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    broken = account(tenant_a.employee, network="x", status=ConnectionStatus.NEEDS_RECONNECT)
    errors = refused(client_for(tenant_a.employee), tenant_a, {"text": "Hello", "accounts": [str(broken.public_id)]})
    assert errors == {"accounts": ["Reconnect your X account before sharing to it."]}


def test_internal_news_cannot_be_shared(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    internal = publish(tenant_a, "Canteen menu", visibility=Visibility.INTERNAL)
    mine = account(tenant_a.employee)
    errors = refused(
        client_for(tenant_a.employee),
        tenant_a,
        {"item": str(internal.public_id), "text": "Lunch!", "accounts": [str(mine.public_id)]},
    )
    assert errors == {"non_field_errors": ["This item is internal news: it cannot be shared on social networks."]}


def test_an_item_outside_the_callers_feed_is_refused_as_unknown(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    may_share(tenant_a)
    with scopes_disabled():  # test set-up, outside any request
        draft = ContentItemFactory(organization=tenant_a.organization, author=tenant_a.manager, title="Draft")
    mine = account(tenant_a.employee)
    for item in (draft, tenant_b.item):
        errors = refused(
            client_for(tenant_a.employee),
            tenant_a,
            {"item": str(item.public_id), "text": "Look", "accounts": [str(mine.public_id)]},
        )
        assert errors == {"item": [f"There is no item with id {item.public_id} in your feed."]}


def test_a_caption_of_another_item_or_without_its_item_is_refused(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    other = publish(tenant_a, "Another launch")
    with scopes_disabled():  # test set-up, outside any request
        other_caption = CaptionFactory(organization=tenant_a.organization, item=other, text="Another caption")
    mine = account(tenant_a.employee)
    client = client_for(tenant_a.employee)
    body = {"text": "We did it", "accounts": [str(mine.public_id)], "caption": str(other_caption.public_id)}
    assert refused(client, tenant_a, {**body, "item": str(tenant_a.item.public_id)}) == {
        "caption": ["That suggestion belongs to another item."]
    }
    assert refused(client, tenant_a, body) == {"caption": ["A suggested caption goes with its item: send `item` too."]}


def test_the_weekly_cap_on_company_posts_refuses_one_more_and_says_when_a_slot_opens(
    tenant_a: Tenant, client_for: ClientFor
) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    for _ in range(2):  # the default limit: two company posts in seven days
        share(mine, item=tenant_a.item, state=ShareState.POSTED)
    errors = refused(
        client_for(tenant_a.employee),
        tenant_a,
        {"item": str(tenant_a.item.public_id), "text": "One more, please", "accounts": [str(mine.public_id)]},
    )
    [message] = errors["non_field_errors"]
    assert message.startswith("You have shared 2 company posts this week (limit 2). Your next slot opens ")


def test_an_uncertified_member_is_refused_with_what_to_do(tenant_a: Tenant, client_for: ClientFor) -> None:
    with scopes_disabled():  # test set-up: a policy the employee has not acknowledged
        PolicyVersionFactory(organization=tenant_a.organization)
    mine = account(tenant_a.employee)
    errors = refused(client_for(tenant_a.employee), tenant_a, {"text": "Hello", "accounts": [str(mine.public_id)]})
    assert errors == {"non_field_errors": ["Read and acknowledge the social media policy (version 1)."]}


def test_a_time_in_the_past_is_refused(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    errors = refused(
        client_for(tenant_a.employee),
        tenant_a,
        {
            "text": "Hello",
            "accounts": [str(mine.public_id)],
            "scheduled_for": (timezone.now() - timedelta(hours=2)).isoformat(),
        },
    )
    assert errors == {"non_field_errors": ["The time you picked has passed. Pick a later time or share now."]}


def test_an_unknown_field_is_refused_rather_than_ignored(tenant_a: Tenant, client_for: ClientFor) -> None:
    may_share(tenant_a)
    mine = account(tenant_a.employee)
    errors = refused(
        client_for(tenant_a.employee), tenant_a, {"text": "Hi", "accounts": [str(mine.public_id)], "state": "posted"}
    )
    assert errors == {"state": ["This field does not exist or cannot be changed here."]}


# Shares: cancel and retry ----------------------------------------------------------


def test_a_scheduled_share_can_be_cancelled_but_a_posted_one_cannot(tenant_a: Tenant, client_for: ClientFor) -> None:
    mine = account(tenant_a.employee)
    waiting = share(mine, state=ShareState.SCHEDULED, scheduled_for=timezone.now() + timedelta(days=1))
    posted = share(mine, state=ShareState.POSTED)
    client = client_for(tenant_a.employee)

    cancelled = client.post(api("share_cancel", tenant_a, share_id=waiting.public_id))
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["last_error"]) == ("cancelled", "Cancelled by you.")

    before = rows()
    response = client.post(api("share_cancel", tenant_a, share_id=posted.public_id))
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This post can no longer be cancelled: it is being posted or already went out."
    }
    assert rows() == before


def test_a_failed_share_is_tried_again_and_sent_to_the_workers(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    mine = account(tenant_a.employee)
    failed = share(mine, state=ShareState.FAILED, attempts=5, last_error="The network is down.", error_action="retry")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tenant_a.employee).post(api("share_retry", tenant_a, share_id=failed.public_id))
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["attempts"], body["last_error"], body["error_action"]) == ("queued", 0, "", "")
    assert broker.drain() == [(POST_TASK, {"organization_id": tenant_a.organization.pk, "share_id": failed.pk})]


def test_a_share_that_did_not_fail_or_whose_account_needs_reconnecting_is_not_retried(
    tenant_a: Tenant,
    client_for: ClientFor,
    broker: Broker,
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    mine = account(tenant_a.employee)
    broken = account(tenant_a.employee, network="x", status=ConnectionStatus.NEEDS_RECONNECT)
    scheduled = share(mine, state=ShareState.SCHEDULED)
    waiting = share(broken, state=ShareState.NEEDS_RECONNECT)
    client = client_for(tenant_a.employee)
    before = rows()
    with django_capture_on_commit_callbacks(execute=True):
        not_failed = client.post(api("share_retry", tenant_a, share_id=scheduled.public_id))
        not_reconnected = client.post(api("share_retry", tenant_a, share_id=waiting.public_id))
    assert (not_failed.status_code, not_failed.json()) == (400, {"detail": "Only a failed post can be tried again."})
    assert (not_reconnected.status_code, not_reconnected.json()) == (
        400,
        {"detail": "Reconnect your X account first."},
    )
    assert rows() == before
    assert broker.drain() == []


# The composer ----------------------------------------------------------------------


def test_the_composer_check_reports_originality_limits_counters_and_best_times(
    tenant_a: Tenant, client_for: ClientFor, settings: Any
) -> None:
    settings.SHORT_LINK_BASE = SHORT_LINK_BASE
    may_share(tenant_a)
    item = with_url(tenant_a)
    on_x, on_sandbox = account(tenant_a.employee, network="x"), account(tenant_a.employee)
    share(on_sandbox, item=item, state=ShareState.POSTED)  # one company post this week already
    text = tenant_a.caption.text  # the suggestion word for word: allowed, with a warning
    before = rows()

    response = send(
        client_for(tenant_a.employee),
        "post",
        api("composer_check", tenant_a),
        {"item": str(item.public_id), "text": text, "accounts": [str(on_x.public_id), str(on_sandbox.public_id)]},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["originality"]["level"] == "close"
    assert body["originality"]["closest_suggestion"] == 1.0 and body["originality"]["score"] == 0.0
    assert body["originality"]["closest_colleague"] == 0.0
    assert body["originality"]["message"] == "Close to the suggested caption — add a sentence of your own"
    cap = body["limits"]["brand_cap"]
    assert (cap["allowed"], cap["used"], cap["limit"], cap["next_slot_at"]) == (True, 1, 2, None)
    mix = body["limits"]["mix"]
    assert (mix["brand_percent"], mix["threshold_percent"], mix["nudge"]) == (100.0, 20, True)
    # The words, a blank line and a link as long as the real one (both count a link as 23).
    length = len(text) + 2 + 23
    assert [(c["network"], c["length"], c["max"], c["ok"]) for c in body["counters"]] == [
        ("sandbox", length, 500, True),
        ("x", length, 280, True),
    ]
    assert [b["network"] for b in body["best_times"]] == ["sandbox", "x"]
    assert all(b["at"] and b["reason"] and b["from_history"] is False for b in body["best_times"])
    assert (body["eligibility_reasons"], body["schedule_error"], body["blocking"]) == ([], None, [])
    assert rows() == before
    assert_no_tokens(response, on_x, on_sandbox)


def test_the_composer_check_lists_what_would_refuse_the_post(tenant_a: Tenant, client_for: ClientFor) -> None:
    with scopes_disabled():  # test set-up: a policy the employee has not acknowledged
        PolicyVersionFactory(organization=tenant_a.organization)
    on_x = account(tenant_a.employee, network="x")
    at_night = tomorrow_at_noon(tenant_a.employee).replace(hour=23)

    response = send(
        client_for(tenant_a.employee),
        "post",
        api("composer_check", tenant_a),
        {"text": "word " * 70, "accounts": [str(on_x.public_id)], "scheduled_for": at_night.isoformat()},
    )

    assert response.status_code == 200
    body = response.json()
    [counter] = body["counters"]
    assert (counter["network"], counter["ok"], counter["max"]) == ("x", False, 280)
    assert counter["length"] == len(("word " * 70).strip())
    assert body["eligibility_reasons"] == ["Read and acknowledge the social media policy (version 1)."]
    assert body["schedule_error"].startswith("That time is in your organisation's quiet hours (21:00–07:00")
    x_message = f"X: {counter['message']}"
    assert body["blocking"] == [*body["eligibility_reasons"], x_message, body["schedule_error"]]


def test_the_composer_check_without_accounts_counts_for_every_network(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = send(client_for(tenant_a.employee), "post", api("composer_check", tenant_a), {"text": "Hello"})
    assert response.status_code == 200
    counted = [c["network"] for c in response.json()["counters"]]
    assert counted == ["linkedin", "x", "mastodon", "bluesky", "sandbox"]
    assert [b["network"] for b in response.json()["best_times"]] == counted


def test_the_composer_check_refuses_a_colleagues_account_and_an_item_outside_the_feed(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    client = client_for(tenant_a.employee)
    colleagues = account(tenant_a.manager)
    response = send(
        client, "post", api("composer_check", tenant_a), {"text": "Hi", "accounts": [str(colleagues.public_id)]}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"accounts": {"0": [f"You have no connected account with id {colleagues.public_id}."]}},
    )
    response = send(
        client, "post", api("composer_check", tenant_a), {"text": "Hi", "item": str(tenant_b.item.public_id)}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"item": [f"There is no item with id {tenant_b.item.public_id} in your feed."]},
    )
