"""Onboarding: the social media policy (versioned, acknowledged by each member), training
modules with quizzes, the organisation's sharing rules and "apply for access".

A member is *certified* when they have acknowledged the current (latest published)
policy version and passed every published required module; see
accounts.selectors.onboarding.member_may_share for what sharing needs on top.

Quiz edits never invalidate a pass: an attempt stores its own score, the pass mark it
was judged against and the outcome, and "passed a module" means "has a passed attempt
of it". Rewording a question, changing the correct choices or raising the pass mark
after someone passed leaves them passed; members who had not passed yet take the
edited quiz.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel

MIN_CHOICES = 2
MAX_CHOICES = 6

# A link, never an embed: the content security policy forbids frames.
video_url_validator = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// address.")


class OnboardingSettings(TenantModel):
    """The organisation's sharing rules; one row per organisation, created on first save.
    Until then the defaults below apply (see selectors.onboarding.onboarding_settings)."""

    certification_required_to_share = models.BooleanField(
        default=True,
        help_text="Members share only after acknowledging the current policy and passing the required modules.",
    )
    access_approval_required = models.BooleanField(
        default=False,
        help_text="Members also apply for access, and a manager approves them, before they can share.",
    )
    updated_at = models.DateTimeField(default=now)

    class Meta:
        verbose_name_plural = "onboarding settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="accounts_onboardingsettings_org_unique")]

    def __str__(self) -> str:
        return f"Onboarding settings of {self.organization_id}"


class PolicyVersion(TenantModel):
    """One version of the social media policy. A draft (published_at is None) may be
    edited or discarded; publishing gives it the next number and freezes it. At most
    one draft exists at a time."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Given when the version is published.")
    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Plain text. A blank line starts a paragraph, “- ” a bullet, “# ” a heading, **bold**; "
        "web addresses become links. HTML is shown as typed, never run."
    )
    change_summary = models.TextField(
        blank=True, help_text="What changed since the previous version: members see this before acknowledging."
    )
    created_at = models.DateTimeField(default=now, editable=False)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = [models.F("number").desc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_policyversion_org_public_id_unique"
            ),
            models.UniqueConstraint(fields=["organization", "number"], name="accounts_policyversion_org_number_unique"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(published_at__isnull=True),
                name="accounts_policyversion_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, number__isnull=True)
                | Q(published_at__isnull=False, number__isnull=False),
                name="accounts_policyversion_published_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})" if self.number else f"{self.title} (draft)"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PolicyAcknowledgement(TenantModel):
    """A member read and accepted one policy version."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(PolicyVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership", "version"], name="accounts_policyack_unique")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} acknowledged {self.version_id}"


class TrainingModule(TenantModel):
    """A short lesson with a quiz. Members see published modules only."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text=PolicyVersion._meta.get_field("body").help_text)
    video_url = models.URLField(
        max_length=500, blank=True, validators=[video_url_validator], help_text="Shown as a link (http or https)."
    )
    is_required = models.BooleanField(default=True, help_text="Required modules count towards certification.")
    position = models.PositiveIntegerField(default=0, help_text="Modules are listed by this number, lowest first.")
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MaxValueValidator(100)],
        help_text="The score (percent of questions answered exactly right) needed to pass.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_trainingmodule_org_public_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class QuizQuestion(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_quizquestion_org_public_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class QuizChoice(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    question = models.ForeignKey(QuizQuestion, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_quizchoice_org_public_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(TenantModel):
    """One submitted quiz. Kept as it was judged: later quiz edits do not rescore it."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="attempts")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # {question public id: [chosen choice public ids]}, as submitted.
    answers = models.JSONField(default=dict, blank=True)
    # Question public ids answered exactly right (shown after submitting; choices never are).
    correct_questions = models.JSONField(default=list, blank=True)
    question_count = models.PositiveSmallIntegerField()
    correct_count = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField(help_text="Percent of questions answered exactly right, rounded down.")
    pass_mark = models.PositiveSmallIntegerField(help_text="The module's pass mark when this attempt was judged.")
    passed = models.BooleanField()
    submitted_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_quizattempt_org_public_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "membership", "module", "passed"], name="accounts_quizattempt_member")
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} scored {self.score}% on {self.module_id}"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AccessRequest(TenantModel):
    """A member asks a manager for sharing access (when the organisation requires it).

    Allowed moves (services.onboarding.ACCESS_REQUEST_TRANSITIONS): pending → approved,
    pending → declined. A declined member may apply again (a new row); the newest row
    is the member's state."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING)
    message = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "public_id"], name="accounts_accessrequest_org_public_id_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "membership"],
                condition=Q(status="pending"),
                name="accounts_accessrequest_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Access request of {self.membership_id} ({self.status})"
