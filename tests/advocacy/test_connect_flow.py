"""Connecting accounts from the Connections page: the OAuth round trip through Chorus's
own views to the fake Mastodon and back (state and PKCE checked), Bluesky's app
password, disconnecting, and what a stranger's callback gets."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from accounts.lib import crypto
from accounts.models.audit import AuditEvent
from accounts.tenancy import scopes_disabled
from advocacy.models import ConnectionStatus, ProviderApp, SocialConnection
from tests.conftest import Tenant
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.mastodon import FakeMastodon


@pytest.fixture
def fake_mastodon(settings) -> Iterator[FakeMastodon]:  # type: ignore[no-untyped-def]
    with FakeMastodon() as fake:
        host = urlsplit(fake.base_url).netloc
        settings.ADVOCACY_INSTANCE_ALLOW_HOSTS = [host]
        fake.add_account("ada", display_name="Ada Lovelace")
        fake.sign_in_as("ada")
        yield fake


def start_mastodon(client: Client, fake: FakeMastodon, org_slug: str) -> str:
    """Press Connect; return where Chorus sends the browser."""
    response = client.post(f"/o/{org_slug}/connections/connect/mastodon/", {"instance": fake.base_url})
    assert response.status_code == 302, response.content
    return response["Location"]


def authorize(location: str) -> tuple[str, dict[str, str]]:
    """What the network does in the browser: consent, then redirect back with a code."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    parts = urlsplit(back)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.mark.django_db
def test_an_employee_connects_mastodon_through_oauth_with_pkce(
    client_for, tenant_a: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    location = start_mastodon(client, fake_mastodon, "acme")
    assert "code_challenge=" in location and "code_challenge_method=S256" in location

    path, params = authorize(location)
    assert path == "/connections/callback/mastodon/"
    response = client.get(path, params)

    assert response.status_code == 302 and response["Location"] == "/o/acme/connections/"
    with scopes_disabled():
        connection = SocialConnection.objects.get(membership=tenant_a.employee, network="mastodon")
        assert ProviderApp.objects.filter(organization=tenant_a.organization, instance_url=fake_mastodon.base_url)
        assert AuditEvent.objects.filter(organization=tenant_a.organization, action="social.connected").exists()
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.display_name == "Ada Lovelace"
    token = crypto.decrypt(connection.access_token_encrypted)
    assert token and token not in connection.access_token_encrypted, "stored encrypted"
    page = client.get("/o/acme/connections/").content.decode()
    assert "Ada Lovelace" in page and token not in page


@pytest.mark.django_db
def test_a_callback_with_a_state_chorus_did_not_issue_connects_nothing(
    client_for, tenant_a: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    path, params = authorize(start_mastodon(client, fake_mastodon, "acme"))

    forged = client.get(path, {**params, "state": "forged-state"})
    assert forged.status_code == 400
    assert b"expired or was not started here" in forged.content
    # The real state works once, and only once.
    assert client.get(path, params).status_code == 302
    assert client.get(path, params).status_code == 400
    with scopes_disabled():
        assert SocialConnection.objects.filter(membership=tenant_a.employee).count() == 1


@pytest.mark.django_db
def test_another_persons_callback_cannot_connect_to_the_employees_organisation(
    client_for, client, tenant_a: Tenant, tenant_b: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    path, params = authorize(start_mastodon(client_for(tenant_a.employee), fake_mastodon, "acme"))
    stranger = Client()
    stranger.force_login(tenant_b.employee.user)

    assert stranger.get(path, params).status_code == 400, "the state lives in the employee's own session"
    with scopes_disabled():
        assert not SocialConnection.objects.exists()


@pytest.mark.django_db
def test_declining_on_the_network_says_so_and_connects_nothing(
    client_for, tenant_a: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    fake_mastodon.consent = "deny"
    path, params = authorize(start_mastodon(client, fake_mastodon, "acme"))

    response = client.get(path, params, follow=True)
    assert "was not connected: you cancelled or declined" in response.content.decode()
    with scopes_disabled():
        assert not SocialConnection.objects.exists()


@pytest.mark.django_db
def test_a_private_address_is_refused_as_a_mastodon_server(client_for, tenant_a: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    for address in ("http://127.0.0.1:9/", "https://169.254.169.254/", "https://10.0.0.1/"):
        response = client.post("/o/acme/connections/connect/mastodon/", {"instance": address}, follow=True)
        assert response.status_code == 200
        assert "alert" in response.content.decode()
    with scopes_disabled():
        assert not ProviderApp.objects.exists()


@pytest.mark.django_db
def test_disconnecting_revokes_the_token_and_forgets_it(
    client_for, tenant_a: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    path, params = authorize(start_mastodon(client, fake_mastodon, "acme"))
    client.get(path, params)
    with scopes_disabled():
        connection = SocialConnection.objects.get(membership=tenant_a.employee)
    token = crypto.decrypt(connection.access_token_encrypted)

    response = client.post(f"/o/acme/connections/{connection.public_id}/disconnect/")
    assert response.status_code == 302
    with scopes_disabled():
        connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.access_token_encrypted == ""
    assert fake_mastodon.requests_to("POST", r"/oauth/revoke") == 1
    verify = requests.get(
        f"{fake_mastodon.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert verify.status_code == 401


@pytest.mark.django_db
def test_a_colleague_cannot_disconnect_someone_elses_account(
    client_for, tenant_a: Tenant, fake_mastodon: FakeMastodon
) -> None:  # type: ignore[no-untyped-def]
    path, params = authorize(start_mastodon(client_for(tenant_a.employee), fake_mastodon, "acme"))
    client_for(tenant_a.employee).get(path, params)
    with scopes_disabled():
        connection = SocialConnection.objects.get(membership=tenant_a.employee)
    manager = Client()
    manager.force_login(tenant_a.manager.user)

    assert manager.post(f"/o/acme/connections/{connection.public_id}/disconnect/").status_code == 404
    with scopes_disabled():
        assert SocialConnection.objects.get(pk=connection.pk).status == ConnectionStatus.ACTIVE


@pytest.mark.django_db
def test_bluesky_connects_with_an_app_password_that_is_never_stored(client_for, tenant_a: Tenant, settings) -> None:  # type: ignore[no-untyped-def]
    with FakeBluesky() as fake:
        settings.BLUESKY_PDS_URL = fake.base_url
        settings.BLUESKY_APPVIEW_URL = fake.base_url
        fake.add_account("ada.bsky.social", "abcd-efgh-ijkl-mnop", display_name="Ada")
        client = client_for(tenant_a.employee)

        wrong = client.post(
            "/o/acme/connections/connect/bluesky/",
            {"identifier": "ada.bsky.social", "app_password": "wrong-pass-word-zzzz"},
            follow=True,
        )
        assert "alert" in wrong.content.decode()
        right = client.post(
            "/o/acme/connections/connect/bluesky/",
            {"identifier": "@ada.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
            follow=True,
        )
    assert "Connected ada.bsky.social on Bluesky" in right.content.decode()
    with scopes_disabled():
        connection = SocialConnection.objects.get(membership=tenant_a.employee, network="bluesky")
        stored = [str(value) for value in SocialConnection.objects.values_list().get(pk=connection.pk)]
    assert connection.external_user_id.startswith("did:")
    assert not any("abcd-efgh-ijkl-mnop" in value for value in stored)


@pytest.mark.django_db
def test_connecting_in_another_organisation_is_not_found(client_for, tenant_a: Tenant, tenant_b: Tenant) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    for network in ("sandbox", "mastodon", "bluesky", "x"):
        assert client.post(f"/o/{tenant_b.organization.slug}/connections/connect/{network}/").status_code == 404
    assert client.post("/o/acme/connections/connect/myspace/").status_code == 404
