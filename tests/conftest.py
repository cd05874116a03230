"""Shared fixtures: two organisations with a member of every role in each (the
healthchecks/zulip pattern), so any test can check what an outsider sees."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Group, Invitation, Membership, Organization, Role, Topic
from content.models import Caption, ContentItem, ContentState, FeedSource, Suggestion
from tests.factories import (
    CaptionFactory,
    ContentItemFactory,
    FeedSourceFactory,
    GroupFactory,
    GroupMembershipFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    SuggestionFactory,
    TopicFactory,
)


@dataclass
class Tenant:
    organization: Organization
    admin: Membership
    manager: Membership
    executive: Membership
    employee: Membership
    group: Group
    topic: Topic
    invitation: Invitation
    item: ContentItem  # published, for everyone, with one caption
    caption: Caption
    suggestion: Suggestion  # by the employee, pending
    source: FeedSource

    def member(self, role: str) -> Membership:
        return {
            Role.ADMIN: self.admin,
            Role.MANAGER: self.manager,
            Role.EXECUTIVE: self.executive,
            Role.EMPLOYEE: self.employee,
        }[role]


def build_tenant(name: str, slug: str) -> Tenant:
    organization = OrganizationFactory(name=name, slug=slug)
    members = {
        role: MembershipFactory(
            organization=organization,
            role=role,
            user__email=f"{role}@{slug}.example",
            user__full_name=f"{name} {role.label}",
        )
        for role in Role
    }
    group = GroupFactory(organization=organization, name=f"{name} Champions", slug=f"{slug}-champions")
    GroupMembershipFactory(organization=organization, group=group, membership=members[Role.EMPLOYEE])
    topic = TopicFactory(organization=organization, name=f"{name} Topic", slug=f"{slug}-topic")
    invitation = InvitationFactory(organization=organization, membership__user__email=f"invitee@{slug}.example")
    item = ContentItemFactory(
        organization=organization,
        author=members[Role.MANAGER],
        title=f"{name} launches a rocket",
        state=ContentState.PUBLISHED,
        published_at=timezone.now(),
    )
    caption = CaptionFactory(organization=organization, item=item, text=f"{name} caption: we did it")
    suggestion = SuggestionFactory(organization=organization, author=members[Role.EMPLOYEE], note=f"{name} idea")
    source = FeedSourceFactory(organization=organization, name=f"{name} industry feed")
    return Tenant(
        organization=organization,
        admin=members[Role.ADMIN],
        manager=members[Role.MANAGER],
        executive=members[Role.EXECUTIVE],
        employee=members[Role.EMPLOYEE],
        group=group,
        topic=topic,
        invitation=invitation,
        item=item,
        caption=caption,
        suggestion=suggestion,
        source=source,
    )


@pytest.fixture
def tenant_a(db: None) -> Tenant:
    return build_tenant("Acme", "acme")


@pytest.fixture
def tenant_b(db: None) -> Tenant:
    return build_tenant("Globex", "globex")


@pytest.fixture
def client_for(client: Client):  # type: ignore[no-untyped-def]
    """client_for(membership) -> a test client signed in as that member."""

    def sign_in(membership: Membership) -> Client:
        client.force_login(membership.user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:  # type: ignore[no-untyped-def]
    # PBKDF2's deliberate slowness protects real passwords, not test fixtures.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    # The local-memory cache outlives a test; cached feeds and rate limits must not.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


class Broker:
    """The real Celery broker of the test run (Redis when reachable, else the filesystem
    transport), read back: what the code under test really sent, instead of a stand-in."""

    QUEUES = ("celery", "fetch", "publish")

    def __init__(self) -> None:
        from config.celery import app

        self.app = app
        self.drain()  # start empty: earlier tests may have sent messages nobody consumed

    def drain(self) -> list[tuple[str, dict[str, object]]]:
        """Every message waiting in the queues, as (task name, keyword arguments), removed."""
        sent: list[tuple[str, dict[str, object]]] = []
        with self.app.connection_for_read() as connection:
            for name in self.QUEUES:
                queue = connection.SimpleQueue(name)
                try:
                    while True:
                        try:
                            message = queue.get(block=False)
                        except queue.Empty:
                            break
                        _args, kwargs, _embed = message.decode()
                        sent.append((message.headers["task"], kwargs))
                        message.ack()
                finally:
                    queue.close()
        return sent


@pytest.fixture
def broker() -> Broker:
    return Broker()
