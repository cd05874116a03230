"""Onboarding through the API: the policy and acknowledging it, modules and quiz attempts,
certification status, the managers' report and access queue; roles and other organisations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccessRequest, AccessRequestStatus, OnboardingSettings, QuizAttempt, Role
from accounts.tenancy import scopes_disabled
from tests.conftest import Tenant
from tests.factories_onboarding import (
    AccessRequestFactory,
    PolicyVersionFactory,
    certify,
    module_with_quiz,
    right_answers,
)

pytestmark = pytest.mark.django_db


def api(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def as_list(answers: dict[str, list[str]]) -> list[dict[str, Any]]:
    return [{"question": question, "choices": choices} for question, choices in answers.items()]


def test_a_member_acknowledges_passes_and_becomes_certified(tenant_a: Tenant, client_for) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization, title="Our policy")
    module = module_with_quiz(tenant_a.organization, title="Basics")
    client = client_for(tenant_a.employee)

    status = client.get(api("onboarding_status", tenant_a)).json()
    assert (status["certified"], status["may_share"], status["policy_version"]) == (False, False, 1)
    assert [step["kind"] for step in status["steps"]] == ["policy", "module"]
    assert status["steps"][1]["module_id"] == str(module.public_id)

    current = client.get(api("onboarding_policy", tenant_a)).json()
    assert (current["id"], current["title"], current["acknowledged"]) == (str(policy.public_id), "Our policy", False)
    acknowledged = post(client, api("onboarding_policy_acknowledge", tenant_a), {"version": str(policy.public_id)})
    assert acknowledged.status_code == 201 and acknowledged.json()["number"] == 1

    modules = client.get(api("onboarding_module_list", tenant_a)).json()["results"]
    assert [(m["title"], m["passed"], m["question_count"]) for m in modules] == [("Basics", False, 2)]
    detail = client.get(api("onboarding_module_detail", tenant_a, module_id=module.public_id)).json()
    assert len(detail["questions"]) == 2 and "is_correct" not in json.dumps(detail)

    attempts = api("onboarding_attempts", tenant_a, module_id=module.public_id)
    failed = post(client, attempts, {"answers": []})
    assert failed.status_code == 201 and (failed.json()["score"], failed.json()["passed"]) == (0, False)
    passed = post(client, attempts, {"answers": as_list(right_answers(module))})
    assert (passed.json()["score"], passed.json()["passed"]) == (100, True)
    assert [a["passed"] for a in client.get(attempts).json()["results"]] == [True, False]

    status = client.get(api("onboarding_status", tenant_a)).json()
    assert (status["certified"], status["may_share"], status["reasons"]) == (True, True, [])


def test_no_policy_is_a_404_with_a_clear_message(tenant_a: Tenant, client_for) -> None:
    response = client_for(tenant_a.employee).get(api("onboarding_policy", tenant_a))
    assert response.status_code == 404 and response.json() == {"detail": "No policy has been published yet."}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "version"),
        ({"version": "nope"}, "version"),
        ({"version": "00000000-0000-0000-0000-000000000000"}, "version"),
        ({"version": None, "extra": 1}, "extra"),
    ],
)
def test_bad_acknowledgements_are_400(tenant_a: Tenant, client_for, body: dict[str, Any], field: str) -> None:
    PolicyVersionFactory(organization=tenant_a.organization)
    response = post(client_for(tenant_a.employee), api("onboarding_policy_acknowledge", tenant_a), body)
    assert response.status_code == 400 and field in response.json()


def test_an_old_version_cannot_be_acknowledged(tenant_a: Tenant, client_for) -> None:
    old = PolicyVersionFactory(organization=tenant_a.organization)
    PolicyVersionFactory(organization=tenant_a.organization)
    response = post(
        client_for(tenant_a.employee), api("onboarding_policy_acknowledge", tenant_a), {"version": str(old.public_id)}
    )
    assert response.status_code == 400 and "not the current policy version" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": "all of them"},
        {"answers": [{"question": "x", "choices": []}]},
        {"answers": [{"question": "00000000-0000-0000-0000-000000000000", "choices": []}]},
    ],
)
def test_bad_quiz_submissions_are_400_and_record_nothing(tenant_a: Tenant, client_for, body: Any) -> None:
    module = module_with_quiz(tenant_a.organization)
    response = post(
        client_for(tenant_a.employee), api("onboarding_attempts", tenant_a, module_id=module.public_id), body
    )
    assert response.status_code == 400 and "answers" in response.json()
    with scopes_disabled():
        assert not QuizAttempt.objects.exists()


def test_a_question_answered_twice_is_400(tenant_a: Tenant, client_for) -> None:
    module = module_with_quiz(tenant_a.organization)
    question, choices = next(iter(right_answers(module).items()))
    body = {"answers": [{"question": question, "choices": choices}, {"question": question, "choices": []}]}
    response = post(
        client_for(tenant_a.employee), api("onboarding_attempts", tenant_a, module_id=module.public_id), body
    )
    assert response.status_code == 400 and "answered twice" in json.dumps(response.json())


def test_a_draft_module_is_not_found(tenant_a: Tenant, client_for) -> None:
    module = module_with_quiz(tenant_a.organization, published_at=None)
    client = client_for(tenant_a.employee)
    assert client.get(api("onboarding_module_detail", tenant_a, module_id=module.public_id)).status_code == 404
    response = post(client, api("onboarding_attempts", tenant_a, module_id=module.public_id), {"answers": []})
    assert response.status_code == 404


def test_access_requests_apply_list_and_decide(tenant_a: Tenant, client_for) -> None:
    OnboardingSettings.objects.create(organization=tenant_a.organization, access_approval_required=True)
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    member = client_for(tenant_a.employee)
    too_early = post(member, api("onboarding_access_requests", tenant_a), {})
    assert too_early.status_code == 400 and "Finish your onboarding" in too_early.json()["detail"]
    certify(tenant_a.employee, policy, [])
    applied = post(member, api("onboarding_access_requests", tenant_a), {"message": "Please"})
    assert applied.status_code == 201 and applied.json()["status"] == "pending"
    assert member.get(api("onboarding_access_requests", tenant_a)).status_code == 403

    manager = client_for(tenant_a.manager)
    queue = manager.get(api("onboarding_access_requests", tenant_a), {"status": "pending"}).json()["results"]
    assert [(r["email"], r["message"]) for r in queue] == [("employee@acme.example", "Please")]
    assert manager.get(api("onboarding_access_requests", tenant_a), {"status": "maybe"}).status_code == 400
    decide = api("onboarding_access_request_decide", tenant_a, request_id=queue[0]["id"])
    assert post(manager, decide, {"decision": "decline"}).json() == {
        "reason": ["Say why the request is declined: the member sees it."]
    }
    assert post(manager, decide, {"decision": "perhaps"}).status_code == 400
    approved = post(manager, decide, {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["decided_by"] == "manager@acme.example"
    assert post(manager, decide, {"decision": "approve"}).json() == {"detail": "This request was already approved."}
    assert client_for(tenant_a.employee).get(api("onboarding_status", tenant_a)).json()["may_share"] is True


def test_the_acknowledgement_report_has_counts_and_filters(tenant_a: Tenant, client_for) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    certify(tenant_a.employee, policy, [])
    client = client_for(tenant_a.manager)
    report = client.get(api("onboarding_acknowledgements", tenant_a)).json()
    assert report["policy_version"] == 1 and report["counts"] == {"total": 4, "acknowledged": 1, "pending": 3}
    acknowledged = client.get(api("onboarding_acknowledgements", tenant_a), {"state": "acknowledged"}).json()
    assert [(r["email"], r["acknowledged_at"] is not None) for r in acknowledged["results"]] == [
        ("employee@acme.example", True)
    ]
    assert client.get(api("onboarding_acknowledgements", tenant_a), {"state": "bogus"}).status_code == 400


MEMBER_ENDPOINTS = ["onboarding_status", "onboarding_policy", "onboarding_module_list"]
CURATOR_ENDPOINTS = ["onboarding_acknowledgements", "onboarding_access_requests"]


@pytest.mark.parametrize("role", Role.values)
def test_the_role_matrix(tenant_a: Tenant, client_for, role: str) -> None:
    PolicyVersionFactory(organization=tenant_a.organization)
    module = module_with_quiz(tenant_a.organization)
    request = AccessRequestFactory(organization=tenant_a.organization, membership=tenant_a.employee)
    client = client_for(tenant_a.member(role))
    for name in MEMBER_ENDPOINTS:
        assert client.get(api(name, tenant_a)).status_code == 200, name
    assert client.get(api("onboarding_module_detail", tenant_a, module_id=module.public_id)).status_code == 200
    curator = role in (Role.ADMIN, Role.MANAGER)
    for name in CURATOR_ENDPOINTS:
        assert client.get(api(name, tenant_a)).status_code == (200 if curator else 403), name
    decide = post(
        client, api("onboarding_access_request_decide", tenant_a, request_id=request.public_id), {"decision": "approve"}
    )
    assert decide.status_code == (200 if curator else 403)
    with scopes_disabled():
        status = AccessRequest.objects.get(pk=request.pk).status
    assert status == (AccessRequestStatus.APPROVED if curator else AccessRequestStatus.PENDING)


def test_anonymous_callers_are_refused(tenant_a: Tenant, client: Client) -> None:
    assert client.get(api("onboarding_status", tenant_a)).status_code in (401, 403)


def test_another_organisations_ids_are_404_with_none_of_its_data(
    tenant_a: Tenant, tenant_b: Tenant, client_for
) -> None:
    module = module_with_quiz(tenant_b.organization, title="Globex secret module")
    policy = PolicyVersionFactory(organization=tenant_b.organization)
    request = AccessRequestFactory(organization=tenant_b.organization, membership=tenant_b.employee)
    client = client_for(tenant_a.manager)
    responses = [
        client.get(api("onboarding_module_detail", tenant_a, module_id=module.public_id)),
        client.get(api("onboarding_attempts", tenant_a, module_id=module.public_id)),
        post(client, api("onboarding_attempts", tenant_a, module_id=module.public_id), {"answers": []}),
        post(
            client,
            api("onboarding_access_request_decide", tenant_a, request_id=request.public_id),
            {"decision": "approve"},
        ),
    ]
    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert all(b"Globex" not in r.content for r in responses)
    foreign_ack = post(client, api("onboarding_policy_acknowledge", tenant_a), {"version": str(policy.public_id)})
    assert foreign_ack.status_code == 400 and "There is no policy version" in foreign_ack.json()["version"][0]
    assert client.get(api("onboarding_status", tenant_b)).status_code == 404
    with scopes_disabled():
        assert AccessRequest.objects.get(pk=request.pk).status == AccessRequestStatus.PENDING
        assert not QuizAttempt.objects.exists()
