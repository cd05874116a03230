from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Membership, MembershipStatus, Organization, Role
from accounts.tenancy import organization_scope

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_acme_and_can_run_twice(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "admin@acme.example" in output and "chorus-demo" in output

    acme = Organization.objects.get(slug="acme")
    with organization_scope(acme):
        members = Membership.objects.filter(organization=acme, status=MembershipStatus.ACTIVE)
        roles = sorted(members.values_list("role", flat=True))
        assert members.count() == 15
        assert roles.count(Role.EMPLOYEE) == 12
        assert {Role.ADMIN, Role.MANAGER, Role.EXECUTIVE} <= set(roles)
        assert members.filter(is_hourly=True).exists()
        assert len(set(members.values_list("department", flat=True))) >= 5


def test_the_printed_demo_login_works() -> None:
    call_command("seed_demo")
    client = Client()
    response = client.post("/accounts/login/", {"login": "employee1@acme.example", "password": "chorus-demo"})
    assert response.status_code == 302
    assert client.get("/o/acme/").status_code == 200
