"""Who can reach /o/<slug>/: members only, and nobody learns that other organisations exist."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import MembershipStatus, Role
from accounts.tenancy import current_organization
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/o/acme/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/acme/")


def test_anonymous_visitors_get_the_same_answer_for_an_organisation_that_does_not_exist(client: Client) -> None:
    assert client.get("/o/no-such-org/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", Role.values)
def test_each_role_sees_its_own_dashboard(client_for, tenant_a, role: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.member(role)).get("/o/acme/")
    assert response.status_code == 200
    titles = {
        Role.ADMIN: "Administration",
        Role.MANAGER: "Program overview",
        Role.EXECUTIVE: "Business impact",
        Role.EMPLOYEE: "Welcome,",
    }
    assert titles[role] in response.content.decode()


def test_a_member_of_another_organisation_gets_404(client_for, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.admin).get("/o/globex/")
    assert response.status_code == 404
    assert b"Globex" not in response.content


def test_an_unknown_organisation_and_a_foreign_one_look_the_same(client_for, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    foreign, missing = client.get("/o/globex/profile/"), client.get("/o/nothing-here/profile/")
    assert foreign.status_code == missing.status_code == 404


def test_a_deactivated_member_is_told_their_access_ended(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    tenant_a.employee.status = MembershipStatus.DEACTIVATED
    tenant_a.employee.save()
    response = client_for(tenant_a.employee).get("/o/acme/")
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()


def test_someone_still_invited_cannot_enter_before_accepting(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    tenant_a.employee.status = MembershipStatus.INVITED
    tenant_a.employee.save()
    assert client_for(tenant_a.employee).get("/o/acme/").status_code == 404


def test_a_person_in_two_organisations_chooses_and_switches(client: Client, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(organization=tenant_b.organization, user=tenant_a.manager.user, role=Role.EMPLOYEE)
    client.force_login(tenant_a.manager.user)
    chooser = client.get("/")
    assert chooser.status_code == 200
    assert "Acme" in chooser.content.decode() and "Globex" in chooser.content.decode()

    assert "Program overview" in client.get("/o/acme/").content.decode()  # manager in Acme
    assert "Welcome," in client.get("/o/globex/").content.decode()  # employee in Globex
    # The last organisation visited is where the home page sends them next time.
    assert client.get("/")["Location"] == "/o/globex/"


def test_a_person_with_one_organisation_goes_straight_to_it(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.employee).get("/")["Location"] == "/o/acme/"


def test_no_scope_leaks_out_of_a_request(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    client_for(tenant_a.employee).get("/o/acme/")
    assert current_organization() is None


def test_the_health_check_answers_without_a_session(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_browsing_the_same_organisation_does_not_rewrite_the_session(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(tenant_a.employee)
    client.get("/o/acme/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/o/acme/profile/")
    assert not [q for q in queries.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]


def test_finding_the_tenant_of_a_request_is_one_query(tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.selectors import membership_for_user

    with CaptureQueriesContext(connection) as queries:
        found = membership_for_user(user=tenant_a.employee.user, organization_slug="acme")
        foreign = membership_for_user(user=tenant_a.employee.user, organization_slug="globex")
        missing = membership_for_user(user=tenant_a.employee.user, organization_slug="nowhere")
    assert found == tenant_a.employee and found.organization == tenant_a.organization
    assert foreign is None and missing is None
    assert len(queries.captured_queries) == 3
