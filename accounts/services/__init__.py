"""Writes for organisations, memberships, invitations, groups and topics.

Every function takes the organisation (or objects of it) explicitly, runs in one
transaction and validates with full_clean(); views and the API only call these.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import (
    Group,
    GroupMembership,
    Invitation,
    InvitationState,
    Membership,
    MembershipStatus,
    MembershipTopic,
    Organization,
    Role,
    Topic,
    User,
)
from accounts.services.audit import AuditAction, audit_changes, audit_record
from accounts.tenancy import organization_scope, scopes_disabled

INVITATION_SALT = "accounts.invitation"

# Attributes an admin may set on a membership (and in the CSV import).
MEMBER_ATTRIBUTES = (
    "department",
    "location",
    "job_title",
    "timezone",
    "work_days",
    "work_start",
    "work_end",
    "quiet_hours_start",
    "quiet_hours_end",
    "is_hourly",
)
# Attributes a member may change on their own profile.
PROFILE_ATTRIBUTES = ("timezone", "work_days", "work_start", "work_end", "quiet_hours_start", "quiet_hours_end")


# Organisations ---------------------------------------------------------------


def organization_create(*, name: str, slug: str = "", timezone_name: str = "UTC") -> Organization:
    organization = Organization(name=name.strip(), slug=slug or slugify(name)[:60], timezone=timezone_name)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, name: str, timezone_name: str) -> Organization:
    before = {"name": organization.name, "timezone": organization.timezone}
    organization.name = name.strip()
    organization.timezone = timezone_name
    organization.full_clean()
    organization.save(update_fields=["name", "timezone"])
    changes = audit_changes(before, {"name": organization.name, "timezone": organization.timezone})
    if changes:
        audit_record(
            organization=organization,
            action=AuditAction.ORGANIZATION_SETTINGS_CHANGED,
            target=organization,
            changes=changes,
        )
    return organization


# Memberships -------------------------------------------------------------------


def _lock_active_admins(organization: Organization) -> list[int]:
    # Row locks on the active admins serialise concurrent demotions, so two admins
    # demoting each other at the same moment cannot leave the organisation without one.
    return list(
        Membership.objects.select_for_update()
        .filter(organization=organization, role=Role.ADMIN, status=MembershipStatus.ACTIVE)
        .values_list("pk", flat=True)
    )


def _ensure_another_admin_remains(membership: Membership) -> None:
    if membership.role != Role.ADMIN or membership.status != MembershipStatus.ACTIVE:
        return
    admins = _lock_active_admins(membership.organization)
    if admins == [membership.pk]:
        raise ValidationError(
            f"{membership.user} is the last active admin of {membership.organization}. "
            "Make someone else an admin first."
        )


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"“{role}” is not a role. Choose one of: {', '.join(Role.values)}.")
    if role != membership.role:
        if role != Role.ADMIN:
            _ensure_another_admin_remains(membership)
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(
            organization=membership.organization,
            action=AuditAction.MEMBER_ROLE_CHANGED,
            target=membership,
            changes={"role": {"before": previous, "after": role}},
        )
        # The invitation list shows the preset role: keep unused invitations in step.
        Invitation.objects.filter(
            organization_id=membership.organization_id,
            membership=membership,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(role=role)
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership) -> Membership:
    if membership.status == MembershipStatus.DEACTIVATED:
        return membership
    _ensure_another_admin_remains(membership)
    now = timezone.now()
    previous = membership.status
    membership.status = MembershipStatus.DEACTIVATED
    membership.deactivated_at = now
    membership.save(update_fields=["status", "deactivated_at"])
    audit_record(
        organization=membership.organization,
        action=AuditAction.MEMBER_DEACTIVATED,
        target=membership,
        changes={"status": {"before": previous, "after": membership.status}},
    )
    # A link still in someone's inbox must not outlive their access.
    Invitation.objects.filter(
        organization=membership.organization, membership=membership, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    return membership


@transaction.atomic
def membership_reactivate(*, membership: Membership) -> Membership:
    if membership.status != MembershipStatus.DEACTIVATED:
        raise ValidationError("Only a deactivated member can be reactivated.")
    # Someone who never accepted their invitation goes back to "invited".
    membership.status = MembershipStatus.ACTIVE if membership.joined_at else MembershipStatus.INVITED
    membership.deactivated_at = None
    membership.save(update_fields=["status", "deactivated_at"])
    audit_record(
        organization=membership.organization,
        action=AuditAction.MEMBER_REACTIVATED,
        target=membership,
        changes={"status": {"before": MembershipStatus.DEACTIVATED.value, "after": membership.status}},
    )
    return membership


def _sync_links(
    through: type[GroupMembership] | type[MembershipTopic],
    *,
    organization: Organization,
    owner: dict[str, Any],
    field: str,
    targets: list[Any],
    noun: str,
) -> None:
    """Make `through`'s rows for `owner` link exactly `targets` (via `field`): delete the
    links that are gone, insert the new ones, leave the rest untouched."""
    if any(target.organization_id != organization.pk for target in targets):
        raise ValidationError(f"A {noun} of another organisation cannot be assigned.")
    targets = list(dict.fromkeys(targets))  # a repeated id would break the unique constraint
    links = through.objects.filter(organization=organization, **owner)
    links.exclude(**{f"{field}__in": targets}).delete()
    existing = set(links.values_list(f"{field}_id", flat=True))
    through.objects.bulk_create(
        through(organization=organization, **owner, **{field: target})
        for target in targets
        if target.pk not in existing
    )


def _set_groups(membership: Membership, groups: list[Group]) -> None:
    _sync_links(
        GroupMembership,
        organization=membership.organization,
        owner={"membership": membership},
        field="group",
        targets=groups,
        noun="group",
    )


def _set_interests(membership: Membership, topics: list[Topic]) -> None:
    _sync_links(
        MembershipTopic,
        organization=membership.organization,
        owner={"membership": membership},
        field="topic",
        targets=topics,
        noun="topic",
    )


def _apply_attributes(membership: Membership, attributes: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    unknown = set(attributes) - set(allowed)
    if unknown:
        raise ValidationError(f"These attributes cannot be changed here: {', '.join(sorted(unknown))}.")
    for name, value in attributes.items():
        setattr(membership, name, value)
    return list(attributes)


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    attributes: dict[str, Any],
    groups: list[Group] | None = None,
    interests: list[Topic] | None = None,
    focus_topic: Any = ...,  # a Topic, None to clear, or ... to leave unchanged
) -> Membership:
    """An admin edits a member's attributes, groups, interests and focus topic."""
    changed = _apply_attributes(membership, attributes, MEMBER_ATTRIBUTES)
    if focus_topic is not ...:
        if focus_topic is not None and focus_topic.organization_id != membership.organization_id:
            raise ValidationError("A topic of another organisation cannot be assigned.")
        membership.focus_topic = focus_topic
        changed.append("focus_topic")
    membership.full_clean()
    # Only the fields edited: a full save would write back a status or role read before a
    # concurrent deactivation or role change.
    membership.save(update_fields=changed)
    if groups is not None:
        _set_groups(membership, groups)
    if interests is not None:
        _set_interests(membership, interests)
    return membership


@transaction.atomic
def membership_update_profile(
    *,
    membership: Membership,
    full_name: str,
    attributes: dict[str, Any],
    interests: list[Topic],
    focus_topic: Topic | None,
) -> Membership:
    """A member edits their own name, availability, interests and focus topic."""
    _apply_attributes(membership, attributes, PROFILE_ATTRIBUTES)
    if focus_topic is not None and focus_topic.organization_id != membership.organization_id:
        raise ValidationError("A topic of another organisation cannot be assigned.")
    membership.focus_topic = focus_topic
    membership.full_clean()
    membership.save()
    _set_interests(membership, interests)
    user = membership.user
    user.full_name = full_name.strip()
    user.full_clean()
    user.save(update_fields=["full_name"])
    return membership


# Invitations ---------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(str(invitation.public_id), salt=INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}/invitations/{invitation_token(invitation)}/"


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    invited_by: User | None,
    full_name: str = "",
    attributes: dict[str, Any] | None = None,
    groups: list[Group] | None = None,
    send: bool = True,
) -> Invitation:
    """Invite a person by email: creates (or reuses) their user, an `invited`
    membership with the preset role and attributes, and a fresh invitation; earlier
    pending invitations for the same membership are revoked."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"“{email}” is not a valid email address."}) from None
    if role not in Role.values:
        raise ValidationError({"role": f"“{role}” is not a role. Choose one of: {', '.join(Role.values)}."})

    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name.strip())
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is not None and membership.status == MembershipStatus.ACTIVE:
        raise ValidationError({"email": f"{email} is already a member of {organization}."})
    if membership is not None and membership.status == MembershipStatus.DEACTIVATED and membership.joined_at:
        raise ValidationError({"email": f"{email} was deactivated; reactivate them from the member list instead."})
    if membership is None:
        membership = Membership(organization=organization, user=user)
    # A new person, or one whose earlier invitation was withdrawn before they joined.
    membership.status = MembershipStatus.INVITED
    membership.deactivated_at = None
    membership.role = role
    _apply_attributes(membership, attributes or {}, MEMBER_ATTRIBUTES)
    membership.full_clean()
    membership.save()
    if groups is not None:
        _set_groups(membership, groups)

    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, membership=membership, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = Invitation(
        organization=organization,
        membership=membership,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit_record(
        organization=organization,
        action=AuditAction.INVITATION_CREATED,
        actor=invited_by,
        target=invitation,
        changes={"role": {"before": None, "after": role}},
    )
    if send:
        _send_invitation_on_commit(invitation)
    return invitation


def _send_invitation_on_commit(invitation: Invitation) -> None:
    from accounts.tasks import invitation_send

    transaction.on_commit(
        lambda: invitation_send.delay(organization_id=invitation.organization_id, invitation_id=invitation.pk)
    )


def invitation_send_email(*, invitation: Invitation) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    if invitation.state != InvitationState.PENDING:
        return  # Revoked or accepted since it was queued: a stale link helps nobody.
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation),
    }
    send_mail(
        subject=f"You're invited to join {invitation.organization} on Chorus",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_resend(*, invitation: Invitation, invited_by: User | None) -> Invitation:
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted.")
    membership = invitation.membership
    if membership.joined_at:
        raise ValidationError("This person has already joined.")
    return invitation_create(
        organization=invitation.organization,
        email=invitation.email,
        role=membership.role,
        invited_by=invited_by,
    )


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at:
        raise ValidationError("This invitation was already accepted; deactivate the member instead.")
    if invitation.revoked_at:
        raise ValidationError("This invitation was already withdrawn.")
    Invitation.objects.filter(organization=invitation.organization, pk=invitation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(organization=invitation.organization, action=AuditAction.INVITATION_REVOKED, target=invitation)
    membership = invitation.membership
    still_pending = (
        Invitation.objects.filter(
            organization=invitation.organization,
            membership=membership,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .exclude(pk=invitation.pk)
        .exists()
    )
    if membership.status == MembershipStatus.INVITED and not still_pending:
        # Keep the person and the invitation history; a new invitation revives them.
        membership_deactivate(membership=membership)


class InvitationError(Exception):
    """An invitation link that cannot be used; the message is shown to the person."""


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a link, or InvitationError saying why it cannot be used."""
    try:
        public_id = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        raise InvitationError("This invitation link is not valid. Check that you copied the whole link.") from None
    # The signed token is the credential and the row names its own organisation:
    # no tenant is known before this lookup.
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("organization", "membership", "membership__user")
            .filter(public_id=public_id)
            .first()
        )
    if invitation is None:
        raise InvitationError("This invitation no longer exists. Ask your admin for a new one.")
    state = invitation.state
    if state == InvitationState.ACCEPTED:
        raise InvitationError("This invitation has already been used. Sign in instead.")
    if state == InvitationState.REVOKED:
        raise InvitationError("This invitation was withdrawn. Ask your admin for a new one.")
    if state == InvitationState.EXPIRED:
        raise InvitationError("This invitation has expired. Ask your admin to send a new one.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: User, full_name: str = "", password: str | None = None
) -> Membership:
    """Use the invitation: activates the membership and, for a new person, sets their
    name and password and marks their email verified (the link proved they own it)."""
    if invitation.membership.user_id != user.pk:
        raise InvitationError(f"This invitation is for {invitation.email}. Sign out and open the link again.")
    # Single use: only one request can flip accepted_at from empty.
    claimed = Invitation.objects.filter(
        organization=invitation.organization,
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now())
    if not claimed:
        raise InvitationError("This invitation has already been used or has expired.")
    if password is not None:
        validate_password(password, user)
        user.set_password(password)
    if full_name.strip():
        user.full_name = full_name.strip()
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "verified": True, "primary": True}
    )
    membership = invitation.membership
    if membership.status == MembershipStatus.DEACTIVATED:
        raise InvitationError("Your access to this organisation was deactivated. Contact your admin.")
    membership.status = MembershipStatus.ACTIVE
    membership.joined_at = timezone.now()
    membership.save(update_fields=["status", "joined_at"])
    return membership


def invitations_purge(*, older_than: timedelta = timedelta(days=90)) -> int:
    """Delete invitations that ended (used, withdrawn or expired) long ago, across all
    organisations; called by a periodic job that holds its lock."""
    cutoff = timezone.now() - older_than
    deleted = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            deleted += Invitation.objects.filter(organization=organization, expires_at__lt=cutoff).delete()[0]
    return deleted


# CSV import ----------------------------------------------------------------------

CSV_COLUMNS = ("email", "full_name", "role", "department", "location", "job_title", "timezone", "is_hourly", "groups")
CSV_MAX_ROWS = 5000
CSV_MAX_BYTES = 1024 * 1024


@dataclass
class ImportRow:
    line: int
    email: str
    values: dict[str, Any] = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[ImportRow]
    errors: list[str] = field(default_factory=list)
    imported: int = 0

    @property
    def is_valid(self) -> bool:
        return not self.errors and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for row in self.rows if row.errors)

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


_TRUE_WORDS = {"yes", "true", "1", "y"}
_FALSE_WORDS = {"no", "false", "0", "n", ""}


@dataclass
class _ImportContext:
    """What every row is checked against, read once per file."""

    organization: Organization
    groups: dict[str, Group]  # by lower-case name
    statuses: dict[str, str]  # membership status by lower-case email
    seen: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, organization: Organization) -> _ImportContext:
        return cls(
            organization=organization,
            groups={group.name.lower(): group for group in Group.objects.filter(organization=organization)},
            statuses={
                email.lower(): status
                for email, status in Membership.objects.filter(organization=organization).values_list(
                    "user__email", "status"
                )
            },
        )


def _parse_csv_row(context: _ImportContext, line: int, raw: dict[str, str]) -> ImportRow:
    organization = context.organization
    email = (raw.get("email") or "").strip().lower()
    row = ImportRow(line=line, email=email)
    try:
        validate_email(email)
    except ValidationError:
        row.errors.append(f"“{email}” is not a valid email address." if email else "The email is missing.")
    if email and email in context.seen:
        row.errors.append(f"{email} appears more than once in the file.")
    context.seen.add(email)

    role = (raw.get("role") or "employee").strip().lower()
    if role not in Role.values:
        row.errors.append(f"“{role}” is not a role (use one of {', '.join(Role.values)}).")
    hourly = (raw.get("is_hourly") or "").strip().lower()
    if hourly not in _TRUE_WORDS | _FALSE_WORDS:
        row.errors.append(f"is_hourly “{hourly}” must be yes or no.")
    row.values = {
        "full_name": (raw.get("full_name") or "").strip(),
        "role": role,
        "attributes": {
            "department": (raw.get("department") or "").strip(),
            "location": (raw.get("location") or "").strip(),
            "job_title": (raw.get("job_title") or "").strip(),
            "timezone": (raw.get("timezone") or "").strip(),
            "is_hourly": hourly in _TRUE_WORDS,
        },
    }
    probe = Membership(organization=organization, **row.values["attributes"])
    try:
        probe.clean_fields(exclude=["organization", "user", "role", "status"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            row.errors.extend(f"{name}: {message}" for message in messages)

    group_names = [name.strip() for name in (raw.get("groups") or "").split(";") if name.strip()]
    for name in group_names:
        group = context.groups.get(name.lower())
        if group is None:
            row.errors.append(f"There is no group named “{name}”.")
        else:
            row.groups.append(group)

    if email:
        existing = context.statuses.get(email)
        if existing == MembershipStatus.ACTIVE:
            row.errors.append(f"{email} is already a member.")
        elif existing == MembershipStatus.DEACTIVATED:
            row.errors.append(f"{email} was deactivated; reactivate them instead.")
    return row


def invitations_import_csv(*, organization: Organization, data: bytes, invited_by: User | None) -> ImportReport:
    """Validate every row; import nothing unless all rows are valid, then invite them
    all in one transaction."""
    if len(data) > CSV_MAX_BYTES:
        return ImportReport(rows=[], errors=[f"The file is larger than {CSV_MAX_BYTES // 1024 // 1024} MB; split it."])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport(rows=[], errors=["The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."])
    known = ", ".join(CSV_COLUMNS)
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        return ImportReport(rows=[], errors=[f"The file is not valid CSV: {error}."])
    if "email" not in header:
        return ImportReport(
            rows=[], errors=[f"The first line must name the columns and include “email”. Known columns: {known}."]
        )
    unknown = [f"“{name}”" if name else "(a column without a name)" for name in header if name not in CSV_COLUMNS]
    if unknown:
        return ImportReport(rows=[], errors=[f"Unknown columns: {', '.join(unknown)}. Known columns: {known}."])
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        return ImportReport(rows=[], errors=[f"These columns appear more than once: {', '.join(repeated)}."])
    reader.fieldnames = header
    context = _ImportContext.load(organization)
    rows: list[ImportRow] = []
    try:
        for raw in reader:
            # The reader's line number, not a row count: quoted values may span lines.
            line = reader.line_num
            if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
                continue  # blank line
            if None in raw:
                too_long = "This row has more values than there are columns."
                rows.append(ImportRow(line=line, email="", errors=[too_long]))
                continue
            rows.append(_parse_csv_row(context, line, raw))
            if len(rows) > CSV_MAX_ROWS:
                return ImportReport(rows=[], errors=[f"The file has more than {CSV_MAX_ROWS} rows; split it."])
    except csv.Error as error:
        return ImportReport(rows=rows, errors=[f"The file is not valid CSV: {error}."])
    report = ImportReport(rows=rows)
    if not rows:
        report.errors.append("The file has no rows to import.")
    if not report.is_valid:
        return report
    current: ImportRow | None = None
    try:
        with transaction.atomic():
            for current in rows:
                invitation_create(
                    organization=organization,
                    email=current.email,
                    role=current.values["role"],
                    invited_by=invited_by,
                    full_name=current.values["full_name"],
                    attributes=current.values["attributes"],
                    groups=current.groups,
                )
    except ValidationError as error:
        # Only a concurrent change since validation gets here (say, someone joined
        # meanwhile); the transaction rolled every row back.
        if current is not None:
            current.errors.extend(error.messages)
        report.errors.append("Nothing was imported: a row became invalid while importing. Check it and try again.")
        return report
    report.imported = len(rows)
    return report


def invitations_import_template(*, organization: Organization) -> str:
    """A CSV with the import's header and one example row (using the organisation's own
    group names, so the example is importable as it stands)."""
    groups = Group.objects.filter(organization=organization).order_by("name")
    group_names = list(groups.values_list("name", flat=True)[:2])
    example = {
        "email": "ada.lovelace@example.com",
        "full_name": "Ada Lovelace",
        "role": Role.EMPLOYEE.value,
        "department": "Engineering",
        "location": "London",
        "job_title": "Engineer",
        "timezone": organization.timezone,
        "is_hourly": "no",
        "groups": ";".join(group_names),
    }
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(example)
    return output.getvalue()


# Groups and topics -------------------------------------------------------------


def _unique_slug(
    model: type[Group] | type[Topic], organization: Organization, name: str, exclude_pk: int | None
) -> str:
    base = slugify(name)[:70] or "item"
    slug, suffix = base, 2
    taken = model._default_manager.filter(organization=organization)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def group_save(*, organization: Organization, name: str, description: str = "", group: Group | None = None) -> Group:
    name = name.strip()
    clash = Group.objects.filter(organization=organization, name__iexact=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise ValidationError({"name": f"A group named “{name}” already exists."})
    group = group or Group(organization=organization)
    group.name = name
    group.description = description.strip()
    group.slug = _unique_slug(Group, organization, name, group.pk)
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def group_set_members(*, group: Group, memberships: list[Membership]) -> None:
    _sync_links(
        GroupMembership,
        organization=group.organization,
        owner={"group": group},
        field="membership",
        targets=memberships,
        noun="member",
    )


def group_delete(*, group: Group) -> None:
    group.delete()


@transaction.atomic
def topic_create(*, organization: Organization, name: str) -> Topic:
    name = name.strip()
    existing = Topic.objects.filter(organization=organization, name__iexact=name).first()
    if existing is not None:
        return existing
    topic = Topic(organization=organization, name=name, slug=_unique_slug(Topic, organization, name, None))
    topic.full_clean()
    topic.save()
    return topic


def topic_delete(*, topic: Topic) -> None:
    topic.delete()
