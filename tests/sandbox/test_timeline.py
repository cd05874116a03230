"""The Sandbox's pages: the signed-in person's timeline, an account's page and a post's
permalink."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from sandbox import services
from sandbox.models import SandboxAccount, SandboxPost
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> User:
    return UserFactory(full_name="Ada Lovelace")


@pytest.fixture
def account(person: User) -> SandboxAccount:
    return services.account_for_user(user=person)


@pytest.fixture
def signed_in(client: Client, person: User) -> Client:
    client.force_login(person)
    return client


def post_as(account: SandboxAccount, text: str, *, age: timedelta = timedelta(hours=2)) -> SandboxPost:
    return SandboxPost.objects.create(
        account=account, text=text, link_url=services.first_link(text), created_at=timezone.now() - age
    )


def test_the_timeline_asks_a_signed_out_visitor_to_sign_in(client: Client) -> None:
    response = client.get("/sandbox/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_timeline_shows_my_posts_newest_first_with_their_metrics(
    signed_in: Client, account: SandboxAccount
) -> None:
    older = post_as(account, "An older post", age=timedelta(days=1))
    newer = post_as(account, "A newer post", age=timedelta(hours=1))

    page = signed_in.get("/sandbox/").content.decode()

    assert page.index("A newer post") < page.index("An older post")
    assert f"/sandbox/@ada-lovelace/{newer.public_id}/" in page
    assert f'{services.post_metrics(older).impressions} <span class="visually-hidden">impressions</span>' in page
    assert "@ada-lovelace" in page


def test_links_in_a_post_are_clickable(signed_in: Client, account: SandboxAccount) -> None:
    post_as(account, "Read this: https://go.chorus.example/s/Ab3?utm_source=sandbox&x=1.\nSecond line")

    page = signed_in.get("/sandbox/").content.decode()

    assert (
        '<a href="https://go.chorus.example/s/Ab3?utm_source=sandbox&amp;x=1" rel="nofollow ugc">'
        "https://go.chorus.example/s/Ab3?utm_source=sandbox&amp;x=1</a>.<br>Second line"
    ) in page


def test_markup_in_a_post_is_shown_as_text(signed_in: Client, account: SandboxAccount) -> None:
    post_as(account, '<script>alert("x")</script> <b>bold</b> https://example.com/"><script>')

    page = signed_in.get("/sandbox/").content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert '<a href="https://example.com/"' in page
    assert '"><script>' not in page


def test_other_peoples_posts_are_not_on_my_timeline(signed_in: Client, account: SandboxAccount) -> None:
    someone = services.account_for_user(user=UserFactory(full_name="Charles Babbage"))
    post_as(someone, "The analytical engine")
    post_as(account, "Mine")

    page = signed_in.get("/sandbox/").content.decode()

    assert "Mine" in page
    assert "analytical engine" not in page


def test_a_deleted_post_is_not_shown(signed_in: Client, account: SandboxAccount) -> None:
    gone = post_as(account, "Deleted words")
    SandboxPost.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())

    assert "Deleted words" not in signed_in.get("/sandbox/").content.decode()
    assert signed_in.get(f"/sandbox/@ada-lovelace/{gone.public_id}/").status_code == 404


def test_an_empty_timeline_explains_the_sandbox_and_how_to_connect_it(signed_in: Client) -> None:
    page = signed_in.get("/sandbox/").content.decode()

    assert "Nothing on your Sandbox timeline yet" in page
    assert "built into Chorus" in page
    assert "Connect it from Chorus's Connections page" in page


def test_the_timeline_is_paginated(signed_in: Client, account: SandboxAccount) -> None:
    for number in range(25):
        post_as(account, f"Post number {number:02d}", age=timedelta(minutes=60 - number))

    first = signed_in.get("/sandbox/").content.decode()
    second = signed_in.get("/sandbox/", {"page": 2}).content.decode()

    assert "Post number 24" in first and "Post number 05" in first
    assert "Post number 04" not in first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    assert "Post number 04" in second and "Post number 00" in second
    assert "Post number 05" not in second


def test_a_page_number_past_the_end_shows_the_last_page(signed_in: Client, account: SandboxAccount) -> None:
    post_as(account, "Only post")

    response = signed_in.get("/sandbox/", {"page": "99"})

    assert response.status_code == 200
    assert "Only post" in response.content.decode()


def test_my_account_page_shows_my_posts(signed_in: Client, account: SandboxAccount) -> None:
    post_as(account, "Hello from my profile")

    response = signed_in.get("/sandbox/@ada-lovelace/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ada Lovelace" in page
    assert "Hello from my profile" in page


def test_an_account_with_no_posts_says_so(signed_in: Client, account: SandboxAccount) -> None:
    assert "No posts yet" in signed_in.get("/sandbox/@ada-lovelace/").content.decode()


def test_a_missing_handle_is_not_found(signed_in: Client) -> None:
    assert signed_in.get("/sandbox/@nobody-here/").status_code == 404


def test_someone_elses_account_and_posts_are_not_found(signed_in: Client, account: SandboxAccount) -> None:
    someone = services.account_for_user(user=UserFactory(full_name="Charles Babbage"))
    theirs = post_as(someone, "The analytical engine")

    assert signed_in.get("/sandbox/@charles-babbage/").status_code == 404
    assert signed_in.get(f"/sandbox/@charles-babbage/{theirs.public_id}/").status_code == 404
    assert signed_in.get(f"/sandbox/@ada-lovelace/{theirs.public_id}/").status_code == 404


def test_a_posts_permalink_shows_the_post(signed_in: Client, account: SandboxAccount) -> None:
    post = post_as(account, "A permalink post https://go.chorus.example/s/P1")

    response = signed_in.get(f"/sandbox/@ada-lovelace/{post.public_id}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "A permalink post" in page
    assert '<a href="https://go.chorus.example/s/P1"' in page


def test_the_pages_have_no_inline_scripts_or_styles(signed_in: Client, account: SandboxAccount) -> None:
    post = post_as(account, "Styled?")
    urls = ["/sandbox/", "/sandbox/@ada-lovelace/", f"/sandbox/@ada-lovelace/{post.public_id}/"]

    for url in urls:
        page = signed_in.get(url).content.decode()
        assert "style=" not in page
        assert "<script>" not in page
        assert 'name="viewport" content="width=device-width' in page


def test_the_pages_answer_404_when_the_sandbox_is_turned_off(signed_in: Client, settings: Any) -> None:
    settings.SANDBOX_ENABLED = False

    assert signed_in.get("/sandbox/").status_code == 404
