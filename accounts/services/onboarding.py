"""Writes for onboarding: policy versions and acknowledgements, training modules and
their quizzes, quiz attempts, access requests and the organisation's sharing rules.

The sharing gate itself only reads: accounts.selectors.onboarding.member_may_share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

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
from accounts.models.audit import AuditAction
from accounts.models.onboarding import MAX_CHOICES, MIN_CHOICES
from accounts.selectors import onboarding as onboarding_selectors
from accounts.services.audit import audit_record

# Settings ------------------------------------------------------------------------------


@transaction.atomic
def onboarding_settings_update(
    *, organization: Organization, certification_required_to_share: bool, access_approval_required: bool
) -> OnboardingSettings:
    settings, _created = OnboardingSettings.objects.select_for_update().get_or_create(organization=organization)
    before = {
        "certification_required_to_share": settings.certification_required_to_share,
        "access_approval_required": settings.access_approval_required,
    }
    settings.certification_required_to_share = certification_required_to_share
    settings.access_approval_required = access_approval_required
    settings.updated_at = timezone.now()
    settings.full_clean()
    settings.save()
    after = {
        "certification_required_to_share": certification_required_to_share,
        "access_approval_required": access_approval_required,
    }
    if before != after:
        audit_record(
            organization=organization,
            action=AuditAction.ONBOARDING_SETTINGS_CHANGED,
            target_label="Sharing rules",
            changes={name: [before[name], after[name]] for name in after if before[name] != after[name]},
        )
    return settings


# Policy --------------------------------------------------------------------------------


def _same_organization(membership: Membership | None, organization_id: int) -> None:
    if membership is not None and membership.organization_id != organization_id:
        raise ValidationError("A member of another organisation cannot do this.")


@transaction.atomic
def policy_draft_save(
    *,
    organization: Organization,
    title: str,
    body: str,
    change_summary: str = "",
    author: Membership | None = None,
    version: PolicyVersion | None = None,
) -> PolicyVersion:
    """Create the draft (there is at most one) or edit it. A published version is never changed."""
    _same_organization(author, organization.pk)
    if version is None:
        if onboarding_selectors.policy_draft(organization=organization) is not None:
            raise ValidationError("There is already a draft: edit or discard it before starting another.")
        version = PolicyVersion(organization=organization, created_by=author)
    else:
        version = PolicyVersion.objects.select_for_update().get(organization=organization, pk=version.pk)
        if version.is_published:
            raise ValidationError("A published policy version cannot be changed. Start a new version instead.")
    version.title = title.strip()
    version.body = body.strip()
    version.change_summary = change_summary.strip()
    version.full_clean()
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        # Two managers started a draft at the same moment: the partial unique index kept one.
        raise ValidationError("There is already a draft: edit or discard it before starting another.") from None
    return version


@transaction.atomic
def policy_draft_discard(*, version: PolicyVersion) -> None:
    if version.is_published:
        raise ValidationError("A published policy version cannot be deleted.")
    PolicyVersion.objects.filter(organization_id=version.organization_id, pk=version.pk).delete()


@transaction.atomic
def policy_publish(*, version: PolicyVersion, publisher: Membership) -> PolicyVersion:
    """Freeze the draft as the next version number; it becomes the current policy and
    every member must acknowledge it afresh."""
    _same_organization(publisher, version.organization_id)
    # Locking the draft row serialises two managers pressing "publish" together.
    version = PolicyVersion.objects.select_for_update().get(organization_id=version.organization_id, pk=version.pk)
    if version.is_published:
        raise ValidationError(f"Version {version.number} is already published.")
    previous = PolicyVersion.objects.filter(organization_id=version.organization_id).aggregate(n=Max("number"))["n"]
    if previous and not version.change_summary:
        raise ValidationError(f"Say what changed since version {previous}: members read this before acknowledging.")
    version.number = (previous or 0) + 1
    version.published_at = timezone.now()
    version.published_by = publisher
    version.full_clean()
    version.save(update_fields=["number", "published_at", "published_by"])
    audit_record(
        organization=version.organization,
        action=AuditAction.POLICY_PUBLISHED,
        actor=publisher,
        target=version,
        target_label=f"Version {version.number}: {version.title}",
        note=version.change_summary,
    )
    return version


@transaction.atomic
def policy_acknowledge(*, membership: Membership, version: PolicyVersion) -> PolicyAcknowledgement:
    """The member accepts `version`, which must be the current one (a page opened before
    a newer version was published cannot acknowledge the old text). Idempotent."""
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError("Only an active member can acknowledge the policy.")
    _same_organization(membership, version.organization_id)
    current = onboarding_selectors.current_policy(organization=membership.organization)
    if current is None or current.pk != version.pk:
        raise ValidationError("This is not the current policy version. Read the current version and acknowledge it.")
    acknowledgement, _created = PolicyAcknowledgement.objects.get_or_create(
        organization_id=membership.organization_id, membership=membership, version=version
    )
    return acknowledgement


# Training modules ------------------------------------------------------------------------


MODULE_FIELDS = ("title", "body", "video_url", "is_required", "position", "pass_mark")


@transaction.atomic
def module_save(*, organization: Organization, module: TrainingModule | None = None, **fields: Any) -> TrainingModule:
    unknown = set(fields) - set(MODULE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be set: {', '.join(sorted(unknown))}.")
    if module is None:
        module = TrainingModule(organization=organization)
    elif module.organization_id != organization.pk:
        raise ValidationError("A module of another organisation cannot be changed.")
    for name, value in fields.items():
        setattr(module, name, value.strip() if isinstance(value, str) else value)
    module.updated_at = timezone.now()
    module.full_clean()
    module.save()
    return module


@transaction.atomic
def module_publish(*, module: TrainingModule) -> TrainingModule:
    questions = onboarding_selectors.quiz_questions(module=module)
    if not questions:
        raise ValidationError("Add at least one quiz question before publishing the module.")
    if module.published_at is None:
        module.published_at = timezone.now()
        module.save(update_fields=["published_at"])
    return module


@transaction.atomic
def module_unpublish(*, module: TrainingModule) -> TrainingModule:
    """Hide the module from members (its attempts are kept and count again if it returns)."""
    module.published_at = None
    module.save(update_fields=["published_at"])
    return module


def module_delete(*, module: TrainingModule) -> None:
    TrainingModule.objects.filter(organization_id=module.organization_id, pk=module.pk).delete()


@dataclass(frozen=True)
class ChoiceInput:
    text: str
    is_correct: bool


def _clean_choices(choices: list[ChoiceInput]) -> list[ChoiceInput]:
    choices = [ChoiceInput(text=c.text.strip(), is_correct=c.is_correct) for c in choices if c.text.strip()]
    if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise ValidationError(f"A question has {MIN_CHOICES} to {MAX_CHOICES} choices; this one has {len(choices)}.")
    if not any(choice.is_correct for choice in choices):
        raise ValidationError("Mark at least one choice as correct.")
    if len({choice.text.casefold() for choice in choices}) != len(choices):
        raise ValidationError("Two choices have the same text.")
    return choices


@transaction.atomic
def question_save(
    *,
    module: TrainingModule,
    text: str,
    choices: list[ChoiceInput],
    question: QuizQuestion | None = None,
) -> QuizQuestion:
    """Create or replace a question and its choices. Editing a published module's quiz
    invalidates no pass already recorded (see accounts.models.onboarding)."""
    choices = _clean_choices(choices)
    if question is None:
        last = QuizQuestion.objects.filter(organization_id=module.organization_id, module=module).aggregate(
            n=Max("position")
        )["n"]
        question = QuizQuestion(organization_id=module.organization_id, module=module, position=(last or 0) + 1)
    elif question.module_id != module.pk:
        raise ValidationError("This question belongs to another module.")
    question.text = text.strip()
    question.full_clean()
    question.save()
    QuizChoice.objects.filter(organization_id=module.organization_id, question=question).delete()
    rows = [
        QuizChoice(
            organization_id=module.organization_id,
            question=question,
            position=index,
            text=choice.text,
            is_correct=choice.is_correct,
        )
        for index, choice in enumerate(choices, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["question", "organization"])
    QuizChoice.objects.bulk_create(rows)
    TrainingModule.objects.filter(organization_id=module.organization_id, pk=module.pk).update(
        updated_at=timezone.now()
    )
    return question


@transaction.atomic
def question_delete(*, question: QuizQuestion) -> None:
    module = question.module
    remaining = (
        QuizQuestion.objects.filter(organization_id=question.organization_id, module=module)
        .exclude(pk=question.pk)
        .exists()
    )
    if module.is_published and not remaining:
        raise ValidationError("A published module needs at least one question. Unpublish it first.")
    QuizQuestion.objects.filter(organization_id=question.organization_id, pk=question.pk).delete()


# Quiz attempts ---------------------------------------------------------------------------


def _score(correct: int, total: int) -> int:
    return correct * 100 // total if total else 0


@transaction.atomic
def quiz_submit(*, membership: Membership, module: TrainingModule, answers: dict[str, list[str]]) -> QuizAttempt:
    """Score a submitted quiz and record the attempt.

    `answers` maps question public ids to the chosen choice public ids. A question is
    right only when exactly its correct choices are chosen (a partial or extra choice
    is wrong; an unanswered question is wrong). Score = right / questions, in percent,
    rounded down; the attempt passes when right × 100 ≥ pass mark × questions, i.e.
    when the exact percentage reaches the pass mark. Retakes are unlimited."""
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError("Only an active member can take a quiz.")
    _same_organization(membership, module.organization_id)
    if not module.is_published:
        raise ValidationError("This module is not published.")
    questions = onboarding_selectors.quiz_questions(module=module)
    if not questions:
        raise ValidationError("This module has no quiz yet.")
    by_id = {str(question.public_id): question for question in questions}
    unknown = sorted(set(map(str, answers)) - set(by_id))
    if unknown:
        raise ValidationError({"answers": f"These are not questions of this quiz: {', '.join(unknown)}."})
    clean: dict[str, list[str]] = {}
    correct_questions: list[str] = []
    for question_id, question in by_id.items():
        chosen = {str(choice) for choice in answers.get(question_id, [])}
        choice_ids = {str(choice.public_id) for choice in question.choices.all()}
        if chosen - choice_ids:
            raise ValidationError({"answers": f"A chosen answer is not a choice of question “{question.text}”."})
        clean[question_id] = sorted(chosen)
        if chosen == {str(choice.public_id) for choice in question.choices.all() if choice.is_correct}:
            correct_questions.append(question_id)
    total, right = len(questions), len(correct_questions)
    attempt = QuizAttempt(
        organization_id=membership.organization_id,
        module=module,
        membership=membership,
        answers=clean,
        correct_questions=correct_questions,
        question_count=total,
        correct_count=right,
        score=_score(right, total),
        pass_mark=module.pass_mark,
        passed=right * 100 >= module.pass_mark * total,
    )
    attempt.full_clean(exclude=["organization", "module", "membership"])
    attempt.save()
    return attempt


# Access requests -------------------------------------------------------------------------


# The allowed moves of an access request, in one place.
ACCESS_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    AccessRequestStatus.PENDING: frozenset({AccessRequestStatus.APPROVED, AccessRequestStatus.DECLINED}),
    AccessRequestStatus.APPROVED: frozenset(),
    AccessRequestStatus.DECLINED: frozenset(),
}


@transaction.atomic
def access_request_apply(*, membership: Membership, message: str = "") -> AccessRequest:
    """A member applies for sharing access. Only when the organisation requires approval,
    once certified (if certification is required), and not while a request is pending
    or after approval."""
    # Lock the member's row so a double submit cannot create two pending requests.
    Membership.objects.select_for_update().filter(organization_id=membership.organization_id, pk=membership.pk).get()
    status = onboarding_selectors.onboarding_status(membership=membership)
    if membership.status != MembershipStatus.ACTIVE:
        raise ValidationError("Only an active member can apply for access.")
    if not status.approval_needed:
        raise ValidationError("Your organisation does not require approval: there is nothing to apply for.")
    if status.access_approved:
        raise ValidationError("Your access was already approved.")
    request = status.access_request
    if request is not None and request.status == AccessRequestStatus.PENDING:
        raise ValidationError("You have already applied; a manager will decide soon.")
    if status.settings.certification_required_to_share and not status.certified:
        raise ValidationError("Finish your onboarding (policy and required training) before applying for access.")
    access_request = AccessRequest(
        organization_id=membership.organization_id, membership=membership, message=message.strip()
    )
    access_request.full_clean(exclude=["organization", "membership"])
    access_request.save()
    return access_request


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, decider: Membership, approve: bool, reason: str = ""
) -> AccessRequest:
    _same_organization(decider, access_request.organization_id)
    # Lock: two managers deciding at once must not both win.
    access_request = AccessRequest.objects.select_for_update().get(
        organization_id=access_request.organization_id, pk=access_request.pk
    )
    target = AccessRequestStatus.APPROVED if approve else AccessRequestStatus.DECLINED
    if target not in ACCESS_REQUEST_TRANSITIONS[access_request.status]:
        raise ValidationError(f"This request was already {access_request.get_status_display().lower()}.")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Say why the request is declined: the member sees it."})
    access_request.status = target
    access_request.decided_at = timezone.now()
    access_request.decided_by = decider
    access_request.decision_reason = reason
    access_request.full_clean()
    access_request.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit_record(
        organization=access_request.organization,
        action=AuditAction.ACCESS_REQUEST_DECIDED,
        actor=decider,
        target=access_request,
        target_label=str(access_request.membership.user),
        changes={"status": [AccessRequestStatus.PENDING.value, target.value]},
        note=reason,
    )
    return access_request
