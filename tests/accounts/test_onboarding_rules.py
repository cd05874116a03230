"""Onboarding's rules, at the service and selector level: policy versions and
re-acknowledgement, quiz scoring and pass marks, certification and the sharing gate
(`member_may_share`) for every combination of the organisation's settings."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from accounts.models import (
    AccessRequestStatus,
    MembershipStatus,
    PolicyAcknowledgement,
    PolicyVersion,
    QuizAttempt,
    TrainingModule,
)
from accounts.selectors.onboarding import member_may_share, onboarding_status
from accounts.services import onboarding as services
from accounts.services.onboarding import ChoiceInput
from accounts.templatetags.onboarding_text import render_plain_markup
from accounts.tenancy import organization_scope
from tests.conftest import Tenant
from tests.factories import MembershipFactory
from tests.factories_onboarding import (
    AccessRequestFactory,
    PolicyVersionFactory,
    TrainingModuleFactory,
    add_question,
    certify,
    module_with_quiz,
    right_answers,
)

pytestmark = pytest.mark.django_db


def publish(tenant: Tenant, title: str = "Policy", body: str = "Be kind.", summary: str = "") -> PolicyVersion:
    with organization_scope(tenant.organization):
        draft = services.policy_draft_save(
            organization=tenant.organization, title=title, body=body, change_summary=summary, author=tenant.manager
        )
        return services.policy_publish(version=draft, publisher=tenant.manager)


# Policy versions -----------------------------------------------------------------------


def test_publishing_numbers_versions_in_order_and_freezes_them(tenant_a: Tenant) -> None:
    first = publish(tenant_a)
    second = publish(tenant_a, body="Be kinder.", summary="Kinder.")
    assert (first.number, second.number) == (1, 2)
    assert second.published_by == tenant_a.manager and second.published_at is not None
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="cannot be changed"):
        services.policy_draft_save(organization=tenant_a.organization, title="Edited", body="x", version=first)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="cannot be deleted"):
        services.policy_draft_discard(version=first)
    first.refresh_from_db()
    assert first.body == "Be kind."


def test_there_is_one_draft_at_a_time(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization):
        services.policy_draft_save(organization=tenant_a.organization, title="Draft", body="Text")
        with pytest.raises(ValidationError, match="already a draft"):
            services.policy_draft_save(organization=tenant_a.organization, title="Another", body="Text")


def test_a_second_version_needs_a_summary_of_changes(tenant_a: Tenant) -> None:
    publish(tenant_a)
    with organization_scope(tenant_a.organization):
        draft = services.policy_draft_save(organization=tenant_a.organization, title="Policy", body="New")
        with pytest.raises(ValidationError, match="Say what changed"):
            services.policy_publish(version=draft, publisher=tenant_a.manager)


def test_a_new_version_needs_a_fresh_acknowledgement_and_shows_what_changed(tenant_a: Tenant) -> None:
    first = publish(tenant_a)
    member = tenant_a.employee
    with organization_scope(tenant_a.organization):
        services.policy_acknowledge(membership=member, version=first)
        assert onboarding_status(membership=member).policy_acknowledged
    second = publish(tenant_a, body="Also: no politics.", summary="We added a rule about politics.")
    with organization_scope(tenant_a.organization):
        status = onboarding_status(membership=member)
        assert not status.policy_acknowledged
        assert status.previously_acknowledged == first
        assert status.policy.change_summary == "We added a rule about politics."  # type: ignore[union-attr]
        assert "changed (version 2)" in member_may_share(member).reasons[0]
        # The page opened on version 1 cannot acknowledge it any more.
        with pytest.raises(ValidationError, match="not the current policy version"):
            services.policy_acknowledge(membership=member, version=first)
        services.policy_acknowledge(membership=member, version=second)
        services.policy_acknowledge(membership=member, version=second)  # repeating is harmless
        assert onboarding_status(membership=member).policy_acknowledged
        assert PolicyAcknowledgement.objects.filter(organization=tenant_a.organization, membership=member).count() == 2


def test_a_draft_cannot_be_acknowledged(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization):
        draft = services.policy_draft_save(organization=tenant_a.organization, title="Draft", body="Text")
        with pytest.raises(ValidationError):
            services.policy_acknowledge(membership=tenant_a.employee, version=draft)


def test_policy_text_is_escaped_and_given_light_structure() -> None:
    html = render_plain_markup(
        "# Rules\n\n- Be **kind**\n- See https://example.com/policy\n\n<script>alert(1)</script>\nline two"
    )
    assert '<h3 class="h4">Rules</h3>' in html
    assert "<li>Be <strong>kind</strong></li>" in html
    assert 'href="https://example.com/policy"' in html and 'rel="nofollow noopener"' in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;<br>line two" in html
    assert "href" not in render_plain_markup("[x](javascript:alert(1)) javascript:alert(1)")


# Quiz scoring ----------------------------------------------------------------------------


def submit(tenant: Tenant, module: TrainingModule, answers: dict[str, list[str]]) -> QuizAttempt:
    with organization_scope(tenant.organization):
        return services.quiz_submit(membership=tenant.employee, module=module, answers=answers)


def test_exactly_the_right_choices_score_full_marks(tenant_a: Tenant) -> None:
    module = module_with_quiz(tenant_a.organization)
    attempt = submit(tenant_a, module, right_answers(module))
    assert (attempt.score, attempt.correct_count, attempt.question_count, attempt.passed) == (100, 2, 2, True)


def test_a_partial_or_extra_answer_to_a_multiple_choice_question_is_wrong(tenant_a: Tenant) -> None:
    module = module_with_quiz(tenant_a.organization, pass_mark=50)
    answers = right_answers(module)
    single, multiple = list(answers)
    partial = {single: answers[single], multiple: answers[multiple][:1]}
    attempt = submit(tenant_a, module, partial)
    assert (attempt.score, attempt.correct_questions, attempt.passed) == (50, [single], True)

    with organization_scope(tenant_a.organization):
        all_choices = [
            str(c.public_id) for q in module.questions.all() if str(q.public_id) == multiple for c in q.choices.all()
        ]
    extra = {single: answers[single], multiple: all_choices}
    assert submit(tenant_a, module, extra).correct_count == 1


def test_unanswered_questions_are_wrong(tenant_a: Tenant) -> None:
    module = module_with_quiz(tenant_a.organization)
    attempt = submit(tenant_a, module, {})
    assert (attempt.score, attempt.passed) == (0, False)


@pytest.mark.parametrize(
    ("questions", "right", "pass_mark", "score", "passed"),
    [
        (4, 3, 75, 75, True),  # exactly at the pass mark passes
        (4, 3, 76, 75, False),  # one point below fails
        (3, 2, 67, 66, False),  # 66.67 % does not reach 67 %
        (3, 2, 66, 66, True),
        (1, 0, 0, 0, True),  # a pass mark of 0 passes anyone who submits
        (2, 2, 100, 100, True),
    ],
)
def test_pass_mark_boundaries(
    tenant_a: Tenant, questions: int, right: int, pass_mark: int, score: int, passed: bool
) -> None:
    module = TrainingModuleFactory(organization=tenant_a.organization, pass_mark=pass_mark)
    for index in range(questions):
        add_question(module, f"Q{index}", {"Yes": True, "No": False})
    answers = right_answers(module)
    chosen = {qid: ids for index, (qid, ids) in enumerate(answers.items()) if index < right}
    attempt = submit(tenant_a, module, chosen)
    assert (attempt.score, attempt.passed, attempt.pass_mark) == (score, passed, pass_mark)


def test_answers_to_other_questions_or_choices_are_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    module = module_with_quiz(tenant_a.organization)
    other = module_with_quiz(tenant_b.organization)
    foreign_question, foreign_choices = next(iter(right_answers(other).items()))
    with pytest.raises(ValidationError, match="not questions of this quiz"):
        submit(tenant_a, module, {foreign_question: foreign_choices})
    own_question = next(iter(right_answers(module)))
    with pytest.raises(ValidationError, match="not a choice"):
        submit(tenant_a, module, {own_question: foreign_choices})
    with organization_scope(tenant_a.organization):
        assert not QuizAttempt.objects.filter(organization=tenant_a.organization).exists()


def test_retakes_are_recorded_and_a_pass_survives_quiz_edits(tenant_a: Tenant) -> None:
    module = module_with_quiz(tenant_a.organization)
    assert not submit(tenant_a, module, {}).passed
    assert submit(tenant_a, module, right_answers(module)).passed
    with organization_scope(tenant_a.organization):
        question = module.questions.first()
        services.question_save(
            module=module,
            question=question,
            text="Reworded?",
            choices=[ChoiceInput("New right", True), ChoiceInput("New wrong", False)],
        )
        services.module_save(organization=tenant_a.organization, module=module, pass_mark=100)
        status = onboarding_status(membership=tenant_a.employee)
        assert [m.passed for m in status.required_modules] == [True]  # type: ignore[attr-defined]
        assert QuizAttempt.objects.filter(organization=tenant_a.organization, module=module).count() == 2


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([ChoiceInput("Only one", True)], "2 to 6 choices"),
        ([ChoiceInput(str(n), n == 0) for n in range(7)], "2 to 6 choices"),
        ([ChoiceInput("A", False), ChoiceInput("B", False)], "at least one choice as correct"),
        ([ChoiceInput("A", True), ChoiceInput("a", False)], "same text"),
    ],
)
def test_questions_have_two_to_six_distinct_choices_with_one_correct(
    tenant_a: Tenant, choices: list[ChoiceInput], message: str
) -> None:
    module = TrainingModuleFactory(organization=tenant_a.organization)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match=message):
        services.question_save(module=module, text="Q?", choices=choices)


def test_a_module_without_questions_cannot_be_published(tenant_a: Tenant) -> None:
    module = TrainingModuleFactory(organization=tenant_a.organization, published_at=None)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="at least one quiz question"):
        services.module_publish(module=module)


def test_video_links_must_be_http_or_https(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError) as error:
        services.module_save(organization=tenant_a.organization, title="T", video_url="javascript:alert(1)")
    assert "video_url" in error.value.message_dict


def test_drafts_and_unpublished_modules_do_not_count(tenant_a: Tenant) -> None:
    TrainingModuleFactory(organization=tenant_a.organization, published_at=None)
    with organization_scope(tenant_a.organization):
        assert onboarding_status(membership=tenant_a.employee).certified


# Certification and the sharing gate ------------------------------------------------------


def set_rules(tenant: Tenant, *, certification: bool, approval: bool) -> None:
    with organization_scope(tenant.organization):
        services.onboarding_settings_update(
            organization=tenant.organization,
            certification_required_to_share=certification,
            access_approval_required=approval,
        )


def may_share(tenant: Tenant) -> tuple[bool, list[str]]:
    with organization_scope(tenant.organization):
        eligibility = member_may_share(tenant.employee)
    assert eligibility.allowed == (eligibility.reasons == [])
    return eligibility.allowed, eligibility.reasons


CERTIFIED_STATES = ("uncertified", "certified")
ACCESS_STATES = ("none", "pending", "declined", "approved")


@pytest.mark.parametrize(
    ("certification", "approval", "certified", "access"),
    list(itertools.product([True, False], [True, False], CERTIFIED_STATES, ACCESS_STATES)),
)
def test_member_may_share_in_every_combination(
    tenant_a: Tenant, certification: bool, approval: bool, certified: str, access: str
) -> None:
    set_rules(tenant_a, certification=certification, approval=approval)
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    module = module_with_quiz(tenant_a.organization)
    if certified == "certified":
        certify(tenant_a.employee, policy, [module])
    if access != "none":
        AccessRequestFactory(
            organization=tenant_a.organization,
            membership=tenant_a.employee,
            status=access,
            decision_reason="Too new" if access == "declined" else "",
        )
    allowed, reasons = may_share(tenant_a)

    needs_certification = certification and certified == "uncertified"
    needs_approval = approval and access != "approved"
    assert allowed == (not needs_certification and not needs_approval)
    joined = " ".join(reasons)
    assert ("acknowledge" in joined) == needs_certification
    assert (f"“{module.title}”" in joined) == needs_certification
    if needs_approval:
        expected = {
            "none": "Apply for sharing access",
            "pending": "waiting for a manager",
            "declined": "declined (Too new)",
        }[access]
        assert expected in joined
    else:
        assert "access" not in joined


def test_defaults_require_certification_and_no_approval(tenant_a: Tenant) -> None:
    PolicyVersionFactory(organization=tenant_a.organization)
    allowed, reasons = may_share(tenant_a)
    assert not allowed and reasons == ["Read and acknowledge the social media policy (version 1)."]


def test_with_nothing_published_everyone_is_certified(tenant_a: Tenant) -> None:
    assert may_share(tenant_a) == (True, [])


def test_an_inactive_member_may_not_share(tenant_a: Tenant) -> None:
    set_rules(tenant_a, certification=False, approval=False)
    member = MembershipFactory(organization=tenant_a.organization, status=MembershipStatus.DEACTIVATED)
    with organization_scope(tenant_a.organization):
        assert member_may_share(member).allowed is False


def test_a_new_required_module_uncertifies_but_an_approval_stands(tenant_a: Tenant) -> None:
    set_rules(tenant_a, certification=True, approval=True)
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    certify(tenant_a.employee, policy, [])
    AccessRequestFactory(
        organization=tenant_a.organization, membership=tenant_a.employee, status=AccessRequestStatus.APPROVED
    )
    assert may_share(tenant_a) == (True, [])
    new = module_with_quiz(tenant_a.organization, title="New rules")
    assert may_share(tenant_a) == (False, ["Pass the training module “New rules”."])
    certify(tenant_a.employee, None, [new])
    assert may_share(tenant_a) == (True, [])


# Access requests -------------------------------------------------------------------------


def test_applying_needs_approval_on_and_certification_first(tenant_a: Tenant) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    member = tenant_a.employee
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="does not require approval"):
        services.access_request_apply(membership=member)
    set_rules(tenant_a, certification=True, approval=True)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="Finish your onboarding"):
        services.access_request_apply(membership=member)
    certify(member, policy, [])
    with organization_scope(tenant_a.organization):
        request = services.access_request_apply(membership=member, message="Ready!")
        with pytest.raises(ValidationError, match="already applied"):
            services.access_request_apply(membership=member)
        assert request.status == AccessRequestStatus.PENDING


def test_with_certification_off_a_member_may_apply_straight_away(tenant_a: Tenant) -> None:
    PolicyVersionFactory(organization=tenant_a.organization)
    set_rules(tenant_a, certification=False, approval=True)
    with organization_scope(tenant_a.organization):
        services.access_request_apply(membership=tenant_a.employee)


def test_deciding_follows_the_allowed_moves(tenant_a: Tenant) -> None:
    set_rules(tenant_a, certification=False, approval=True)
    request = AccessRequestFactory(organization=tenant_a.organization, membership=tenant_a.employee)
    with organization_scope(tenant_a.organization):
        with pytest.raises(ValidationError, match="Say why"):
            services.access_request_decide(access_request=request, decider=tenant_a.manager, approve=False)
        declined = services.access_request_decide(
            access_request=request, decider=tenant_a.manager, approve=False, reason="Finish the training"
        )
        assert declined.status == AccessRequestStatus.DECLINED and declined.decided_by == tenant_a.manager
        with pytest.raises(ValidationError, match="already declined"):
            services.access_request_decide(access_request=request, decider=tenant_a.manager, approve=True)
        again = services.access_request_apply(membership=tenant_a.employee)
        services.access_request_decide(access_request=again, decider=tenant_a.manager, approve=True)
        assert member_may_share(tenant_a.employee).allowed
        with pytest.raises(ValidationError, match="already approved"):
            services.access_request_apply(membership=tenant_a.employee)


def test_a_manager_of_another_organisation_cannot_decide(tenant_a: Tenant, tenant_b: Tenant) -> None:
    request = AccessRequestFactory(organization=tenant_a.organization, membership=tenant_a.employee)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError):
        services.access_request_decide(access_request=request, decider=tenant_b.manager, approve=True)


# The checklist ---------------------------------------------------------------------------


def test_the_checklist_lists_policy_required_modules_and_access(tenant_a: Tenant) -> None:
    set_rules(tenant_a, certification=True, approval=True)
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    required = module_with_quiz(tenant_a.organization, title="Basics", position=1)
    module_with_quiz(tenant_a.organization, title="Extra", is_required=False)
    certify(tenant_a.employee, policy, [])
    with organization_scope(tenant_a.organization):
        status = onboarding_status(membership=tenant_a.employee)
    assert [(s.kind, s.done) for s in status.steps] == [("policy", True), ("module", False), ("access", False)]
    assert status.steps[1].module == required
    assert [m.title for m in status.optional_modules] == ["Extra"]
    assert not status.certified and not status.may_apply
