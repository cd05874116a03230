"""The sign-in and account pages (django-allauth) render in the Chorus shell, with
visible labels and no invitation-free way in."""

from __future__ import annotations

import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth counts sign-in attempts in the cache, shared by every test of this process.
    cache.clear()


def assert_chorus_page(html: str) -> None:
    assert 'href="/static/css/chorus.css"' in html
    assert '<main id="main"' in html
    # Strict CSP: nothing inline.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key_done",
        "account_email_verification_sent",
        "account_inactive",
        "account_signup",
    ],
)
def test_anonymous_account_pages_render_in_the_chorus_shell(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert_chorus_page(response.content.decode())


def test_sign_in_page_has_labelled_fields_and_no_sign_up(client: Client) -> None:
    html = client.get(reverse("account_login") + "?next=/o/acme/").content.decode()

    assert '<label class="form-label" for="id_login">' in html
    assert '<label class="form-label" for="id_password">' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="current-password"' in html
    assert "placeholder=" not in html
    assert 'name="next" value="/o/acme/"' in html
    assert "Chorus is invitation-only. Ask your admin for an invitation." in html
    assert "Forgot your password?" in html
    assert reverse("account_signup") not in html


def test_sign_up_says_chorus_is_invitation_only(client: Client) -> None:
    response = client.get(reverse("account_signup"))

    assert "Chorus is invitation-only" in response.content.decode()


def test_a_wrong_password_shows_an_error_tied_to_the_form(client: Client) -> None:
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": "not-the-password"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="alert alert-danger" role="alert"' in html
    assert "not correct" in html
    assert "_auth_user_id" not in client.session


def test_missing_fields_are_marked_invalid_and_described(client: Client) -> None:
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby=" id_login_error"' in html or 'aria-describedby="id_login_error"' in html
    assert 'id="id_login_error"' in html


def test_signed_in_pages_render_in_the_chorus_shell(client: Client) -> None:
    client.force_login(UserFactory())

    for url_name in ("account_logout", "account_change_password"):
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert_chorus_page(response.content.decode())


def test_password_change_shows_password_rules_as_described_help(client: Client) -> None:
    client.force_login(UserFactory())

    html = client.get(reverse("account_change_password")).content.decode()

    assert 'autocomplete="new-password"' in html
    assert 'aria-describedby="id_password1_helptext"' in html
    assert 'id="id_password1_helptext"' in html


def test_password_reset_link_opens_the_new_password_form(client: Client) -> None:
    user = UserFactory()
    url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )

    response = client.get(url, follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a new password" in html
    assert 'autocomplete="new-password"' in html
    assert_chorus_page(html)


def test_a_used_password_reset_link_says_it_no_longer_works(client: Client) -> None:
    user = UserFactory()
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": "bad-key"})

    response = client.get(url, follow=True)

    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_email_confirmation_page_renders_for_a_valid_and_an_invalid_key(client: Client) -> None:
    user = UserFactory()
    address = EmailAddress.objects.get(user=user)
    address.verified = False
    address.save()
    key = EmailConfirmationHMAC(address).key

    valid = client.get(reverse("account_confirm_email", kwargs={"key": key}))
    invalid = client.get(reverse("account_confirm_email", kwargs={"key": "nonsense"}))

    assert valid.status_code == 200
    assert "Confirm your email address" in valid.content.decode()
    assert_chorus_page(valid.content.decode())
    assert invalid.status_code == 200
    assert "expired or is invalid" in invalid.content.decode()


def test_signing_in_with_the_right_password_reaches_chorus(client: Client) -> None:
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_wrong_passwords_are_refused_with_a_clear_message(client: Client) -> None:
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "not-the-password"})

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_too_many_sign_in_attempts_get_the_chorus_429_page(client: Client) -> None:
    responses = [
        client.post(reverse("account_login"), {"login": f"nobody{n}@example.com", "password": "x"}) for n in range(31)
    ]

    assert responses[-1].status_code == 429
    assert "Too many attempts" in responses[-1].content.decode()
    assert_chorus_page(responses[-1].content.decode())
