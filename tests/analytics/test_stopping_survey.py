"""“What's stopping you?”: who is offered it and when, answering and “Not now”."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import MembershipStatus
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import Share, ShareState
from analytics import selectors, services
from analytics.models import ListeningPromptState, StoppingAnswer
from tests.advocacy.support import connect, queued_share
from tests.analytics.support import NOW, url
from tests.conftest import Tenant
from tests.factories import MembershipFactory
from tests.factories_onboarding import PolicyVersionFactory, certify

pytestmark = pytest.mark.django_db


def joined(tenant: Tenant, days: int, **fields: object):  # type: ignore[no-untyped-def]
    return MembershipFactory(organization=tenant.organization, joined_at=NOW - timedelta(days=days), **fields)


def due(member) -> bool:  # type: ignore[no-untyped-def]
    with organization_scope(member.organization):
        return selectors.member_due_stopping_survey(membership=member, now=NOW)


def due_list(tenant: Tenant) -> list:  # type: ignore[type-arg]
    with organization_scope(tenant.organization):
        return selectors.members_due_stopping_survey(organization=tenant.organization, now=NOW)


def test_a_certified_member_who_joined_30_days_ago_is_asked(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 30)
    assert due(member)
    assert member in due_list(tenant_a)


def test_a_member_who_joined_29_days_ago_is_not_asked_yet(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 29)
    assert not due(member)
    assert member not in due_list(tenant_a)


def test_an_uncertified_member_is_not_asked(tenant_a: Tenant) -> None:
    policy = PolicyVersionFactory(organization=tenant_a.organization)
    uncertified = joined(tenant_a, 60)
    certified = joined(tenant_a, 60)
    certify(certified, policy, [])
    assert not due(uncertified) and due(certified)
    assert uncertified not in due_list(tenant_a) and certified in due_list(tenant_a)


def test_an_inactive_member_is_not_asked(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 60, status=MembershipStatus.DEACTIVATED)
    assert not due(member) and member not in due_list(tenant_a)


def test_a_recent_share_holds_the_survey_back(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 200)
    share = queued_share(connect(member))
    with scopes_disabled():  # test set-up: the share was posted 29 days ago
        Share.objects.filter(pk=share.pk).update(state=ShareState.POSTED, posted_at=NOW - timedelta(days=29))
    assert not due(member) and member not in due_list(tenant_a)
    with scopes_disabled():
        Share.objects.filter(pk=share.pk).update(posted_at=NOW - timedelta(days=30))
    assert due(member) and member in due_list(tenant_a)


def test_a_share_that_never_posted_does_not_count(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 200)
    queued_share(connect(member))
    with organization_scope(tenant_a.organization):
        assert selectors.last_shared_at(member) is None
    assert due(member)


def test_answering_hides_the_survey_for_90_days(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 400)
    with organization_scope(tenant_a.organization):
        services.stopping_answer_submit(
            membership=member, reasons=["no_time"], other_text="", now=NOW - timedelta(days=89)
        )
    assert not due(member) and member not in due_list(tenant_a)
    with scopes_disabled():  # moving the clock on the fixture
        ListeningPromptState.objects.filter(membership=member).update(stopping_answered_at=NOW - timedelta(days=90))
    assert due(member) and member in due_list(tenant_a)


def test_not_now_hides_the_survey_for_30_days(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 400)
    with organization_scope(tenant_a.organization):
        services.stopping_survey_dismiss(membership=member, now=NOW - timedelta(days=29))
    assert not due(member) and member not in due_list(tenant_a)
    with organization_scope(tenant_a.organization):
        services.stopping_survey_dismiss(membership=member, now=NOW - timedelta(days=30))
    assert due(member) and member in due_list(tenant_a)


def test_the_answer_keeps_department_and_location_but_not_the_member(tenant_a: Tenant) -> None:
    member = joined(tenant_a, 60, department="Sales", location="Paris")
    with organization_scope(tenant_a.organization):
        services.stopping_answer_submit(
            membership=member, reasons=["unsure_allowed", "other"], other_text="  Fear of typos  ", now=NOW
        )
    member.department = "Legal"
    member.save()
    with scopes_disabled():  # reading the stored row
        answer = StoppingAnswer.objects.get(organization=tenant_a.organization)
    assert (answer.department, answer.location, answer.other_text) == ("Sales", "Paris", "Fear of typos")
    assert answer.reasons() == ["unsure_allowed", "other"]
    assert not any(f.name == "membership" for f in StoppingAnswer._meta.get_fields())


@pytest.mark.parametrize(
    ("reasons", "other_text", "field"),
    [([], "", "reasons"), (["other"], " ", "other_text"), (["made_up"], "", "reasons")],
)
def test_an_incomplete_answer_is_refused(tenant_a: Tenant, reasons, other_text, field) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    with organization_scope(tenant_a.organization), pytest.raises(ValidationError) as error:
        services.stopping_answer_submit(membership=tenant_a.employee, reasons=reasons, other_text=other_text, now=NOW)
    assert field in error.value.message_dict


def test_a_second_answer_in_the_quiet_period_is_refused(tenant_a: Tenant) -> None:
    from django.core.exceptions import ValidationError

    with organization_scope(tenant_a.organization):
        services.stopping_answer_submit(membership=tenant_a.employee, reasons=["no_time"], other_text="", now=NOW)
        with pytest.raises(ValidationError):
            services.stopping_answer_submit(
                membership=tenant_a.employee, reasons=["no_time"], other_text="", now=NOW + timedelta(days=1)
            )
        assert StoppingAnswer.objects.filter(organization=tenant_a.organization).count() == 1


def test_the_dashboard_loads_the_prompt_and_the_member_answers(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=tenant_a.organization)
    with scopes_disabled():
        type(member).objects.filter(pk=member.pk).update(joined_at=member.joined_at - timedelta(days=45))
    client = client_for(member)
    dashboard = client.get(url("accounts:dashboard", tenant_a)).content.decode()
    assert url("analytics:listening_prompt", tenant_a) in dashboard
    prompt = client.get(url("analytics:listening_prompt", tenant_a), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="stopping-prompt"' in prompt
    refused = client.post(url("analytics:listening_stopping", tenant_a), {"reasons": ["other"]})
    assert refused.status_code == 400
    response = client.post(url("analytics:listening_stopping", tenant_a), {"reasons": ["no_time", "not_relevant"]})
    assert response.status_code == 302
    assert client.get(url("analytics:listening_prompt", tenant_a)).content == b""


def test_not_now_from_the_prompt_replaces_it_with_a_note(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=tenant_a.organization)
    with scopes_disabled():
        type(member).objects.filter(pk=member.pk).update(joined_at=member.joined_at - timedelta(days=45))
    client = client_for(member)
    response = client.post(url("analytics:listening_stopping_dismiss", tenant_a), HTTP_HX_REQUEST="true")
    assert 'data-testid="prompt-dismissed"' in response.content.decode()
    assert client.get(url("analytics:listening_prompt", tenant_a)).content == b""
