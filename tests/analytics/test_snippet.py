"""The first-party snippet: served by Chorus under the organisation's key, cacheable;
its event endpoint answers CORS only for the organisation's origins, handles the
preflight, validates the payload, is idempotent on event_id, and a key never records
into another organisation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import AnalyticsSettings, Conversion
from analytics.services.goals import snippet_key_ensure
from tests.analytics.goals_support import click_id_at, share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db
ORIGIN = "https://www.acme.example"


def key_of(tenant: Tenant, origins: str = ORIGIN) -> str:
    with organization_scope(tenant.organization):
        key = snippet_key_ensure(organization=tenant.organization)
        AnalyticsSettings.objects.filter(organization=tenant.organization).update(snippet_origins=origins)
        return key


def send(client: Client, key: str, payload: object, *, origin: str = ORIGIN):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("analytics_snippet_conversions", args=[key]),
        data=json.dumps(payload),
        content_type="text/plain;charset=UTF-8",
        HTTP_ORIGIN=origin,
    )


def conversions_of(tenant: Tenant) -> list[Conversion]:
    with scopes_disabled():  # reading back for the assertion
        return list(Conversion.objects.filter(organization=tenant.organization))


def test_the_snippet_is_served_under_the_organisations_key_and_is_cacheable(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    response = client.get(reverse("analytics_snippet", args=[key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=3600" in response["Cache-Control"]
    body = response.content.decode().replace("\\u002D", "-")  # the key as a JavaScript string
    assert f"/t/{key}/conversions" in body
    assert "chorus_click" in body and "SameSite=Lax" in body and "window" in body
    assert "convert" in body


def test_an_unknown_key_gets_no_snippet(client: Client, tenant_a: Tenant) -> None:
    assert client.get(reverse("analytics_snippet", args=["nope"])).status_code == 404


def test_an_allowed_origin_records_a_conversion_with_cors_headers(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    _share, link = share_with_link(tenant_a)
    click = click_id_at(link, timezone.now() - timedelta(hours=1))
    response = send(
        client, key, {"event_id": "js-1", "kind": "signup", "first_click_id": click, "last_click_id": click}
    )
    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == ORIGIN and response["Vary"] == "Origin"
    assert response.json()["attributed"] is True
    [conversion] = conversions_of(tenant_a)
    assert conversion.source == "snippet" and conversion.kind == "signup"


def test_the_same_event_twice_counts_once(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    assert send(client, key, {"event_id": "js-1", "kind": "lead"}).status_code == 201
    assert send(client, key, {"event_id": "js-1", "kind": "lead"}).status_code == 200
    assert len(conversions_of(tenant_a)) == 1


def test_another_origin_is_refused_without_cors_headers(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    response = send(client, key, {"event_id": "js-1", "kind": "lead"}, origin="https://evil.example")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert conversions_of(tenant_a) == []


def test_without_configured_origins_nothing_is_accepted(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a, origins="")
    assert send(client, key, {"event_id": "js-1", "kind": "lead"}).status_code == 403


def test_the_preflight_is_answered_for_an_allowed_origin(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    url = reverse("analytics_snippet_conversions", args=[key])
    response = client.options(url, HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert client.options(url, HTTP_ORIGIN="https://evil.example").status_code == 403


def test_an_invalid_event_gets_a_clear_error(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    response = send(client, key, {"event_id": "js-1", "kind": "donation", "value": "-3"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"kind"} or "value" in response.json()["fields"]
    assert response["Access-Control-Allow-Origin"] == ORIGIN  # so the page's script can read the error
    not_json = client.post(
        reverse("analytics_snippet_conversions", args=[key]), data="{", content_type="text/plain", HTTP_ORIGIN=ORIGIN
    )
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    assert send(client, key, ["a list"]).status_code == 400
    assert conversions_of(tenant_a) == []


def test_the_browsers_clock_is_not_trusted(client: Client, tenant_a: Tenant) -> None:
    key = key_of(tenant_a)
    send(client, key, {"event_id": "js-1", "kind": "lead", "occurred_at": "2001-01-01T00:00:00Z"})
    [conversion] = conversions_of(tenant_a)
    assert conversion.occurred_at > timezone.now() - timedelta(minutes=1)


def test_a_key_records_only_into_its_own_organisation(client: Client, tenant_a: Tenant, tenant_b: Tenant) -> None:
    key_a = key_of(tenant_a)
    key_of(tenant_b, origins="https://www.globex.example")
    _share, link_b = share_with_link(tenant_b)
    click_b = click_id_at(link_b, timezone.now() - timedelta(hours=1))
    response = send(client, key_a, {"event_id": "js-9", "kind": "lead", "last_click_id": click_b})
    assert response.status_code == 201 and response.json()["attributed"] is False
    assert conversions_of(tenant_b) == []
    # B's origin cannot use A's key either.
    assert (
        send(client, key_a, {"event_id": "js-10", "kind": "lead"}, origin="https://www.globex.example").status_code
        == 403
    )


def test_a_flood_of_events_from_one_key_is_slowed_down(
    client: Client, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics.views import public

    monkeypatch.setattr(public, "SNIPPET_EVENTS_PER_MINUTE", 2)
    key = key_of(tenant_a)
    answers = [send(client, key, {"event_id": f"js-{n}", "kind": "lead"}).status_code for n in range(3)]
    assert answers == [201, 201, 429]
