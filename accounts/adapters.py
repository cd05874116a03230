"""allauth adapters: who may sign up (nobody on their own) and how single sign-on
through an organisation's identity provider (accounts.models.sso) is wired in.

Why `list_apps` and not `SocialApp` rows: allauth asks its adapter for the app of a
provider on every SSO request. Building an unsaved `SocialApp` from the organisation's
`SsoConnection` there keeps one source of truth that the organisation's admin edits,
keeps the OIDC client secret encrypted at rest (a `SocialApp` row would hold it in
plain text), and makes disabling a connection effective at once, with nothing to sync.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from accounts.models import SsoConnection, SsoProtocol, User
from accounts.selectors.sso import sso_connection_by_provider_id, sso_service_provider_values
from accounts.services import sso as sso_services
from accounts.services.sso import SsoRefused

OIDC_PROVIDER = "openid_connect"
SAML_PROVIDER = "saml"


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through an invitation or their company's single sign-on.
        return False


def social_app_for(connection: SsoConnection) -> Any:
    """The allauth `SocialApp` (unsaved, never saved) that signs in through `connection`."""
    from allauth.socialaccount.models import SocialApp  # allauth loads its models after the adapters

    domains = connection.domain_names
    common = {
        # Addresses of the allowed domains are taken as verified: the organisation's own
        # identity provider asserts them. Others are refused by pre_social_login.
        "verified_email": domains,
        # Linking to an existing account is decided by pre_social_login, not by allauth.
        "email_authentication": False,
    }
    if connection.protocol == SsoProtocol.OIDC:
        return SocialApp(
            provider=OIDC_PROVIDER,
            provider_id=connection.provider_id,
            name=connection.name,
            client_id=connection.oidc_client_id,
            secret=connection.oidc_client_secret,
            settings={
                **common,
                "server_url": connection.oidc_server_url,
                "oauth_pkce_enabled": True,
                "fetch_userinfo": True,
                "uid_field": "sub",
            },
        )
    values = sso_service_provider_values(connection)
    saml_settings: dict[str, Any] = {
        **common,
        "idp": {
            "entity_id": connection.saml_entity_id,
            "sso_url": connection.saml_sso_url,
            "x509cert": connection.saml_certificate,
        },
        "sp": {"entity_id": values.entity_id if values else ""},
        "advanced": {
            "strict": True,
            # A signed assertion is required; an IdP-initiated response has no request
            # of ours to answer and is refused (replay and login-CSRF protection).
            "want_assertion_signed": True,
            "reject_idp_initiated_sso": True,
        },
    }
    if connection.saml_attribute_mapping:
        saml_settings["attribute_mapping"] = connection.saml_attribute_mapping
    return SocialApp(
        provider=SAML_PROVIDER,
        provider_id=connection.provider_id,
        name=connection.name,
        client_id=connection.provider_id,  # allauth's SAML URLs carry the app's client_id
        settings=saml_settings,
    )


def _refusal(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    response = render(request, "accounts/sso/refused.html", {"message": message}, status=403)
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]
    """Sign-in through organisations' identity providers; no other social sign-up."""

    def list_apps(self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None) -> list:
        # Only a named connection is ever returned: listing every organisation's
        # identity providers (allauth's provider list, the connections page) would
        # reveal who uses Chorus.
        if provider == SAML_PROVIDER:
            key = client_id
            protocol = SsoProtocol.SAML
        elif provider and provider != OIDC_PROVIDER:
            key = provider
            protocol = SsoProtocol.OIDC
        else:
            return []
        connection = sso_connection_by_provider_id(key) if key else None
        if connection is None or connection.protocol != protocol:
            return []
        if protocol == SsoProtocol.OIDC and client_id and client_id != connection.oidc_client_id:
            return []
        return [social_app_for(connection)]

    def _connection(self, sociallogin: Any) -> SsoConnection | None:
        return sso_connection_by_provider_id(sociallogin.provider.app.provider_id)

    @staticmethod
    def _asserted_email(sociallogin: Any) -> str:
        # The addresses the identity provider sent (primary and verified first), not the
        # stored user's: for a returning identity `sociallogin.user` is already the account.
        for address in sociallogin.email_addresses:
            if address.email:
                return str(address.email).strip().lower()
        return ""

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        connection = self._connection(sociallogin)
        if connection is None:
            raise _refusal(request, "This single sign-on connection is not available. Sign in with your password.")
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            raise _refusal(request, "Company accounts are linked by signing in with them, not from here.")
        email = self._asserted_email(sociallogin)
        try:
            sso_services.sso_check_email(connection=connection, email=email)
            if sociallogin.is_existing:
                sso_services.sso_admit_member(connection=connection, user=sociallogin.user)
                return
            existing = User.objects.filter(email__iexact=email).first()
            if existing is not None:
                sso_services.sso_link_existing_user(connection=connection, user=existing, email=email)
                sociallogin.connect(request, existing)
            elif not connection.jit_provisioning:
                raise SsoRefused(
                    f"There is no Chorus account for {email} in {connection.organization.name}. "
                    "Ask your admin for an invitation."
                )
        except SsoRefused as refusal:
            raise _refusal(request, str(refusal)) from refusal

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Reached only for a new person whom pre_social_login let through.
        connection = self._connection(sociallogin)
        return connection is not None and connection.jit_provisioning

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = sociallogin.user
        user.email = (data.get("email") or "").strip().lower()
        name = data.get("name") or " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
        user.full_name = (name or "").strip()[:200]
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        connection = self._connection(sociallogin)
        if connection is None:
            raise _refusal(request, "This single sign-on connection is not available. Sign in with your password.")
        try:
            # The account and its membership are created together or not at all.
            with transaction.atomic():
                user = super().save_user(request, sociallogin, form)
                sso_services.sso_provision_member(connection=connection, user=user)
        except SsoRefused as refusal:
            raise _refusal(request, str(refusal)) from refusal
        return user
