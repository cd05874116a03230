"""The signed conversion webhook: a good signature records once per event id, a bad,
missing or old one is refused with 401 (and an organisation that does not exist looks
the same), a bad body is a 400 with a message, and one organisation's secret never
records into another."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import AnalyticsSettings, Conversion
from analytics.services.goals import webhook_secret_rotate
from tests.analytics.goals_support import click_id_at, share_with_link, signature
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def secret_of(tenant: Tenant) -> str:
    with organization_scope(tenant.organization):
        return webhook_secret_rotate(organization=tenant.organization)


def deliver(
    client: Client, tenant: Tenant, payload: Mapping[str, object] | bytes, *, secret: str, at: int | None = None
):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = signature(secret, body, at if at is not None else int(time.time()))
    return client.post(
        reverse("analytics_conversion_webhook", args=[tenant.organization.public_id]),
        data=body,
        content_type="application/json",
        HTTP_CHORUS_SIGNATURE=header,
    )


def conversions_of(tenant: Tenant) -> list[Conversion]:
    with scopes_disabled():  # reading back for the assertion
        return list(Conversion.objects.filter(organization=tenant.organization))


LEAD = {"event_id": "crm-4711", "kind": "lead", "value": "120.00", "currency": "EUR"}


def test_a_signed_conversion_is_recorded_and_attributed(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    share, link = share_with_link(tenant_a)
    click = click_id_at(link, timezone.now() - timedelta(days=2))
    response = deliver(client, tenant_a, {**LEAD, "click_id": click}, secret=secret)
    assert response.status_code == 201, response.content
    assert response.json()["attributed"] is True and response.json()["created"] is True
    [conversion] = conversions_of(tenant_a)
    assert conversion.source == "webhook" and conversion.share_id == share.pk


def test_the_same_event_id_twice_records_one_conversion_and_answers_200(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    first = deliver(client, tenant_a, LEAD, secret=secret)
    again = deliver(client, tenant_a, {**LEAD, "value": "999"}, secret=secret)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    [conversion] = conversions_of(tenant_a)
    assert str(conversion.value) == "120.00"  # the repeat changed nothing


def test_a_wrong_signature_is_refused(client: Client, tenant_a: Tenant) -> None:
    secret_of(tenant_a)
    response = deliver(client, tenant_a, LEAD, secret="whsec_not-the-secret")
    assert response.status_code == 401
    assert "does not match" in response.json()["error"]
    assert conversions_of(tenant_a) == []


def test_a_missing_signature_is_refused(client: Client, tenant_a: Tenant) -> None:
    secret_of(tenant_a)
    response = client.post(
        reverse("analytics_conversion_webhook", args=[tenant_a.organization.public_id]),
        data=json.dumps(LEAD),
        content_type="application/json",
    )
    assert response.status_code == 401 and conversions_of(tenant_a) == []


def test_a_changed_body_under_an_old_signature_is_refused(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    body = json.dumps(LEAD).encode()
    header = signature(secret, body, int(time.time()))
    response = client.post(
        reverse("analytics_conversion_webhook", args=[tenant_a.organization.public_id]),
        data=json.dumps({**LEAD, "value": "1000000"}),
        content_type="application/json",
        HTTP_CHORUS_SIGNATURE=header,
    )
    assert response.status_code == 401


def test_a_replay_with_an_old_timestamp_is_refused(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    response = deliver(client, tenant_a, LEAD, secret=secret, at=int(time.time()) - 301)
    assert response.status_code == 401
    assert "five minutes" in response.json()["error"]
    assert conversions_of(tenant_a) == []


def test_a_timestamp_within_five_minutes_is_accepted(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    assert deliver(client, tenant_a, LEAD, secret=secret, at=int(time.time()) - 240).status_code == 201


def test_a_rotated_secret_stops_the_old_one_at_once(client: Client, tenant_a: Tenant) -> None:
    old = secret_of(tenant_a)
    new = secret_of(tenant_a)
    assert deliver(client, tenant_a, LEAD, secret=old).status_code == 401
    assert deliver(client, tenant_a, LEAD, secret=new).status_code == 201


def test_the_secret_is_stored_encrypted(tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    with scopes_disabled():  # reading the stored row
        stored = AnalyticsSettings.objects.get(organization=tenant_a.organization).webhook_secret_encrypted
    assert secret.startswith("whsec_") and secret not in stored


def test_a_bad_body_is_a_400_with_a_message_per_field(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    response = deliver(client, tenant_a, {"event_id": "", "kind": "sale", "value": "lots"}, secret=secret)
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) >= {"value"} or set(fields) >= {"event_id", "kind"}
    assert deliver(client, tenant_a, b"not json", secret=secret).status_code == 400
    assert conversions_of(tenant_a) == []


def test_a_custom_conversion_needs_a_label(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    response = deliver(client, tenant_a, {"event_id": "x-1", "kind": "custom"}, secret=secret)
    assert response.status_code == 400 and "label" in response.json()["fields"]


def test_an_unknown_organisation_looks_exactly_like_a_bad_signature(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    body = json.dumps(LEAD).encode()
    header = signature(secret, body, int(time.time()))
    for organization_id in (uuid.uuid4(), "not-a-uuid"):
        response = client.post(
            f"/hooks/conversions/{organization_id}/",
            data=body,
            content_type="application/json",
            HTTP_CHORUS_SIGNATURE=header,
        )
        assert response.status_code == 401
        assert response.json() == {"error": "The Chorus-Signature header is missing, malformed or does not match."}


def test_an_organisation_without_a_secret_refuses_every_delivery(client: Client, tenant_a: Tenant) -> None:
    response = deliver(client, tenant_a, LEAD, secret="")
    assert response.status_code == 401


def test_one_organisations_secret_never_records_into_another(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    secret_a = secret_of(tenant_a)
    secret_of(tenant_b)
    response = deliver(client, tenant_b, LEAD, secret=secret_a)
    assert response.status_code == 401
    assert conversions_of(tenant_b) == [] and conversions_of(tenant_a) == []


def test_the_same_event_id_in_two_organisations_is_two_conversions(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    assert deliver(client, tenant_a, LEAD, secret=secret_of(tenant_a)).status_code == 201
    assert deliver(client, tenant_b, LEAD, secret=secret_of(tenant_b)).status_code == 201
    assert len(conversions_of(tenant_a)) == len(conversions_of(tenant_b)) == 1


def test_only_post_is_accepted(client: Client, tenant_a: Tenant) -> None:
    response = client.get(reverse("analytics_conversion_webhook", args=[tenant_a.organization.public_id]))
    assert response.status_code == 405


def test_a_sender_rotating_its_secret_may_send_both_signatures(client: Client, tenant_a: Tenant) -> None:
    secret = secret_of(tenant_a)
    body = json.dumps(LEAD).encode()
    at = int(time.time())
    good = signature(secret, body, at).split(",v1=")[1]
    stale = signature("whsec_old", body, at).split(",v1=")[1]
    response = client.post(
        reverse("analytics_conversion_webhook", args=[tenant_a.organization.public_id]),
        data=body,
        content_type="application/json",
        HTTP_CHORUS_SIGNATURE=f"t={at},v1={stale},v1={good}",
    )
    assert response.status_code == 201
