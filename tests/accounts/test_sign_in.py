"""Signing in, out and resetting a password with email as the login; no open sign-up."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


def test_a_member_signs_in_with_their_email_and_reaches_their_organisation(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"login": "EMPLOYEE@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/o/acme/"


def test_a_wrong_password_is_refused_with_a_message(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/accounts/login/", {"login": "employee@acme.example", "password": "wrong-password"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/o/acme/").status_code == 302


def test_repeated_failures_are_throttled(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        client.post("/accounts/login/", {"login": "employee@acme.example", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": "employee@acme.example", "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/o/acme/").status_code == 302  # even the right password waits


def test_sign_up_is_closed(client: Client) -> None:
    response = client.post(
        "/accounts/signup/", {"email": "stranger@example.com", "password1": "x" * 16, "password2": "x" * 16}
    )
    assert "stranger@example.com" not in str(list(mail.outbox))
    from accounts.models import User

    assert not User.objects.filter(email="stranger@example.com").exists()
    assert response.status_code in (200, 403)


def test_signing_out_needs_a_post(client_for, tenant_a) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    client.get("/accounts/logout/")
    assert client.get("/o/acme/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/o/acme/").status_code == 302


def test_a_forgotten_password_can_be_reset_by_email(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    client.post("/accounts/password/reset/", {"email": "employee@acme.example"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    new_password = "a-fresh-long-passphrase-42"
    client.post(action, {"password1": new_password, "password2": new_password})
    tenant_a.employee.user.refresh_from_db()
    assert tenant_a.employee.user.check_password(new_password)


def test_a_reset_for_an_unknown_email_reveals_nothing(client: Client) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 0


def test_an_unverified_email_must_be_confirmed_before_signing_in(client: Client, db) -> None:  # type: ignore[no-untyped-def]
    from allauth.account.models import EmailAddress

    member = MembershipFactory(user__verified_email=False)
    EmailAddress.objects.create(user=member.user, email=member.user.email, verified=False, primary=True)
    response = client.post("/accounts/login/", {"login": member.user.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/confirm-email/")
    assert len(mail.outbox) == 1
    assert client.get(f"/o/{member.organization.slug}/").status_code == 302
