"""Reads for onboarding: the current policy, a member's progress and certification, the
checklist, the acknowledgement report and the access-request queue, and
`member_may_share` — the one function other apps call before letting a member share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    Membership,
    MembershipStatus,
    OnboardingSettings,
    Organization,
    PolicyAcknowledgement,
    PolicyVersion,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
    TrainingModule,
)


def onboarding_settings(*, organization: Organization) -> OnboardingSettings:
    """The organisation's settings row, or an unsaved one with the defaults (reads never write)."""
    found = OnboardingSettings.objects.filter(organization=organization).first()
    return found or OnboardingSettings(organization=organization)


# Policy ------------------------------------------------------------------------------


def current_policy(*, organization: Organization) -> PolicyVersion | None:
    """The latest published version, which members must have acknowledged."""
    return (
        PolicyVersion.objects.filter(organization=organization, published_at__isnull=False).order_by("-number").first()
    )


def policy_draft(*, organization: Organization) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(organization=organization, published_at__isnull=True).first()


def policy_version_list(*, organization: Organization) -> QuerySet[PolicyVersion]:
    """Every version, the draft first, then newest published first, with acknowledgement counts."""
    return (
        PolicyVersion.objects.filter(organization=organization)
        .select_related("published_by__user", "created_by__user")
        .annotate(acknowledgement_count=Count("acknowledgements"))
        .order_by(Coalesce("number", 2**31 - 1).desc())
    )


def latest_acknowledgement(*, membership: Membership) -> PolicyAcknowledgement | None:
    return (
        PolicyAcknowledgement.objects.filter(organization_id=membership.organization_id, membership=membership)
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


# Training ----------------------------------------------------------------------------


def _published_modules(organization: Organization) -> QuerySet[TrainingModule]:
    return TrainingModule.objects.filter(organization=organization, published_at__isnull=False)


def _passed(membership: Membership) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(
        organization_id=membership.organization_id, membership=membership, module=OuterRef("pk"), passed=True
    )


def modules_for_member(*, membership: Membership) -> QuerySet[TrainingModule]:
    """Published modules in order, each annotated with `passed` and `attempt_count` for this member."""
    attempts = (
        QuizAttempt.objects.filter(
            organization_id=membership.organization_id, membership=membership, module=OuterRef("pk")
        )
        .order_by()
        .values("module")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        _published_modules(membership.organization)
        .annotate(
            passed=Exists(_passed(membership)),
            attempt_count=Coalesce(Subquery(attempts), 0),
            question_count=Count("questions"),
        )
        .order_by("position", "title")
    )


def module_list(*, organization: Organization) -> QuerySet[TrainingModule]:
    """Every module (drafts too) for the managers' list."""
    passers = (
        QuizAttempt.objects.filter(organization=organization, module=OuterRef("pk"), passed=True)
        .order_by()
        .values("module")
        .annotate(n=Count("membership", distinct=True))
        .values("n")
    )
    return (
        TrainingModule.objects.filter(organization=organization)
        .annotate(question_count=Count("questions"), passed_count=Coalesce(Subquery(passers), 0))
        .order_by("position", "title")
    )


def quiz_questions(*, module: TrainingModule) -> list[QuizQuestion]:
    """The module's questions with their choices, in order (one query each)."""
    choices = QuizChoice.objects.filter(organization_id=module.organization_id).order_by("position", "pk")
    return list(
        QuizQuestion.objects.filter(organization_id=module.organization_id, module=module)
        .prefetch_related(Prefetch("choices", queryset=choices))
        .order_by("position", "pk")
    )


def attempts_of(*, membership: Membership, module: TrainingModule) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(
        organization_id=membership.organization_id, membership=membership, module=module
    ).order_by("-submitted_at")


# A member's progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistStep:
    """One line of the onboarding checklist. `kind` is "policy", "module" or "access";
    templates build the link from it (and `module` for a module step)."""

    kind: str
    label: str
    done: bool
    detail: str = ""
    module: TrainingModule | None = None


@dataclass(frozen=True)
class SharingEligibility:
    """May this member share now? When not, `reasons` says what is missing, in words the
    member can act on (first the most urgent)."""

    allowed: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OnboardingStatus:
    settings: OnboardingSettings
    policy: PolicyVersion | None
    policy_acknowledged: bool
    # The version acknowledged before the current one, when the member must re-acknowledge.
    previously_acknowledged: PolicyVersion | None
    required_modules: list[TrainingModule]  # each with `passed`
    optional_modules: list[TrainingModule]
    access_request: AccessRequest | None  # the newest
    certified: bool
    eligibility: SharingEligibility
    steps: list[ChecklistStep]

    @property
    def approval_needed(self) -> bool:
        return self.settings.access_approval_required

    @property
    def access_approved(self) -> bool:
        return self.access_request is not None and self.access_request.status == AccessRequestStatus.APPROVED

    @property
    def may_apply(self) -> bool:
        """Whether the "apply for access" button is offered (services check it again)."""
        if not self.approval_needed or self.access_approved:
            return False
        if self.access_request is not None and self.access_request.status == AccessRequestStatus.PENDING:
            return False
        return self.certified or not self.settings.certification_required_to_share

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)


def latest_access_request(*, membership: Membership) -> AccessRequest | None:
    return (
        AccessRequest.objects.filter(organization_id=membership.organization_id, membership=membership)
        .select_related("decided_by__user")
        .order_by("-requested_at", "-pk")
        .first()
    )


def onboarding_status(*, membership: Membership) -> OnboardingStatus:
    """Everything the checklist, the onboarding page and the sharing check need, in a
    handful of queries.

    Certified = acknowledged the current policy (if one is published) and passed every
    published required module. With nothing published there is nothing to certify
    against, so everyone is certified."""
    organization = membership.organization
    settings = onboarding_settings(organization=organization)
    policy = current_policy(organization=organization)
    latest = latest_acknowledgement(membership=membership)
    acknowledged = policy is None or (latest is not None and latest.version_id == policy.pk)
    previously = latest.version if latest is not None and not acknowledged else None
    modules = list(modules_for_member(membership=membership))
    required = [module for module in modules if module.is_required]
    optional = [module for module in modules if not module.is_required]
    certified = acknowledged and all(module.passed for module in required)  # type: ignore[attr-defined]
    request = latest_access_request(membership=membership) if settings.access_approval_required else None

    steps: list[ChecklistStep] = []
    if policy is not None:
        steps.append(
            ChecklistStep(
                kind="policy",
                label="Read and acknowledge the social media policy",
                done=acknowledged,
                detail=f"Version {policy.number} changed since you acknowledged version {previously.number}"
                if previously
                else f"Version {policy.number}",
            )
        )
    for module in required:
        passed = module.passed  # type: ignore[attr-defined]
        steps.append(
            ChecklistStep(
                kind="module",
                label=f"Pass “{module.title}”",
                done=passed,
                detail=f"Pass mark {module.pass_mark}%",
                module=module,
            )
        )
    if settings.access_approval_required:
        steps.append(
            ChecklistStep(
                kind="access",
                label="Apply for sharing access",
                done=request is not None and request.status == AccessRequestStatus.APPROVED,
                detail=_access_detail(request),
            )
        )
    eligibility = _eligibility(membership, settings, policy, acknowledged, previously, required, request)
    return OnboardingStatus(
        settings=settings,
        policy=policy,
        policy_acknowledged=acknowledged,
        previously_acknowledged=previously,
        required_modules=required,
        optional_modules=optional,
        access_request=request,
        certified=certified,
        eligibility=eligibility,
        steps=steps,
    )


def _access_detail(request: AccessRequest | None) -> str:
    if request is None:
        return "A manager approves sharing access."
    if request.status == AccessRequestStatus.PENDING:
        return "Waiting for a manager's decision."
    if request.status == AccessRequestStatus.DECLINED:
        reason = f": {request.decision_reason}" if request.decision_reason else "."
        return f"Declined{reason} You may apply again."
    return "Approved."


def _eligibility(
    membership: Membership,
    settings: OnboardingSettings,
    policy: PolicyVersion | None,
    acknowledged: bool,
    previously: PolicyVersion | None,
    required: list[TrainingModule],
    request: AccessRequest | None,
) -> SharingEligibility:
    reasons: list[str] = []
    if membership.status != MembershipStatus.ACTIVE:
        return SharingEligibility(allowed=False, reasons=["Your membership of this organisation is not active."])
    if settings.certification_required_to_share:
        if not acknowledged and policy is not None:
            if previously is not None:
                reasons.append(
                    f"The social media policy changed (version {policy.number}): read what changed and acknowledge it."
                )
            else:
                reasons.append(f"Read and acknowledge the social media policy (version {policy.number}).")
        reasons.extend(
            f"Pass the training module “{module.title}”."
            for module in required
            if not module.passed  # type: ignore[attr-defined]
        )
    if settings.access_approval_required:
        if request is None:
            reasons.append("Apply for sharing access: a manager approves it.")
        elif request.status == AccessRequestStatus.PENDING:
            reasons.append("Your request for sharing access is waiting for a manager's decision.")
        elif request.status == AccessRequestStatus.DECLINED:
            reason = f" ({request.decision_reason})" if request.decision_reason else ""
            reasons.append(f"Your request for sharing access was declined{reason}. You may apply again.")
    return SharingEligibility(allowed=not reasons, reasons=reasons)


def member_may_share(membership: Membership) -> SharingEligibility:
    """THE sharing gate other apps call (advocacy before writing a share, the feed before
    showing the share button). Read-only.

    Contract:
    - An inactive membership (invited, deactivated) may not share.
    - `certification_required_to_share` on (the default): the member must have
      acknowledged the current policy version and passed every published required
      module. Off: neither is needed.
    - `access_approval_required` on: the member's newest access request must be
      approved. An approval outlives later policy versions and new modules — those
      make the member uncertified (and, with certification required, unable to share)
      until they catch up, but they need not apply again. Off (the default): no request
      is needed.
    - `allowed` is True exactly when `reasons` is empty; each reason is a sentence the
      member can act on.
    Call it inside the member's organisation scope.
    """
    return onboarding_status(membership=membership).eligibility


# Reports -----------------------------------------------------------------------------


ACKNOWLEDGEMENT_STATES = ("acknowledged", "pending")


def acknowledgement_report(
    *,
    organization: Organization,
    state: str = "",
    search: str = "",
    department: str = "",
    role: str = "",
) -> tuple[PolicyVersion | None, QuerySet[Membership], dict[str, int]]:
    """Active members and whether each acknowledged the current policy version
    (`acknowledged_at`, None when pending), with counts over all active members.
    `state` filters to "acknowledged" or "pending"."""
    policy = current_policy(organization=organization)
    members = Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE).select_related(
        "user"
    )
    if policy is None:
        return None, members.none(), {"total": 0, "acknowledged": 0, "pending": 0}
    acknowledgements = PolicyAcknowledgement.objects.filter(
        organization=organization, version=policy, membership=OuterRef("pk")
    )
    members = members.annotate(acknowledged_at=Subquery(acknowledgements.values("acknowledged_at")[:1]))
    totals = members.aggregate(total=Count("pk"), acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)))
    counts = {
        "total": totals["total"] or 0,
        "acknowledged": totals["acknowledged"] or 0,
        "pending": (totals["total"] or 0) - (totals["acknowledged"] or 0),
    }
    if state == "acknowledged":
        members = members.filter(acknowledged_at__isnull=False)
    elif state == "pending":
        members = members.filter(acknowledged_at__isnull=True)
    if search:
        members = members.filter(Q(user__email__icontains=search) | Q(user__full_name__icontains=search))
    if department:
        members = members.filter(department=department)
    if role:
        members = members.filter(role=role)
    return policy, members.order_by("user__full_name", "user__email"), counts


def access_request_list(*, organization: Organization, status: str = "") -> QuerySet[AccessRequest]:
    """Requests, oldest pending first when filtered to pending, otherwise newest first."""
    requests = AccessRequest.objects.filter(organization=organization).select_related(
        "membership__user", "decided_by__user"
    )
    if status:
        requests = requests.filter(status=status)
    if status == AccessRequestStatus.PENDING:
        return requests.order_by("requested_at", "pk")
    return requests.order_by("-requested_at", "-pk")


def program_overview(*, organization: Organization) -> dict[str, object]:
    """The numbers on the program's front page."""
    policy, _members, counts = acknowledgement_report(organization=organization)
    return {
        "policy": policy,
        "draft": policy_draft(organization=organization),
        "acknowledgement_counts": counts,
        "module_count": TrainingModule.objects.filter(organization=organization).count(),
        "published_required_count": _published_modules(organization).filter(is_required=True).count(),
        "pending_requests": AccessRequest.objects.filter(
            organization=organization, status=AccessRequestStatus.PENDING
        ).count(),
        "settings": onboarding_settings(organization=organization),
    }
