"""Organisations (the tenants), users, memberships with roles and employee attributes,
groups, topics and invitations."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.timezone import now

from accounts.tenancy import TenantModel


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (for example Europe/London).")


work_days_validator = RegexValidator(
    r"^[1-7]{0,7}$", "Working days are ISO weekday digits, Monday = 1 … Sunday = 7 (for example 12345)."
)


class Organization(models.Model):
    """A customer company: the tenant every other table belongs to."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Appears in every address: /o/<slug>/. Lowercase letters, digits and hyphens.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Program settings that later features read through typed accessors.
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:dashboard", kwargs={"org_slug": self.slug})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)  # None gives an unusable password: the user joins via invitation.
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Global: the same person may belong to several organisations."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Operators of this Chorus installation only.")
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email.split("@")[0]


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    EXECUTIVE = "executive", "Executive"
    EMPLOYEE = "employee", "Employee"


class MembershipStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    DEACTIVATED = "deactivated", "Deactivated"


class Topic(TenantModel):
    """Shared vocabulary: people's interests and focus, content's tags."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="accounts_topic_org_slug_unique"),
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_topic_org_public_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Group(TenantModel):
    """A named set of members (a team, a programme cohort) that content can target."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="accounts_group_org_slug_unique"),
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_group_org_public_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:group_detail", kwargs={"org_slug": self.organization.slug, "group_id": self.public_id})


class Membership(TenantModel):
    """A user's place in one organisation: role, status and the attributes that
    targeting, guardrails and reports build on."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE)
    status = models.CharField(max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.INVITED)

    department = models.CharField(max_length=120, blank=True)
    location = models.CharField(max_length=120, blank=True)
    job_title = models.CharField(max_length=120, blank=True)

    # Availability: notifications and share prompts respect these.
    timezone = models.CharField(
        max_length=64, blank=True, validators=[validate_timezone], help_text="Empty means the organisation's."
    )
    work_days = models.CharField(max_length=7, default="12345", blank=True, validators=[work_days_validator])
    work_start = models.TimeField(null=True, blank=True)
    work_end = models.TimeField(null=True, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    is_hourly = models.BooleanField(
        default=False, help_text="Hourly staff are never prompted outside their working hours."
    )

    interests: models.ManyToManyField[Topic, MembershipTopic] = models.ManyToManyField(
        Topic, through="MembershipTopic", related_name="interested_members", blank=True
    )
    focus_topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="What this person wants to be known for.",
    )
    groups: models.ManyToManyField[Group, GroupMembership] = models.ManyToManyField(
        Group, through="GroupMembership", related_name="members", blank=True
    )

    created_at = models.DateTimeField(default=now, editable=False)
    joined_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="accounts_membership_org_user_unique"),
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_membership_org_public_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "role"], name="accounts_mem_org_status_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} ({self.role})"

    def get_absolute_url(self) -> str:
        return reverse(
            "accounts:member_detail", kwargs={"org_slug": self.organization.slug, "member_id": self.public_id}
        )

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE

    @property
    def effective_timezone(self) -> str:
        return self.timezone or self.organization.timezone


class GroupMembership(TenantModel):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "group", "membership"], name="accounts_groupmembership_unique"
            )
        ]


class MembershipTopic(TenantModel):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership", "topic"], name="accounts_membershiptopic_unique"
            )
        ]


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(TenantModel):
    """A single-use, expiring invitation to join an organisation with a preset role.

    The link's token is the invitation's public id signed with the secret key
    (accounts.services.invitation_token), so no token is stored and a database leak
    does not hand out working links. Single use, expiry and revocation are enforced
    by this row."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_invitation_org_public_id_unique"
            ),
        ]
        indexes = [models.Index(fields=["public_id"], name="accounts_invitation_public_id")]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    def state_at(self, moment: datetime) -> InvitationState:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= moment:
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def state(self) -> InvitationState:
        return self.state_at(now())


class PeriodicJobLock(models.Model):
    """One row per periodic job: a lease that stops overlapping runs (see accounts.tasking)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


from accounts.models.audit import AuditAction, AuditEvent, AuditLogIsAppendOnly  # noqa: E402, F401
from accounts.models.notifications import DigestFrequency, Notification, NotificationKind, NotificationPreference  # noqa: E402, F401
from accounts.models.onboarding import (  # noqa: E402, F401
    AccessRequest,
    AccessRequestStatus,
    OnboardingSettings,
    PolicyAcknowledgement,
    PolicyVersion,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
    TrainingModule,
)
from accounts.models.scim import ScimGroupRecord, ScimToken, ScimUserRecord  # noqa: E402, F401
from accounts.models.sso import SsoConnection, SsoDomain, SsoProtocol  # noqa: E402, F401
