"""Single sign-on: an organisation's admin connects its identity provider (OpenID
Connect or SAML 2.0); its people sign in with their work email.

The sign-in tests run the real authorization-code flow (PKCE, RS256 ID token) against
the fake provider in tests/fakes/oidc_provider.py on loopback: the test client posts
the work email, `requests` follows the redirect to the fake's /authorize, and the
test client takes the callback back."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from accounts.lib import crypto
from accounts.models import AuditEvent, Membership, MembershipStatus, Organization, Role, SsoConnection, User
from accounts.selectors.sso import sso_connection_for_email
from accounts.services.sso import SsoConnectionInput, sso_connection_save, sso_connection_set_enabled
from accounts.tenancy import organization_scope, scopes_disabled
from accounts.views.sso import NO_SSO_MESSAGE
from tests.conftest import Tenant
from tests.factories import MembershipFactory, UserFactory
from tests.fakes.oidc_provider import FakeOpenIDProvider

pytestmark = pytest.mark.django_db


def certificate_pem(common_name: str = "idp.acme.example") -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def oidc_input(**overrides: Any) -> SsoConnectionInput:
    values: dict[str, Any] = {
        "protocol": "oidc",
        "name": "Acme Okta",
        "domains": ["acme.example"],
        "oidc_server_url": "https://acme.okta.example",
        "oidc_client_id": "chorus",
        "oidc_client_secret": "top-secret-value",
    }
    return SsoConnectionInput(**{**values, **overrides})


def saml_input(**overrides: Any) -> SsoConnectionInput:
    values: dict[str, Any] = {
        "protocol": "saml",
        "name": "Acme Entra",
        "domains": ["acme.example"],
        "saml_entity_id": "https://sts.windows.example/acme/",
        "saml_sso_url": "https://login.microsoftonline.example/acme/saml2",
        "saml_certificate": certificate_pem(),
    }
    return SsoConnectionInput(**{**values, **overrides})


def save(
    organization: Organization, data: SsoConnectionInput, connection: SsoConnection | None = None
) -> SsoConnection:
    with organization_scope(organization):
        return sso_connection_save(organization=organization, data=data, connection=connection, actor=None)


def field_errors(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


# Configuration ---------------------------------------------------------------------


@override_settings(SSO_ALLOW_HTTP=True)
def test_an_oidc_connection_needs_a_valid_issuer_url(tenant_a: Tenant) -> None:
    for bad in ("not a url", "ftp://acme.okta.example", "https://"):
        with pytest.raises(ValidationError) as error:
            save(tenant_a.organization, oidc_input(oidc_server_url=bad))
        assert "oidc_server_url" in field_errors(error)


@override_settings(DEBUG=False, SSO_ALLOW_HTTP=False)
def test_production_accepts_https_identity_providers_only(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError) as error:
        save(tenant_a.organization, oidc_input(oidc_server_url="http://acme.okta.example"))
    assert "oidc_server_url" in field_errors(error)
    with pytest.raises(ValidationError) as error:
        save(tenant_a.organization, saml_input(saml_sso_url="http://login.example/saml"))
    assert "saml_sso_url" in field_errors(error)
    assert save(tenant_a.organization, oidc_input()).oidc_server_url == "https://acme.okta.example"


def test_an_oidc_connection_needs_its_client_credentials(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError) as error:
        save(tenant_a.organization, oidc_input(oidc_client_id="", oidc_client_secret=""))
    assert {"oidc_client_id", "oidc_client_secret"} <= set(field_errors(error))


def test_a_saml_certificate_must_be_a_pem_certificate(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError) as error:
        save(
            tenant_a.organization,
            saml_input(saml_certificate="-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"),
        )
    assert "PEM" in " ".join(field_errors(error)["saml_certificate"])


def test_a_bare_base64_certificate_is_stored_as_pem(tenant_a: Tenant) -> None:
    pem = certificate_pem()
    bare = "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)
    connection = save(tenant_a.organization, saml_input(saml_certificate=bare))
    assert connection.saml_certificate.startswith("-----BEGIN CERTIFICATE-----\n")
    assert x509.load_pem_x509_certificate(connection.saml_certificate.encode())


def test_domains_must_look_like_email_domains(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError) as error:
        save(tenant_a.organization, oidc_input(domains=["acme", "not a domain.com"]))
    assert len(field_errors(error)["domains"]) == 2
    with pytest.raises(ValidationError) as error:
        save(tenant_a.organization, oidc_input(domains=[]))
    assert "domains" in field_errors(error)


def test_domains_are_normalised(tenant_a: Tenant) -> None:
    connection = save(tenant_a.organization, oidc_input(domains=["@ACME.example", "acme.example", " eu.acme.example "]))
    with organization_scope(tenant_a.organization):
        assert connection.domain_names == ["acme.example", "eu.acme.example"]


def test_a_domain_belongs_to_one_organisation_only(tenant_a: Tenant, tenant_b: Tenant) -> None:
    save(tenant_a.organization, oidc_input())
    with pytest.raises(ValidationError) as error:
        save(tenant_b.organization, oidc_input(name="Globex Okta", domains=["globex.example", "acme.example"]))
    message = " ".join(field_errors(error)["domains"])
    assert "acme.example is already used for single sign-on by another organisation" in message
    assert tenant_a.organization.name not in message  # the clash names no organisation


def test_a_disabled_connection_claims_no_domain(tenant_a: Tenant, tenant_b: Tenant) -> None:
    a = save(tenant_a.organization, oidc_input(enabled=False))
    b = save(tenant_b.organization, oidc_input(name="Globex Okta"))  # free while A's is off
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="another organisation"):
        sso_connection_set_enabled(connection=a, enabled=True, actor=None)
    with organization_scope(tenant_b.organization):
        sso_connection_set_enabled(connection=b, enabled=False, actor=None)
    with organization_scope(tenant_a.organization):
        assert sso_connection_set_enabled(connection=a, enabled=True, actor=None).enabled


def test_one_organisation_gives_a_domain_to_one_of_its_connections(tenant_a: Tenant) -> None:
    save(tenant_a.organization, oidc_input())
    with pytest.raises(ValidationError, match="already belongs to your connection"):
        save(tenant_a.organization, saml_input())


def test_connections_get_keys_that_name_their_organisation(tenant_a: Tenant) -> None:
    first = save(tenant_a.organization, oidc_input())
    second = save(tenant_a.organization, saml_input(domains=["eu.acme.example"]))
    assert (first.provider_id, second.provider_id) == ("org-acme", "org-acme.2")


# Secrets at rest ---------------------------------------------------------------------


def test_the_client_secret_is_encrypted_at_rest(tenant_a: Tenant) -> None:
    connection = save(tenant_a.organization, oidc_input())
    with scopes_disabled():  # reading the raw column, as a database dump would
        stored = SsoConnection.objects.filter(pk=connection.pk).values_list("oidc_client_secret_encrypted", flat=True)[
            0
        ]
    assert "top-secret-value" not in stored
    assert connection.oidc_client_secret == "top-secret-value"


def test_an_edit_without_a_secret_keeps_the_stored_one(tenant_a: Tenant) -> None:
    connection = save(tenant_a.organization, oidc_input())
    connection = save(tenant_a.organization, oidc_input(name="Renamed", oidc_client_secret=""), connection)
    assert connection.name == "Renamed"
    assert connection.oidc_client_secret == "top-secret-value"


def test_the_secret_survives_a_key_rotation(tenant_a: Tenant, settings: Any) -> None:
    old_key, new_key = settings.TOKEN_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    connection = save(tenant_a.organization, oidc_input())
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]  # new first: encrypts; both decrypt
    assert connection.oidc_client_secret == "top-secret-value"
    rotated = crypto.rotate(connection.oidc_client_secret_encrypted)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert crypto.decrypt(rotated) == "top-secret-value"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(connection.oidc_client_secret_encrypted)


def test_changes_are_audited_without_the_secret(tenant_a: Tenant) -> None:
    connection = save(tenant_a.organization, oidc_input())
    save(tenant_a.organization, oidc_input(oidc_client_secret="another-secret"), connection)
    with organization_scope(tenant_a.organization):
        events = list(
            AuditEvent.objects.filter(organization=tenant_a.organization, action="organization.settings_changed")
        )
    assert len(events) == 2
    logged = repr([(event.changes, event.note, event.target_label) for event in events])
    assert "top-secret-value" not in logged and "another-secret" not in logged
    assert "oidc_client_secret" in events[-1].changes or "oidc_client_secret" in events[0].changes


# Finding the connection by email -------------------------------------------------------


def test_the_email_lookup_finds_only_enabled_connections(tenant_a: Tenant, tenant_b: Tenant) -> None:
    connection = save(tenant_a.organization, oidc_input())
    assert sso_connection_for_email("Ada@ACME.example") == connection
    assert sso_connection_for_email("ada@globex.example") is None
    assert sso_connection_for_email("not-an-email") is None
    with organization_scope(tenant_a.organization):
        sso_connection_set_enabled(connection=connection, enabled=False, actor=None)
    assert sso_connection_for_email("ada@acme.example") is None


def test_an_address_without_single_sign_on_learns_nothing_about_organisations(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    save(tenant_b.organization, oidc_input(name="Globex Okta", domains=["globex.example"], enabled=False))
    answers = [
        client.post(reverse("sso_start"), {"email": email}) for email in ("x@unknown.example", "x@globex.example")
    ]
    for response in answers:
        body = response.content.decode()
        assert response.status_code == 400
        assert NO_SSO_MESSAGE in body
        assert "Globex" not in body and "globex" not in body.replace("x@globex.example", "")
    same = [re.sub(r"[A-Za-z0-9]{64}", "<csrf>", r.content.decode()) for r in answers]  # masked CSRF tokens differ
    assert same[0].replace("unknown", "") == same[1].replace("globex", "")


def test_the_login_page_offers_company_sign_in(client: Client) -> None:
    body = client.get(reverse("account_login")).content.decode()
    assert "Sign in with your company account" in body
    assert "invitation-only" in body


# Signing in through OpenID Connect ------------------------------------------------------


@pytest.fixture
def idp(settings: Any) -> Iterator[FakeOpenIDProvider]:
    settings.SSO_ALLOW_HTTP = True  # the fake speaks plain HTTP on loopback
    with FakeOpenIDProvider(client_id="chorus-acme", client_secret="acme-client-secret") as provider:
        yield provider


def connect_idp(tenant: Tenant, idp: FakeOpenIDProvider, *, jit: bool = False) -> SsoConnection:
    return save(
        tenant.organization,
        oidc_input(
            oidc_server_url=idp.issuer,
            oidc_client_id=idp.client_id,
            oidc_client_secret=idp.client_secret,
            domains=[f"{tenant.organization.slug}.example"],
            jit_provisioning=jit,
        ),
    )


def idp_url_from(start: Any, idp: FakeOpenIDProvider | None = None) -> str:
    """The identity provider's address on the page that moves on to it (a page, not a
    302: see SsoStartView)."""
    assert start.status_code == 200, start.content.decode()
    url: str = start.context["idp_url"]
    assert f'http-equiv="refresh" content="0;url={url}"'.replace("&", "&amp;") in start.content.decode()
    if idp is not None:
        assert url.startswith(f"{idp.issuer}/authorize?")
    return url


def sign_in(client: Client, idp: FakeOpenIDProvider, email: str, **claims: Any) -> Any:
    """Type the email, follow the redirect to the identity provider with `requests`,
    bring its answer back to Chorus; the final Chorus response."""
    idp.identity = {"sub": f"idp-{email}", "email": email, "email_verified": True, **claims}
    at_idp = requests.get(
        idp_url_from(client.post(reverse("sso_start"), {"email": email}), idp), allow_redirects=False, timeout=5
    )
    assert at_idp.status_code == 302, at_idp.text
    callback = urlsplit(at_idp.headers["Location"])
    assert callback.path == "/accounts/oidc/org-acme/login/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def membership_of(tenant: Tenant, user: User) -> Membership | None:
    with organization_scope(tenant.organization):
        return Membership.objects.filter(organization=tenant.organization, user=user).first()


def test_a_member_signs_in_with_the_company_account_and_it_is_linked(
    client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider
) -> None:
    from allauth.socialaccount.models import SocialAccount

    connect_idp(tenant_a, idp)
    member = tenant_a.employee.user
    response = sign_in(client, idp, member.email)
    assert response.status_code == 302, response.content.decode()
    assert signed_in_user(client) == member
    account = SocialAccount.objects.get(user=member)
    assert (account.provider, account.uid) == ("org-acme", f"idp-{member.email}")
    token_request = idp.token_requests[-1]
    assert token_request["code_verifier"]  # PKCE
    assert "/userinfo" in idp.requests

    # The second time the identity is found by its subject, not by the address.
    client.logout()
    assert sign_in(client, idp, member.email).status_code == 302
    assert signed_in_user(client) == member
    assert SocialAccount.objects.filter(user=member).count() == 1


def test_an_invited_person_signing_in_becomes_an_active_member(
    client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider
) -> None:
    connect_idp(tenant_a, idp)
    invited = MembershipFactory(
        organization=tenant_a.organization,
        status=MembershipStatus.INVITED,
        joined_at=None,
        user=UserFactory(email="newhire@acme.example", verified_email=False, password=None),
    )
    assert sign_in(client, idp, "newhire@acme.example").status_code == 302
    assert signed_in_user(client) == invited.user
    membership = membership_of(tenant_a, invited.user)
    assert membership is not None and membership.status == MembershipStatus.ACTIVE and membership.joined_at


def test_just_in_time_provisioning_creates_an_employee(
    client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider
) -> None:
    connect_idp(tenant_a, idp, jit=True)
    response = sign_in(client, idp, "Grace@Acme.example", name="Grace Hopper")
    assert response.status_code == 302, response.content.decode()
    user = signed_in_user(client)
    assert user is not None and user.email == "grace@acme.example" and user.full_name == "Grace Hopper"
    assert not user.has_usable_password()
    membership = membership_of(tenant_a, user)
    assert membership is not None
    assert (membership.role, membership.status) == (Role.EMPLOYEE, MembershipStatus.ACTIVE)


def test_without_provisioning_a_stranger_is_refused(client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider) -> None:
    connect_idp(tenant_a, idp, jit=False)
    response = sign_in(client, idp, "stranger@acme.example")
    assert response.status_code == 403
    assert "Ask your admin for an invitation" in response.content.decode()
    assert signed_in_user(client) is None
    assert not User.objects.filter(email="stranger@acme.example").exists()


def test_an_address_outside_the_allowed_domains_is_refused(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, idp: FakeOpenIDProvider
) -> None:
    connect_idp(tenant_a, idp, jit=True)
    # The email typed is in the domain; the identity provider asserts another address.
    idp.identity = {"sub": "evil", "email": tenant_b.admin.user.email, "email_verified": True}
    start = client.post(reverse("sso_start"), {"email": "someone@acme.example"})
    at_idp = requests.get(idp_url_from(start, idp), allow_redirects=False, timeout=5)
    callback = urlsplit(at_idp.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 403
    assert "may sign in addresses of acme.example only" in response.content.decode()
    assert signed_in_user(client) is None


def test_an_account_of_another_organisation_is_never_taken_over(
    client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider
) -> None:
    # Someone with an address of A's domain who belongs only to another organisation:
    # A's identity provider may not sign in to that account, even with provisioning on.
    other = MembershipFactory(user__email="contractor@acme.example")
    connect_idp(tenant_a, idp, jit=True)
    response = sign_in(client, idp, "contractor@acme.example")
    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert membership_of(tenant_a, other.user) is None


def test_a_deactivated_member_stays_out(client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider) -> None:
    connect_idp(tenant_a, idp)
    with organization_scope(tenant_a.organization):
        Membership.objects.filter(pk=tenant_a.employee.pk).update(status=MembershipStatus.DEACTIVATED)
    response = sign_in(client, idp, tenant_a.employee.user.email)
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert signed_in_user(client) is None


def test_a_disabled_connection_stops_sign_in_at_once(client: Client, tenant_a: Tenant, idp: FakeOpenIDProvider) -> None:
    connection = connect_idp(tenant_a, idp)
    idp.identity = {"sub": "x", "email": tenant_a.employee.user.email, "email_verified": True}
    start = client.post(reverse("sso_start"), {"email": tenant_a.employee.user.email})
    at_idp = requests.get(idp_url_from(start, idp), allow_redirects=False, timeout=5)
    with organization_scope(tenant_a.organization):
        sso_connection_set_enabled(connection=connection, enabled=False, actor=None)
    callback = urlsplit(at_idp.headers["Location"])
    response = client.get(f"{callback.path}?{callback.query}")
    assert response.status_code == 404
    assert signed_in_user(client) is None


def test_allauth_lists_no_organisation_s_identity_providers(tenant_a: Tenant, rf: Any) -> None:
    from allauth.socialaccount.adapter import get_adapter

    save(tenant_a.organization, oidc_input())
    adapter = get_adapter()
    assert adapter.list_apps(rf.get("/")) == []
    assert adapter.list_apps(rf.get("/"), provider="openid_connect") == []
    [app] = adapter.list_apps(rf.get("/"), provider="org-acme")
    assert (app.provider, app.client_id, app.secret) == ("openid_connect", "chorus", "top-secret-value")
    assert app.pk is None  # never saved: the secret stays encrypted in SsoConnection
    assert app.settings["oauth_pkce_enabled"] is True


# SAML -----------------------------------------------------------------------------------


@pytest.fixture(autouse=False)
def saml_host(settings: Any) -> str:
    # python3-saml refuses single-label hosts such as "testserver" in the SP's URLs.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "chorus.example.com"]
    return "chorus.example.com"


def test_saml_metadata_names_the_acs_url_and_entity_id(
    client: Client, tenant_a: Tenant, settings: Any, saml_host: str
) -> None:
    save(tenant_a.organization, saml_input())
    response = client.get("/accounts/saml/org-acme/metadata/", HTTP_HOST="chorus.example.com")
    assert response.status_code == 200, response.content.decode()
    body = response.content.decode()
    assert 'AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"' in body
    assert "http://chorus.example.com/accounts/saml/org-acme/acs/" in body
    assert f'entityID="{settings.SITE_URL}/accounts/saml/org-acme/metadata/"' in body
    assert 'WantAssertionsSigned="true"' in body


def test_saml_sign_in_starts_at_the_identity_provider(client: Client, tenant_a: Tenant, saml_host: str) -> None:
    save(tenant_a.organization, saml_input())
    response = client.post(reverse("sso_start"), {"email": "ada@acme.example"}, HTTP_HOST="chorus.example.com")
    assert idp_url_from(response).startswith("https://login.microsoftonline.example/acme/saml2?SAMLRequest=")


def test_a_disabled_saml_connection_has_no_metadata(client: Client, tenant_a: Tenant, saml_host: str) -> None:
    save(tenant_a.organization, saml_input(enabled=False))
    assert client.get("/accounts/saml/org-acme/metadata/", HTTP_HOST="chorus.example.com").status_code == 404


# The settings page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_only_admins_manage_single_sign_on(client_for: Any, tenant_a: Tenant, role: str) -> None:
    client = client_for(tenant_a.member(role))
    url = reverse("accounts:sso_settings", kwargs={"org_slug": "acme"})
    new_url = reverse("accounts:sso_connection_new", kwargs={"org_slug": "acme"})
    expected = 200 if role == Role.ADMIN else 403
    assert client.get(url).status_code == expected
    assert client.get(new_url).status_code == expected
    if role != Role.ADMIN:
        assert client.post(new_url, {"protocol": "oidc", "name": "X", "domains": "acme.example"}).status_code == 403


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "protocol": "oidc",
        "name": "Acme Okta",
        "domains": "acme.example\neu.acme.example",
        "enabled": "on",
        "oidc_server_url": "https://acme.okta.example",
        "oidc_client_id": "chorus",
        "oidc_client_secret": "page-secret",
        **overrides,
    }


def test_an_admin_connects_an_identity_provider(client_for: Any, tenant_a: Tenant) -> None:
    client = client_for(tenant_a.admin)
    response = client.post(reverse("accounts:sso_connection_new", kwargs={"org_slug": "acme"}), form_data())
    assert response.status_code == 302
    with organization_scope(tenant_a.organization):
        connection = SsoConnection.objects.get(organization=tenant_a.organization)
        assert connection.domain_names == ["acme.example", "eu.acme.example"]
    page = client.get(response["Location"]).content.decode()
    assert "page-secret" not in page
    assert "A client secret is stored." in page
    assert "/accounts/oidc/org-acme/login/callback/" in page
    assert 'data-testid="test-sign-in"' in page

    listing = client.get(reverse("accounts:sso_settings", kwargs={"org_slug": "acme"})).content.decode()
    assert "Acme Okta" in listing
    toggle = reverse(
        "accounts:sso_connection_enabled", kwargs={"org_slug": "acme", "connection_id": connection.public_id}
    )
    assert client.post(toggle, {"enabled": "false"}).status_code == 302
    connection.refresh_from_db()
    assert not connection.enabled


def test_the_settings_page_shows_what_is_wrong(client_for: Any, tenant_a: Tenant, tenant_b: Tenant) -> None:
    save(tenant_b.organization, oidc_input(name="Globex", domains=["acme.example"]))
    client = client_for(tenant_a.admin)
    response = client.post(
        reverse("accounts:sso_connection_new", kwargs={"org_slug": "acme"}),
        form_data(oidc_server_url="nonsense", protocol="saml", saml_certificate="garbage"),
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "already used for single sign-on by another organisation" in body
    assert "PEM" in body
    assert "Globex" not in body


def test_another_organisation_s_connection_is_not_found(client_for: Any, tenant_a: Tenant, tenant_b: Tenant) -> None:
    connection = save(tenant_b.organization, oidc_input(name="Globex Okta", domains=["globex.example"]))
    client = client_for(tenant_a.admin)
    url = reverse("accounts:sso_connection_edit", kwargs={"org_slug": "acme", "connection_id": connection.public_id})
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(domains="globex.example")).status_code == 404
