"""Onboarding web pages: a member reads and acknowledges the policy and takes quizzes;
managers run the program; every page's role matrix; another organisation's ids."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import (
    AccessRequest,
    AccessRequestStatus,
    OnboardingSettings,
    PolicyAcknowledgement,
    PolicyVersion,
    QuizAttempt,
    QuizQuestion,
    Role,
    TrainingModule,
)
from accounts.tenancy import organization_scope, scopes_disabled
from tests.accounts.admin_support import messages_of
from tests.conftest import Tenant
from tests.factories_onboarding import (
    AccessRequestFactory,
    PolicyVersionFactory,
    certify,
    module_with_quiz,
    right_answers,
)

pytestmark = pytest.mark.django_db


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"accounts:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def quiz_post(answers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {f"q_{question}": choices for question, choices in answers.items()}


def count(model: type, tenant: Tenant) -> int:
    with scopes_disabled():  # comparing row counts from outside any request
        return model.objects.filter(organization=tenant.organization).count()  # type: ignore[attr-defined]


# The member's journey ----------------------------------------------------------------------


def test_a_member_acknowledges_the_policy_passes_the_quiz_and_is_all_set(tenant_a: Tenant, client_for) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization, body="# Rules\n\n- Be **kind**")
    module = module_with_quiz(tenant_a.organization, title="Sharing basics")
    client = client_for(tenant_a.employee)

    dashboard = client.get(url("dashboard", tenant_a)).content.decode()
    assert 'data-testid="onboarding-checklist"' in dashboard
    assert dashboard.count('data-done="false"') == 2
    assert url("onboarding_module", tenant_a, module_id=module.public_id) in dashboard

    page = client.get(url("onboarding_policy", tenant_a)).content.decode()
    assert "<strong>kind</strong>" in page and "Acknowledge version 1" in page
    refused = client.post(url("onboarding_policy", tenant_a), {"version": policy.public_id})
    assert refused.status_code == 400  # the box was not ticked
    response = client.post(url("onboarding_policy", tenant_a), {"version": policy.public_id, "confirm": "on"})
    assert response.status_code == 302
    assert count(PolicyAcknowledgement, tenant_a) == 1

    quiz = client.get(url("onboarding_module", tenant_a, module_id=module.public_id)).content.decode()
    assert "Which are fine to share?" in quiz and "correct" not in quiz.lower().replace("correctly", "")
    failed = client.post(url("onboarding_module", tenant_a, module_id=module.public_id), {})
    assert failed.status_code == 200 and "Not passed" in failed.content.decode()
    passed = client.post(
        url("onboarding_module", tenant_a, module_id=module.public_id), quiz_post(right_answers(module))
    )
    assert "Passed" in passed.content.decode() and 'data-testid="module-passed"' in passed.content.decode()
    assert count(QuizAttempt, tenant_a) == 2

    dashboard = client.get(url("dashboard", tenant_a)).content.decode()
    assert "all set to share" in dashboard and 'data-done="false"' not in dashboard


def test_a_member_sees_what_changed_in_a_new_version(tenant_a: Tenant, client_for) -> None:
    first = PolicyVersionFactory(organization=tenant_a.organization)
    certify(tenant_a.employee, first, [])
    PolicyVersionFactory(organization=tenant_a.organization, change_summary="No more **politics**.")
    page = client_for(tenant_a.employee).get(url("onboarding_policy", tenant_a)).content.decode()
    assert 'data-testid="what-changed"' in page and "No more <strong>politics</strong>." in page
    assert "which you acknowledged" in page


def test_acknowledging_an_old_version_is_refused_with_a_message(tenant_a: Tenant, client_for) -> None:
    first = PolicyVersionFactory(organization=tenant_a.organization)
    PolicyVersionFactory(organization=tenant_a.organization)
    response = client_for(tenant_a.employee).post(
        url("onboarding_policy", tenant_a), {"version": first.public_id, "confirm": "on"}
    )
    assert response.status_code == 400
    assert "not the current policy version" in response.content.decode()
    assert count(PolicyAcknowledgement, tenant_a) == 0


def test_the_quiz_page_never_shows_which_choices_are_right(tenant_a: Tenant, client_for) -> None:
    module = module_with_quiz(tenant_a.organization)
    client = client_for(tenant_a.employee)
    client.post(url("onboarding_module", tenant_a, module_id=module.public_id), {})
    body = client.get(url("onboarding_module", tenant_a, module_id=module.public_id)).content.decode()
    assert "is_correct" not in body and "(correct)" not in body and "bi-check-square" not in body


def test_a_draft_module_is_not_found_for_members(tenant_a: Tenant, client_for) -> None:
    module = module_with_quiz(tenant_a.organization, published_at=None)
    client = client_for(tenant_a.admin)
    assert client.get(url("onboarding_module", tenant_a, module_id=module.public_id)).status_code == 404
    assert client.post(url("onboarding_module", tenant_a, module_id=module.public_id), {}).status_code == 404


def test_a_foreign_choice_in_the_quiz_form_is_a_clear_400(tenant_a: Tenant, client_for) -> None:
    module = module_with_quiz(tenant_a.organization)
    question = next(iter(right_answers(module)))
    response = client_for(tenant_a.employee).post(
        url("onboarding_module", tenant_a, module_id=module.public_id), {f"q_{question}": ["not-a-choice"]}
    )
    assert response.status_code == 400 and "not one of the available choices" in response.content.decode()
    assert count(QuizAttempt, tenant_a) == 0


def test_a_member_applies_for_access_and_a_manager_approves(tenant_a: Tenant, client_for) -> None:
    OnboardingSettings.objects.create(organization=tenant_a.organization, access_approval_required=True)
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    certify(tenant_a.employee, policy, [])
    member = client_for(tenant_a.employee)
    page = member.get(url("onboarding", tenant_a)).content.decode()
    assert "Apply for access" in page
    member.post(url("onboarding_apply", tenant_a), {"message": "Ready"})
    with scopes_disabled():
        request = AccessRequest.objects.get(organization=tenant_a.organization)
    assert request.status == AccessRequestStatus.PENDING

    manager = client_for(tenant_a.manager)
    queue = manager.get(url("program_access_requests", tenant_a)).content.decode()
    assert "Ready" in queue
    declined = manager.post(
        url("program_access_request_decide", tenant_a, request_id=request.public_id), {"decision": "decline"}
    )
    assert "Say why" in " ".join(messages_of(manager.get(declined.url)))
    manager.post(url("program_access_request_decide", tenant_a, request_id=request.public_id), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.APPROVED and request.decided_by == tenant_a.manager
    page = client_for(tenant_a.employee).get(url("dashboard", tenant_a)).content.decode()
    assert "all set to share" in page


def test_applying_too_early_shows_why(tenant_a: Tenant, client_for) -> None:
    OnboardingSettings.objects.create(organization=tenant_a.organization, access_approval_required=True)
    PolicyVersionFactory(organization=tenant_a.organization)
    client = client_for(tenant_a.employee)
    response = client.post(url("onboarding_apply", tenant_a), {})
    assert "Finish your onboarding" in " ".join(messages_of(client.get(response.url)))
    assert count(AccessRequest, tenant_a) == 0


# The program -------------------------------------------------------------------------------


def test_a_manager_drafts_edits_and_publishes_a_version(tenant_a: Tenant, client_for) -> None:
    client = client_for(tenant_a.manager)
    response = client.post(url("program_policy_new", tenant_a), {"title": "Policy", "body": "Be kind."})
    with scopes_disabled():
        draft = PolicyVersion.objects.get(organization=tenant_a.organization)
    assert response.url == url("program_policy_detail", tenant_a, policy_id=draft.public_id)
    # Opening "new" again continues the draft.
    assert client.get(url("program_policy_new", tenant_a)).url == response.url
    client.post(response.url, {"title": "Policy", "body": "Be very kind."})
    client.post(url("program_policy_publish", tenant_a, policy_id=draft.public_id))
    draft.refresh_from_db()
    assert (draft.number, draft.body, draft.published_by) == (1, "Be very kind.", tenant_a.manager)
    edit = client.post(response.url, {"title": "Policy", "body": "Sneaky edit"})
    assert edit.status_code == 400 and "cannot be changed" in edit.content.decode()
    draft.refresh_from_db()
    assert draft.body == "Be very kind."
    listing = client.get(url("program_policy_list", tenant_a)).content.decode()
    assert 'data-testid="policy-version"' in listing


def test_a_manager_composes_a_module_with_a_quiz_and_publishes_it(tenant_a: Tenant, client_for) -> None:
    client = client_for(tenant_a.manager)
    bad = client.post(
        url("program_module_new", tenant_a),
        {"title": "Basics", "video_url": "ftp://example.com/v", "position": 1, "pass_mark": 101},
    )
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert "video_url" in errors and "pass_mark" in errors
    created = client.post(
        url("program_module_new", tenant_a),
        {
            "title": "Basics",
            "body": "Read this.",
            "video_url": "https://video.example/1",
            "is_required": "on",
            "position": 1,
            "pass_mark": 50,
        },
    )
    with scopes_disabled():
        module = TrainingModule.objects.get(organization=tenant_a.organization)
    assert created.url == url("program_module_edit", tenant_a, module_id=module.public_id)
    publish = url("program_module_publish", tenant_a, module_id=module.public_id)
    client.post(publish, {"publish": "1"})
    module.refresh_from_db()
    assert module.published_at is None  # no questions yet

    one_choice = client.post(
        url("program_question_new", tenant_a, module_id=module.public_id),
        {"text": "Q?", "choice_1": "Only", "correct_1": "on"},
    )
    assert one_choice.status_code == 400 and "2 to 6 choices" in one_choice.content.decode()
    client.post(
        url("program_question_new", tenant_a, module_id=module.public_id),
        {"text": "Q?", "choice_1": "Yes", "correct_1": "on", "choice_2": "No"},
    )
    client.post(publish, {"publish": "1"})
    module.refresh_from_db()
    assert module.is_published
    with scopes_disabled():
        question = QuizQuestion.objects.get(organization=tenant_a.organization)
    edit_page = client.get(
        url("program_question_edit", tenant_a, module_id=module.public_id, question_id=question.public_id)
    )
    assert edit_page.context["form"].initial["choice_2"] == "No"
    deleted = client.post(
        url("program_question_delete", tenant_a, module_id=module.public_id, question_id=question.public_id)
    )
    assert "Unpublish it first" in " ".join(messages_of(client.get(deleted.url)))
    member_page = client_for(tenant_a.employee).get(url("onboarding_module", tenant_a, module_id=module.public_id))
    body = member_page.content.decode()
    assert 'href="https://video.example/1"' in body and "<iframe" not in body


def test_the_acknowledgement_report_filters_and_counts(tenant_a: Tenant, client_for) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    certify(tenant_a.employee, policy, [])
    client = client_for(tenant_a.manager)
    response = client.get(url("program_acknowledgements", tenant_a))
    assert response.context["counts"] == {"total": 4, "acknowledged": 1, "pending": 3}
    pending = client.get(url("program_acknowledgements", tenant_a), {"state": "pending"})
    names = {m.user.email for m in pending.context["page_obj"]}
    assert names == {"admin@acme.example", "manager@acme.example", "executive@acme.example"}
    done = client.get(url("program_acknowledgements", tenant_a), {"state": "acknowledged", "role": Role.EMPLOYEE})
    assert [m.user.email for m in done.context["page_obj"]] == ["employee@acme.example"]


def test_the_settings_page_saves_the_sharing_rules(tenant_a: Tenant, client_for) -> None:
    client = client_for(tenant_a.manager)
    assert client.get(url("program_settings", tenant_a)).context["form"].initial == {
        "certification_required_to_share": True,
        "access_approval_required": False,
    }
    client.post(url("program_settings", tenant_a), {"access_approval_required": "on"})
    with organization_scope(tenant_a.organization):
        settings = OnboardingSettings.objects.get(organization=tenant_a.organization)
    assert (settings.certification_required_to_share, settings.access_approval_required) == (False, True)


def test_the_navigation_shows_onboarding_to_everyone_and_program_to_curators(tenant_a: Tenant, client_for) -> None:
    program = url("program", tenant_a)
    for role in Role.values:
        body = client_for(tenant_a.member(role)).get(url("dashboard", tenant_a)).content.decode()
        assert url("onboarding", tenant_a) in body
        assert (program in body) == (role in (Role.ADMIN, Role.MANAGER))


# Role matrix and other organisations -------------------------------------------------------


def program_pages(tenant: Tenant) -> list[str]:
    objects = _objects(tenant)
    module_id, question_id = objects["module"].public_id, objects["question"].public_id
    return [
        url("program", tenant),
        url("program_policy_list", tenant),
        url("program_policy_new", tenant),
        url("program_policy_detail", tenant, policy_id=objects["policy"].public_id),
        url("program_acknowledgements", tenant),
        url("program_module_list", tenant),
        url("program_module_new", tenant),
        url("program_module_edit", tenant, module_id=module_id),
        url("program_question_new", tenant, module_id=module_id),
        url("program_question_edit", tenant, module_id=module_id, question_id=question_id),
        url("program_access_requests", tenant),
        url("program_settings", tenant),
    ]


def program_actions(tenant: Tenant) -> list[str]:
    objects = _objects(tenant)
    module_id, question_id = objects["module"].public_id, objects["question"].public_id
    return [
        url("program_policy_publish", tenant, policy_id=objects["policy"].public_id),
        url("program_policy_delete", tenant, policy_id=objects["policy"].public_id),
        url("program_module_publish", tenant, module_id=module_id),
        url("program_module_delete", tenant, module_id=module_id),
        url("program_question_delete", tenant, module_id=module_id, question_id=question_id),
        url("program_access_request_decide", tenant, request_id=objects["request"].public_id),
    ]


def _objects(tenant: Tenant) -> dict[str, object]:
    with scopes_disabled():  # fixture data
        module = TrainingModule.objects.filter(organization=tenant.organization).first()
        if module is None:
            module = module_with_quiz(tenant.organization, title=f"{tenant.organization.name} module")
            PolicyVersionFactory(organization=tenant.organization, number=None, published_at=None, title="Secret draft")
            AccessRequestFactory(organization=tenant.organization, membership=tenant.employee)
        return {
            "module": module,
            "question": QuizQuestion.objects.filter(module=module).first(),
            "policy": PolicyVersion.objects.get(organization=tenant.organization),
            "request": AccessRequest.objects.get(organization=tenant.organization),
        }


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.EMPLOYEE])
def test_executives_and_employees_cannot_open_or_change_the_program(tenant_a: Tenant, client_for, role: str) -> None:
    client = client_for(tenant_a.member(role))
    for page in program_pages(tenant_a):
        assert client.get(page).status_code == 403, page
        assert client.post(page, {"title": "x", "body": "x", "text": "x"}).status_code == 403, page
    for action in program_actions(tenant_a):
        assert client.post(action, {"decision": "approve"}).status_code == 403, action
    with scopes_disabled():
        assert TrainingModule.objects.filter(organization=tenant_a.organization).count() == 1
        assert AccessRequest.objects.get(organization=tenant_a.organization).status == AccessRequestStatus.PENDING


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER])
def test_curators_open_every_program_page(tenant_a: Tenant, client_for, role: str) -> None:
    client = client_for(tenant_a.member(role))
    for page in program_pages(tenant_a):
        response = client.get(page)
        assert response.status_code in (200, 302), page  # "new policy" continues the draft
    for action in program_actions(tenant_a):
        assert client.get(action).status_code == 405, action


@pytest.mark.parametrize("role", Role.values)
def test_every_role_opens_the_member_pages(tenant_a: Tenant, client_for, role: str) -> None:
    PolicyVersionFactory(organization=tenant_a.organization)
    module = module_with_quiz(tenant_a.organization)
    client = client_for(tenant_a.member(role))
    for page in (
        url("onboarding", tenant_a),
        url("onboarding_policy", tenant_a),
        url("onboarding_module", tenant_a, module_id=module.public_id),
    ):
        assert client.get(page).status_code == 200, page
    assert client.get(url("onboarding_apply", tenant_a)).status_code == 405


def test_another_organisations_ids_are_not_found_and_change_nothing(
    tenant_a: Tenant, tenant_b: Tenant, client_for
) -> None:
    _objects(tenant_a)
    foreign_pages = program_pages(tenant_b)
    foreign_actions = program_actions(tenant_b)
    own_slug, foreign_slug = f"/o/{tenant_a.organization.slug}/", f"/o/{tenant_b.organization.slug}/"
    client = client_for(tenant_a.manager)
    for page in foreign_pages + foreign_actions:
        path = page.replace(foreign_slug, own_slug)
        if path in program_pages(tenant_a):
            continue  # pages without an object id are A's own
        for response in (client.get(path), client.post(path, {"decision": "approve", "title": "x", "body": "x"})):
            assert response.status_code in (404, 405), path
            assert b"Globex" not in response.content
    module = _objects(tenant_b)["module"]
    assert client.get(url("onboarding_module", tenant_a, module_id=module.public_id)).status_code == 404  # type: ignore[attr-defined]
    with scopes_disabled():
        assert AccessRequest.objects.get(organization=tenant_b.organization).status == AccessRequestStatus.PENDING
        assert TrainingModule.objects.filter(organization=tenant_b.organization).count() == 1


def test_a_question_of_another_module_is_not_found(tenant_a: Tenant, client_for) -> None:
    first = module_with_quiz(tenant_a.organization)
    second = module_with_quiz(tenant_a.organization)
    with scopes_disabled():
        question = QuizQuestion.objects.filter(module=second).first()
    path = url("program_question_edit", tenant_a, module_id=first.public_id, question_id=question.public_id)  # type: ignore[union-attr]
    assert client_for(tenant_a.manager).get(path).status_code == 404
