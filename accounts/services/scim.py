"""Writes behind SCIM provisioning: tokens, and members and groups as an identity
provider creates, replaces, patches and deactivates them.

Member and group changes go through the services of `accounts.services`
(`membership_update`, `membership_deactivate`, `membership_reactivate`, `group_save`,
`group_set_members`); this module adds what only SCIM needs: the IdP's own ids and
names, activation without an invitation, and the locking that makes a PATCH (read the
resource, apply the operations, write it back) safe against a concurrent PATCH.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import services
from accounts.models import (
    Group,
    Invitation,
    Membership,
    MembershipStatus,
    Organization,
    ScimGroupRecord,
    ScimToken,
    ScimUserRecord,
    User,
)
from accounts.models.audit import AuditAction
from accounts.scim.auth import DISPLAY_PREFIX_LENGTH, generate_token, token_hash
from accounts.scim.patch import ResourceRules, apply_patch
from accounts.scim.schemas import IGNORED_ENTERPRISE_ATTRIBUTES, IGNORED_USER_ATTRIBUTES
from accounts.scim.serializers import (
    GROUP_ATTRIBUTES,
    READ_ONLY_ATTRIBUTES,
    USER_ATTRIBUTES,
    USER_READ_ONLY_ATTRIBUTES,
    ScimGroupInput,
    ScimUserInput,
    parse_group,
    parse_user,
)
from accounts.services.audit import audit_record
from accounts.tenancy import scopes_disabled

LAST_USED_RESOLUTION = timedelta(minutes=1)

USER_RULES = ResourceRules(
    attributes=USER_ATTRIBUTES,
    read_only=USER_READ_ONLY_ATTRIBUTES,
    ignored=IGNORED_USER_ATTRIBUTES,
    enterprise=frozenset({"department"}),
    enterprise_ignored=IGNORED_ENTERPRISE_ATTRIBUTES,
)
GROUP_RULES = ResourceRules(attributes=GROUP_ATTRIBUTES, read_only=READ_ONLY_ATTRIBUTES)


class UniquenessError(ValidationError):
    """The value is already taken (SCIM answers 409 uniqueness)."""


class MutabilityError(ValidationError):
    """The attribute cannot be changed here (SCIM answers 400 mutability)."""


# Tokens ------------------------------------------------------------------------------


@transaction.atomic
def scim_token_create(*, organization: Organization, name: str, created_by: User | None) -> tuple[ScimToken, str]:
    """A new token and its only plain-text copy, for the admin to paste into the IdP."""
    raw = generate_token()
    token = ScimToken(
        organization=organization,
        name=name.strip(),
        token_hash=token_hash(raw),
        prefix=raw[:DISPLAY_PREFIX_LENGTH],
        created_by=created_by,
    )
    token.full_clean()
    token.save()
    audit_record(
        organization=organization,
        action=AuditAction.SCIM_TOKEN_CREATED,
        actor=created_by,
        target=token,
        target_label=f"{token.name} ({token.prefix}…)",
    )
    return token, raw


@transaction.atomic
def scim_token_revoke(*, token: ScimToken) -> None:
    if token.revoked_at is not None:
        raise ValidationError("This token was already revoked.")
    revoked = ScimToken.objects.filter(organization=token.organization, pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(
            organization=token.organization,
            action=AuditAction.SCIM_TOKEN_REVOKED,
            target=token,
            target_label=f"{token.name} ({token.prefix}…)",
        )


def scim_token_touch(*, token: ScimToken) -> None:
    """Record use, at most once a minute: an IdP syncing thousands of users should not
    write the token row on every request."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ScimToken.objects.filter(organization=token.organization, pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)


# Users -------------------------------------------------------------------------------


def _user_name_taken(organization: Organization, user_name: str, exclude: Membership | None) -> bool:
    # A member without a record is known to the IdP by their email address.
    taken = Membership.objects.filter(organization=organization).filter(
        Q(scim_records__user_name__iexact=user_name) | Q(scim_records__isnull=True, user__email__iexact=user_name)
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    return taken.exists()


def _belongs_elsewhere(user: User, organization: Organization) -> bool:
    # User is global: a name or address changed here would change it in every
    # organisation the person belongs to. Crossing tenants is the point of this check.
    with scopes_disabled():
        return Membership.objects.filter(user=user).exclude(organization=organization).exists()


def _set_email(membership: Membership, email: str) -> None:
    user = membership.user
    if email == user.email.lower():
        return
    if _belongs_elsewhere(user, membership.organization):
        raise MutabilityError(
            f"{user.email} also belongs to another organisation: only they can change their sign-in address."
        )
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise UniquenessError(f"Another person already signs in with {email}.")
    user.email = email
    user.full_clean()
    user.save(update_fields=["email"])
    # The verified address was the old one; the new one is verified when they use it.
    EmailAddress.objects.filter(user=user).delete()


def _set_full_name(membership: Membership, full_name: str) -> None:
    user = membership.user
    if full_name and full_name != user.full_name and not _belongs_elsewhere(user, membership.organization):
        user.full_name = full_name
        user.full_clean()
        user.save(update_fields=["full_name"])


def _save_record(membership: Membership, data: ScimUserInput) -> None:
    ScimUserRecord.objects.update_or_create(
        organization=membership.organization,
        membership=membership,
        defaults={
            "user_name": data.user_name,
            "external_id": data.external_id,
            "given_name": data.given_name,
            "family_name": data.family_name,
            "display_name": data.display_name,
            "updated_at": timezone.now(),
        },
    )


def _activate(membership: Membership) -> None:
    """Active without an invitation: the identity provider vouches for the person."""
    if membership.status == MembershipStatus.DEACTIVATED:
        services.membership_reactivate(membership=membership)
    if membership.status == MembershipStatus.INVITED:
        now = timezone.now()
        membership.status = MembershipStatus.ACTIVE
        membership.joined_at = membership.joined_at or now
        membership.save(update_fields=["status", "joined_at"])
        Invitation.objects.filter(
            organization=membership.organization,
            membership=membership,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)


def _apply_user(membership: Membership, data: ScimUserInput) -> Membership:
    if _user_name_taken(membership.organization, data.user_name, exclude=membership):
        raise UniquenessError(f"Another member already has the userName {data.user_name}.")
    if data.email is not None:
        _set_email(membership, data.email)
    _set_full_name(membership, data.full_name)
    services.membership_update(
        membership=membership,
        attributes={
            "department": data.department,
            "location": data.location,
            "job_title": data.job_title,
            "timezone": data.timezone,
        },
    )
    _save_record(membership, data)
    if data.active and membership.status != MembershipStatus.ACTIVE:
        _activate(membership)
    elif not data.active and membership.status != MembershipStatus.DEACTIVATED:
        scim_user_deactivate(membership=membership)
    return membership


@transaction.atomic
def scim_user_create(*, organization: Organization, data: ScimUserInput) -> Membership:
    """A new member, active at once (or deactivated if the IdP says so). A person new to
    Chorus gets a user without a usable password: they sign in through SSO or reset it."""
    if data.email is None:
        raise ValidationError("A new User needs an email address: in userName or in emails.")
    if _user_name_taken(organization, data.user_name, exclude=None):
        raise UniquenessError(f"A member with the userName {data.user_name} already exists.")
    user = User.objects.filter(email__iexact=data.email).first()
    if user is None:
        user = User.objects.create_user(email=data.email, full_name=data.full_name)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise UniquenessError(f"{data.email} is already a member of this organisation.")
    membership = Membership(
        organization=organization, user=user, status=MembershipStatus.ACTIVE, joined_at=timezone.now()
    )
    membership.full_clean()
    membership.save()
    return _apply_user(membership, data)


@transaction.atomic
def scim_user_replace(*, membership: Membership, data: ScimUserInput) -> Membership:
    membership = _locked_membership(membership)
    return _apply_user(membership, data)


@transaction.atomic
def scim_user_patch(
    *, membership: Membership, body: Any, represent: Callable[[Membership], dict[str, Any]]
) -> Membership:
    """Apply PATCH operations to the member's current representation (`represent`), then
    save the result as a replace. The row lock keeps two PATCHes from losing each
    other's changes."""
    membership = _locked_membership(membership)
    patched = apply_patch(represent(membership), body, USER_RULES)
    return _apply_user(membership, parse_user(patched))


@transaction.atomic
def scim_user_deactivate(*, membership: Membership) -> Membership:
    """Deprovisioning: the membership is deactivated, not deleted (shares, stats and the
    audit trail keep their author). Web access ends at the member's next request."""
    return services.membership_deactivate(membership=membership)


def _locked_membership(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "organization")
        .get(organization=membership.organization, pk=membership.pk)
    )


# Groups ------------------------------------------------------------------------------


def _members(organization: Organization, member_ids: list[str]) -> list[Membership]:
    wanted: dict[uuid.UUID, str] = {}
    for value in member_ids:
        try:
            wanted[uuid.UUID(value)] = value
        except ValueError:
            raise ValidationError(f"There is no User with id {value}.") from None
    found = {m.public_id: m for m in Membership.objects.filter(organization=organization, public_id__in=wanted)}
    missing = [value for public_id, value in wanted.items() if public_id not in found]
    if missing:
        raise ValidationError(f"There is no User with id {', '.join(missing)}.")
    return list(found.values())


def _apply_group(organization: Organization, group: Group | None, data: ScimGroupInput) -> Group:
    members = _members(organization, data.member_ids)
    try:
        group = services.group_save(
            organization=organization,
            group=group,
            name=data.display_name,
            description=group.description if group else "",
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and "name" in error.error_dict:
            raise UniquenessError(error.messages) from None
        raise
    services.group_set_members(group=group, memberships=members)
    ScimGroupRecord.objects.update_or_create(
        organization=organization,
        group=group,
        defaults={"external_id": data.external_id, "updated_at": timezone.now()},
    )
    return group


@transaction.atomic
def scim_group_create(*, organization: Organization, data: ScimGroupInput) -> Group:
    return _apply_group(organization, None, data)


@transaction.atomic
def scim_group_replace(*, group: Group, data: ScimGroupInput) -> Group:
    return _apply_group(group.organization, _locked_group(group), data)


@transaction.atomic
def scim_group_patch(*, group: Group, body: Any, represent: Callable[[Group], dict[str, Any]]) -> Group:
    """Members added or removed by PATCH: applied to the group's current member list
    under a row lock, so two concurrent PATCHes (Entra sends one per change) cannot
    undo each other."""
    group = _locked_group(group)
    patched = apply_patch(represent(group), body, GROUP_RULES)
    return _apply_group(group.organization, group, parse_group(patched))


def scim_group_delete(*, group: Group) -> None:
    services.group_delete(group=group)


def _locked_group(group: Group) -> Group:
    return (
        Group.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(organization=group.organization, pk=group.pk)
    )
