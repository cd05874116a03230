"""What makes a page under /o/<slug>/ cheap never makes it wrong: sessions read from the
cache end when the person signs out, the membership and the user are read once per
request but always current (a role change, a deactivation or a new password applies to
the very next request), and the pages the feed keeps are never another person's."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import GroupMembership, Membership, MembershipTopic, Role
from accounts.selectors.identity import membership_for_request
from accounts.tenancy import organization_scope
from config.redis_cache import ReusedClientRedisCache
from tests.conftest import Tenant
from tests.factories import GroupFactory, MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db

CACHED_SESSIONS = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def cached_sessions(settings) -> None:  # type: ignore[no-untyped-def]
    """Sessions as production has them with Redis (the tests' cache is local memory, one
    process, so it behaves as one shared cache would)."""
    settings.SESSION_ENGINE = CACHED_SESSIONS


def signed_in(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def feed_url(tenant: Tenant) -> str:
    return reverse("content:feed", kwargs={"org_slug": tenant.organization.slug})


def content_url(tenant: Tenant) -> str:
    return reverse("content:item_list", kwargs={"org_slug": tenant.organization.slug})


def sent_to_sign_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


# Sessions ------------------------------------------------------------------------------


def test_a_warm_feed_page_reads_neither_the_session_nor_the_user_table(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200
    assert client.get(feed_url(tenant_a)).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(feed_url(tenant_a))
    assert response.status_code == 200
    statements = [query["sql"] for query in captured.captured_queries]
    # The membership with its organisation, user, groups and interests; the check that
    # the cached window's items are unchanged.
    assert len(statements) == 2, statements
    assert not any("django_session" in sql for sql in statements)
    assert not any(sql.lstrip().startswith('SELECT "accounts_user"') for sql in statements)


def test_signing_out_ends_a_session_kept_in_the_cache(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200
    cookie = client.cookies["sessionid"].value
    assert client.post(reverse("account_logout")).status_code == 302
    copy = Client()  # the same cookie, kept elsewhere
    copy.cookies["sessionid"] = cookie
    assert sent_to_sign_in(copy.get(feed_url(tenant_a)))


def test_a_session_whose_cache_entry_is_lost_is_read_from_the_database(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200
    caches["default"].clear()
    assert client.get(feed_url(tenant_a)).status_code == 200


# The user ------------------------------------------------------------------------------


@pytest.mark.parametrize("sessions", ["django.contrib.sessions.backends.db", CACHED_SESSIONS])
def test_a_new_password_signs_out_every_other_session_at_once(tenant_a, settings, sessions: str) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_ENGINE = sessions
    laptop = signed_in(tenant_a.employee)
    assert laptop.get(feed_url(tenant_a)).status_code == 200
    user = tenant_a.employee.user
    user.set_password("a-brand-new-passphrase")
    user.save()
    assert sent_to_sign_in(laptop.get(feed_url(tenant_a)))
    # The session was ended, not just refused once.
    assert sent_to_sign_in(laptop.get(reverse("home")))


@pytest.mark.parametrize("sessions", ["django.contrib.sessions.backends.db", CACHED_SESSIONS])
def test_a_deactivated_account_is_signed_out_at_once(tenant_a, settings, sessions: str) -> None:  # type: ignore[no-untyped-def]
    settings.SESSION_ENGINE = sessions
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200
    user = tenant_a.employee.user
    user.is_active = False
    user.save()
    assert sent_to_sign_in(client.get(feed_url(tenant_a)))


def test_a_session_signed_with_a_previous_secret_key_still_works_and_moves_to_the_new_one(  # type: ignore[no-untyped-def]
    tenant_a, settings, cached_sessions
) -> None:
    client = signed_in(tenant_a.employee)
    old_hash = client.session[HASH_SESSION_KEY]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-" + "x" * 20
    assert client.get(feed_url(tenant_a)).status_code == 200
    new_hash = client.session[HASH_SESSION_KEY]
    assert new_hash != old_hash and new_hash == tenant_a.employee.user.get_session_auth_hash()
    assert client.get(feed_url(tenant_a)).status_code == 200


def test_a_session_with_a_forged_password_hash_is_ended(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    session = client.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    assert sent_to_sign_in(client.get(feed_url(tenant_a)))
    assert sent_to_sign_in(client.get(reverse("home")))


def test_the_page_shows_the_signed_in_persons_own_name(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    employee, manager = signed_in(tenant_a.employee), signed_in(tenant_a.manager)
    for _ in range(2):  # the second round is served from the kept pages
        employee_page = employee.get(feed_url(tenant_a)).content.decode()
        manager_page = manager.get(feed_url(tenant_a)).content.decode()
        assert tenant_a.employee.user.display_name in employee_page
        assert tenant_a.manager.user.display_name not in employee_page
        assert tenant_a.manager.user.display_name in manager_page


# The membership ------------------------------------------------------------------------


def test_a_role_change_applies_to_the_next_request(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(content_url(tenant_a)).status_code == 403
    with organization_scope(tenant_a.organization):
        accounts_services.membership_change_role(membership=tenant_a.employee, role=Role.MANAGER)
    assert client.get(content_url(tenant_a)).status_code == 200
    with organization_scope(tenant_a.organization):
        accounts_services.membership_change_role(membership=tenant_a.employee, role=Role.EMPLOYEE)
    assert client.get(content_url(tenant_a)).status_code == 403


def test_a_deactivated_member_is_refused_at_once_and_a_reactivated_one_let_back_in(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200
    with organization_scope(tenant_a.organization):
        accounts_services.membership_deactivate(membership=tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 403
    with organization_scope(tenant_a.organization):
        accounts_services.membership_reactivate(membership=tenant_a.employee)
    assert client.get(feed_url(tenant_a)).status_code == 200


def test_another_organisation_is_not_found_and_a_stranger_is_sent_to_sign_in(
    tenant_a, tenant_b, cached_sessions
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(tenant_a.employee)
    assert client.get(feed_url(tenant_b)).status_code == 404
    assert client.get("/o/no-such-organisation/feed/").status_code == 404
    assert sent_to_sign_in(Client().get(feed_url(tenant_a)))


def test_an_invitation_not_yet_accepted_gives_no_access(tenant_a, cached_sessions) -> None:  # type: ignore[no-untyped-def]
    invited = MembershipFactory(organization=tenant_a.organization, status="invited")
    assert signed_in(invited).get(feed_url(tenant_a)).status_code == 404


def test_the_membership_is_read_with_its_organisation_user_groups_and_interests(tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    member = tenant_a.employee
    group = GroupFactory(organization=tenant_a.organization)
    cloud = TopicFactory(organization=tenant_a.organization)
    with organization_scope(tenant_a.organization):
        GroupMembership.objects.create(organization=tenant_a.organization, group=group, membership=member)
        MembershipTopic.objects.create(organization=tenant_a.organization, membership=member, topic=cloud)
    found = membership_for_request(user_id=str(member.user_id), organization_slug=tenant_a.organization.slug)
    assert found is not None and found.pk == member.pk
    assert found.organization == tenant_a.organization and found.organization.name == tenant_a.organization.name
    assert found.user == member.user and found.user.email == member.user.email
    assert found.organization.settings == tenant_a.organization.settings
    with organization_scope(tenant_a.organization):
        group_pks = GroupMembership.objects.filter(membership=member).values_list("group_id", flat=True)
        interest_pks = MembershipTopic.objects.filter(membership=member).values_list("topic_id", flat=True)
        assert group.pk in group_pks and cloud.pk in interest_pks
        assert found.links.group_pks == tuple(sorted(group_pks))  # type: ignore[attr-defined]
        assert found.links.interest_pks == tuple(sorted(interest_pks))  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as captured:
        assert found.organization.slug and found.user.display_name and found.role
    assert not captured.captured_queries
    # Another organisation's slug, a malformed id: nothing.
    assert membership_for_request(user_id=member.user_id, organization_slug=tenant_b.organization.slug) is None
    assert membership_for_request(user_id="not-a-number", organization_slug=tenant_a.organization.slug) is None


def test_joining_a_group_changes_the_feed_on_the_next_request(
    tenant_a, cached_sessions, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from content import services
    from content.services import Audience, ItemInput

    group = GroupFactory(organization=tenant_a.organization)
    with organization_scope(tenant_a.organization), django_capture_on_commit_callbacks(execute=True):
        item = services.content_item_create(
            organization=tenant_a.organization,
            author=tenant_a.manager,
            data=ItemInput(title="For the group only", audience=Audience(groups=[group])),
        )
        services.content_item_transition(item=item, action="submit", actor=tenant_a.manager)
        services.content_item_transition(item=item, action="approve", actor=tenant_a.admin)
    client = signed_in(tenant_a.employee)
    assert "For the group only" not in client.get(feed_url(tenant_a)).content.decode()
    with organization_scope(tenant_a.organization):
        GroupMembership.objects.create(organization=tenant_a.organization, group=group, membership=tenant_a.employee)
    assert "For the group only" in client.get(feed_url(tenant_a)).content.decode()


# The cache backend ---------------------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs Redis: `make test` sets TEST_REDIS_URL")
def test_the_redis_cache_keeps_one_client_and_works_as_djangos() -> None:
    redis_cache = ReusedClientRedisCache(os.environ["TEST_REDIS_URL"], {"KEY_PREFIX": "chorus-test-reused-client"})
    try:
        redis_cache.set("greeting", {"text": "hello"}, timeout=30)
        redis_cache.set_many({"a": 1, "b": "two"}, timeout=30)
        assert redis_cache.get("greeting") == {"text": "hello"}
        assert redis_cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": "two"}
        assert redis_cache.incr("a") == 2
        client = redis_cache._cache.get_client()
        assert redis_cache._cache.get_client(write=True) is client
    finally:
        redis_cache.delete_many(["greeting", "a", "b"])


# The organisation switcher -------------------------------------------------------------


def test_leaving_another_organisation_leaves_the_switcher_within_its_minute(tenant_a, tenant_b, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from accounts import context_processors

    both = MembershipFactory(organization=tenant_a.organization)
    elsewhere = MembershipFactory(organization=tenant_b.organization, user=both.user)
    client = signed_in(both)
    assert "Globex" in client.get(feed_url(tenant_a)).content.decode()
    with organization_scope(tenant_b.organization):
        elsewhere.delete()
    caches["default"].clear()  # only this process's copy is left
    now = context_processors.time.time()
    monkeypatch.setattr(context_processors.time, "time", lambda: now + context_processors.SWITCHER_CACHE_SECONDS + 1)
    body = client.get(feed_url(tenant_a)).content.decode()
    assert 'id="org-switcher"' not in body and "Globex" not in body
