"""Writes behind single sign-on: an organisation's identity-provider connections (the
admin's settings page) and what a sign-in through one of them does to memberships
(called by `accounts.adapters.SocialAccountAdapter`).

Who may sign in through a connection:
- the address the identity provider asserts must be in one of the connection's
  allowed domains, whatever else it says;
- a person who already has a Chorus account must already be a member of the
  connection's organisation (invited, or active): a connection never adds an existing
  account to its organisation, so an admin who points a connection at someone else's
  domain cannot take over accounts that belong to other organisations;
- a person with no account yet is created, and joins as an employee, only when the
  connection has just-in-time provisioning on;
- a deactivated member stays out.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Invitation,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    SsoConnection,
    SsoDomain,
    SsoProtocol,
    User,
)
from accounts.models.audit import AuditAction
from accounts.models.sso import validate_email_domain
from accounts.services.audit import REDACTED, audit_changes, audit_record
from accounts.tenancy import organization_scope, scopes_disabled

# Serialises the "is this domain free in every other organisation?" check and the write
# that claims it, across organisations (PostgreSQL advisory lock; SQLite's IMMEDIATE
# transactions already serialise writers).
_DOMAIN_CLAIM_LOCK = zlib.crc32(b"accounts.sso.domains")

_AUDITED_FIELDS = (
    "name",
    "enabled",
    "jit_provisioning",
    "domains",
    "oidc_server_url",
    "oidc_client_id",
    "saml_entity_id",
    "saml_sso_url",
    "saml_certificate",
    "saml_attribute_mapping",
)


class SsoRefused(Exception):
    """A sign-in the connection may not complete; the message is for the person."""


@dataclass(frozen=True)
class SsoConnectionInput:
    protocol: str
    name: str
    domains: list[str]
    enabled: bool = True
    jit_provisioning: bool = False
    oidc_server_url: str = ""
    oidc_client_id: str = ""
    # Empty on an edit keeps the stored secret (the form never shows it back).
    oidc_client_secret: str = ""
    saml_entity_id: str = ""
    saml_sso_url: str = ""
    saml_certificate: str = ""
    saml_attribute_mapping: dict[str, Any] = field(default_factory=dict)


def normalize_domains(values: list[str]) -> list[str]:
    """Lower-cased, without a leading "@" or blanks, duplicates dropped, order kept."""
    domains = [value.strip().lower().removeprefix("@").rstrip(".") for value in values]
    return list(dict.fromkeys(domain for domain in domains if domain))


def _lock_domain_claims() -> None:
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DOMAIN_CLAIM_LOCK])


def _check_domains(*, organization: Organization, domains: list[str], connection: SsoConnection) -> None:
    if not domains:
        raise ValidationError({"domains": "Enter at least one email domain, for example acme.com."})
    errors: list[str] = []
    for domain in domains:
        try:
            validate_email_domain(domain)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"domains": errors})
    same_organization = (
        SsoDomain.objects.filter(organization=organization, domain__in=domains)
        .exclude(connection_id=connection.pk)
        .select_related("connection")
    )
    for claimed in same_organization:
        errors.append(f"{claimed.domain} already belongs to your connection “{claimed.connection.name}”.")
    if connection.enabled:
        # Domains are a global namespace: the sign-in page finds the organisation by the
        # domain alone, so one domain leads to at most one enabled connection anywhere.
        with scopes_disabled():  # deliberately across organisations; only domain names are read
            taken = set(
                SsoDomain.objects.filter(domain__in=domains, connection__enabled=True)
                .exclude(organization=organization)
                .values_list("domain", flat=True)
            )
        errors.extend(
            f"{domain} is already used for single sign-on by another organisation. "
            "Contact support if your company owns it."
            for domain in sorted(taken)
        )
    if errors:
        raise ValidationError({"domains": errors})


def _next_provider_id(organization: Organization) -> str:
    base = f"org-{organization.slug}"
    taken = set(SsoConnection.objects.filter(organization=organization).values_list("provider_id", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}.{number}" in taken:
        number += 1
    return f"{base}.{number}"


def _audited(connection: SsoConnection, domains: list[str]) -> dict[str, Any]:
    values = {name: getattr(connection, name) for name in _AUDITED_FIELDS if name != "domains"}
    values["domains"] = sorted(domains)
    return values


@transaction.atomic
def sso_connection_save(
    *, organization: Organization, data: SsoConnectionInput, connection: SsoConnection | None = None, actor: User | None
) -> SsoConnection:
    """Create a connection, or change one (its protocol is fixed once created: the
    identity provider is set up for one or the other)."""
    _lock_domain_claims()
    creating = connection is None
    if connection is None:
        if data.protocol not in SsoProtocol.values:
            raise ValidationError({"protocol": "Choose OpenID Connect or SAML 2.0."})
        connection = SsoConnection(
            organization=organization,
            protocol=data.protocol,
            provider_id=_next_provider_id(organization),
            created_by=actor,
        )
        before: dict[str, Any] = {}
        had_secret = False
    else:
        connection = SsoConnection.objects.select_for_update().get(organization=organization, pk=connection.pk)
        before = _audited(connection, connection.domain_names)
        had_secret = bool(connection.oidc_client_secret_encrypted)
    domains = normalize_domains(data.domains)

    connection.name = data.name.strip()
    connection.enabled = data.enabled
    connection.jit_provisioning = data.jit_provisioning
    if connection.protocol == SsoProtocol.OIDC:
        connection.oidc_server_url = data.oidc_server_url.strip().rstrip("/")
        connection.oidc_client_id = data.oidc_client_id.strip()
        if data.oidc_client_secret:
            connection.set_oidc_client_secret(data.oidc_client_secret.strip())
    else:
        connection.saml_entity_id = data.saml_entity_id.strip()
        connection.saml_sso_url = data.saml_sso_url.strip()
        connection.saml_certificate = data.saml_certificate.strip()
        connection.saml_attribute_mapping = data.saml_attribute_mapping or {}
    connection.updated_at = timezone.now()
    errors: dict[str, list[str]] = {}
    try:
        connection.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        _check_domains(organization=organization, domains=domains, connection=connection)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    connection.save()

    SsoDomain.objects.filter(organization=organization, connection=connection).exclude(domain__in=domains).delete()
    existing = set(
        SsoDomain.objects.filter(organization=organization, connection=connection).values_list("domain", flat=True)
    )
    SsoDomain.objects.bulk_create(
        SsoDomain(organization=organization, connection=connection, domain=domain)
        for domain in domains
        if domain not in existing
    )

    changes = audit_changes(before, _audited(connection, domains))
    if data.oidc_client_secret and connection.protocol == SsoProtocol.OIDC:
        # That it changed, never what it is (audit_record redacts the values too).
        changes["oidc_client_secret"] = {"before": REDACTED if had_secret else "", "after": REDACTED}
    if changes:
        audit_record(
            organization=organization,
            action=AuditAction.ORGANIZATION_SETTINGS_CHANGED,
            actor=actor,
            target=connection,
            target_label=f"Single sign-on: {connection.name}",
            changes=changes,
            note="Single sign-on connection created." if creating else "Single sign-on connection changed.",
        )
    return connection


@transaction.atomic
def sso_connection_set_enabled(*, connection: SsoConnection, enabled: bool, actor: User | None) -> SsoConnection:
    """Turn a connection on (its domains must still be free elsewhere) or off (its
    sign-in stops at once; linked accounts keep their passwords, if any)."""
    _lock_domain_claims()
    organization = connection.organization
    connection = SsoConnection.objects.select_for_update().get(organization=organization, pk=connection.pk)
    if connection.enabled == enabled:
        return connection
    connection.enabled = enabled
    if enabled:
        _check_domains(organization=organization, domains=connection.domain_names, connection=connection)
    connection.updated_at = timezone.now()
    connection.save(update_fields=["enabled", "updated_at"])
    audit_record(
        organization=organization,
        action=AuditAction.ORGANIZATION_SETTINGS_CHANGED,
        actor=actor,
        target=connection,
        target_label=f"Single sign-on: {connection.name}",
        changes={"enabled": {"before": not enabled, "after": enabled}},
        note="Single sign-on connection enabled." if enabled else "Single sign-on connection disabled.",
    )
    return connection


# Signing in ---------------------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def sso_check_email(*, connection: SsoConnection, email: str) -> None:
    """Refuse an asserted address outside the connection's allowed domains."""
    if not email or "@" not in email:
        raise SsoRefused("Your identity provider did not send an email address, so Chorus cannot sign you in.")
    with organization_scope(connection.organization):
        allowed = connection.domain_names
    if email_domain(email) not in allowed:
        raise SsoRefused(
            f"{connection.name} may sign in addresses of {', '.join(allowed)} only, not {email}. "
            "Sign in with your password, or ask your admin."
        )


@transaction.atomic
def sso_admit_member(*, connection: SsoConnection, user: User) -> Membership:
    """The user's membership of the connection's organisation, made active: an invited
    member's first sign-in through their company's identity provider accepts the
    invitation (the provider vouched for the address). No membership is created here."""
    organization = connection.organization
    with organization_scope(organization):
        membership = (
            Membership.objects.select_for_update()
            .select_related("organization", "user")
            .filter(organization=organization, user=user)
            .first()
        )
        if membership is None:
            raise SsoRefused(f"Your account is not a member of {organization.name}. Ask your admin for an invitation.")
        if membership.status == MembershipStatus.DEACTIVATED:
            raise SsoRefused(f"Your access to {organization.name} was deactivated. Contact your admin.")
        if membership.status == MembershipStatus.INVITED:
            now = timezone.now()
            membership.status = MembershipStatus.ACTIVE
            membership.joined_at = now
            membership.save(update_fields=["status", "joined_at"])
            Invitation.objects.filter(
                organization=organization, membership=membership, accepted_at__isnull=True, revoked_at__isnull=True
            ).update(accepted_at=now)
    return membership


@transaction.atomic
def sso_provision_member(*, connection: SsoConnection, user: User) -> Membership:
    """Just-in-time provisioning: a person the identity provider signed in for an
    allowed domain joins the organisation as an active employee."""
    if not connection.jit_provisioning:
        raise SsoRefused(
            f"You do not have a Chorus account in {connection.organization.name} yet. Ask your admin for an invitation."
        )
    organization = connection.organization
    with organization_scope(organization):
        membership, created = Membership.objects.get_or_create(
            organization=organization,
            user=user,
            defaults={"role": Role.EMPLOYEE, "status": MembershipStatus.ACTIVE, "joined_at": timezone.now()},
        )
    if not created:
        return sso_admit_member(connection=connection, user=user)
    return membership


@transaction.atomic
def sso_link_existing_user(*, connection: SsoConnection, user: User, email: str) -> Membership:
    """First sign-in of an existing account through the connection: the account must be
    a member already (see the module's rules); the asserted address becomes verified,
    as accepting an invitation would make it."""
    membership = sso_admit_member(connection=connection, user=user)
    if user.email.lower() == email.lower():
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
        )
    return membership
