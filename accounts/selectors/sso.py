"""Reads behind single sign-on: the settings page, the sign-in page's domain lookup and
allauth's per-request app lookup."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from accounts.models import Organization, SsoConnection, SsoDomain, SsoProtocol
from accounts.tenancy import scopes_disabled


def sso_connections(*, organization: Organization) -> QuerySet[SsoConnection]:
    return (
        SsoConnection.objects.filter(organization=organization)
        .select_related("organization")
        .prefetch_related("domains")
        .order_by("created_at")
    )


def sso_connection_for_email(email: str) -> SsoConnection | None:
    """The enabled connection whose allowed domains include the address's domain, in
    whichever organisation it is; None for anything else (the caller says the same
    thing for every None, so the page reveals no organisation)."""
    domain = email.rpartition("@")[2].strip().lower()
    if "@" not in email or not domain:
        return None
    # Before sign-in there is no organisation: the domain is what finds it. Only an
    # enabled connection of the one organisation that claimed the domain can match.
    with scopes_disabled():
        found = (
            SsoDomain.objects.filter(domain=domain, connection__enabled=True)
            .select_related("connection__organization")
            .order_by("pk")
            .first()
        )
    return found.connection if found else None


def sso_connection_by_provider_id(provider_id: str, *, enabled_only: bool = True) -> SsoConnection | None:
    """The connection allauth's URL names (/accounts/oidc/<provider_id>/…), across
    organisations: the identity provider's callback carries no organisation slug."""
    with scopes_disabled():  # the key is globally unique (it contains the organisation's slug)
        connections = SsoConnection.objects.select_related("organization").prefetch_related("domains")
        if enabled_only:
            connections = connections.filter(enabled=True)
        # Domains are prefetched here, so reading them later needs no scope.
        return connections.filter(provider_id=provider_id).first()


@dataclass(frozen=True)
class ServiceProviderValues:
    """What the admin types into the identity provider."""

    login_url: str
    redirect_uri: str = ""  # OIDC
    acs_url: str = ""  # SAML
    entity_id: str = ""  # SAML
    metadata_url: str = ""  # SAML


def sso_service_provider_values(connection: SsoConnection) -> ServiceProviderValues | None:
    """Absolute URLs (SITE_URL) of allauth's endpoints for this connection; None where
    allauth.socialaccount or the provider is not installed."""
    site = settings.SITE_URL
    key = connection.provider_id
    try:
        if connection.protocol == SsoProtocol.OIDC:
            return ServiceProviderValues(
                login_url=reverse("openid_connect_login", kwargs={"provider_id": key}),
                redirect_uri=site + reverse("openid_connect_callback", kwargs={"provider_id": key}),
            )
        metadata_url = site + reverse("saml_metadata", kwargs={"organization_slug": key})
        return ServiceProviderValues(
            login_url=reverse("saml_login", kwargs={"organization_slug": key}),
            acs_url=site + reverse("saml_acs", kwargs={"organization_slug": key}),
            entity_id=metadata_url,
            metadata_url=metadata_url,
        )
    except NoReverseMatch:
        return None
