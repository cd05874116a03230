"""Build a large organisation for benchmarks: `seed_load --members 20000 --items 5000`.

Creates (or rebuilds) the organisation "loadtest" with active members spread over
departments, locations, groups and interests, and published items with topics and
audiences of every shape. Bulk inserts, so 20,000 members and 5,000 items take
seconds. Sign in as member1@loadtest.example … with the demo password.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Group,
    GroupMembership,
    Membership,
    MembershipStatus,
    MembershipTopic,
    Organization,
    Role,
    Topic,
    User,
)
from accounts.tenancy import organization_scope
from content.models import AudienceDimension, AudienceRule, ContentItem, ContentState, ContentTopic

SLUG = "loadtest"
PASSWORD = "chorus-demo"  # noqa: S105 - benchmark data, printed on purpose
DEPARTMENTS = ["Sales", "Engineering", "Marketing", "Operations", "Finance", "People", "Support", "Legal"]
LOCATIONS = ["London", "Paris", "Berlin", "Madrid", "New York", "Tokyo", "Lagos", "São Paulo", "Milan", "Toronto"]
TOPIC_NAMES = [f"Topic {n:02d}" for n in range(30)]
GROUP_NAMES = [f"Group {n:02d}" for n in range(20)]
BATCH = 2000


class Command(BaseCommand):
    help = "Create the benchmark organisation 'loadtest' with many members and published items."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--members", type=int, default=20_000)
        parser.add_argument("--items", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, members: int, items: int, seed: int, **options: Any) -> None:
        if members < 1 or items < 0:
            raise CommandError("--members must be at least 1 and --items at least 0.")
        rng = random.Random(seed)
        with transaction.atomic():
            Organization.objects.filter(slug=SLUG).delete()
            User.objects.filter(email__endswith=f"@{SLUG}.example").delete()
            organization = Organization.objects.create(name="Load Test Inc", slug=SLUG, timezone="Europe/London")
            with organization_scope(organization):
                self._build(organization, members, items, rng)
        self.stdout.write(self.style.SUCCESS(f"Organisation “{SLUG}”: {members} members, {items} published items."))
        self.stdout.write(f"Sign in as member1@{SLUG}.example (password {PASSWORD}); admin: member0@{SLUG}.example.")

    def _build(self, organization: Organization, members: int, items: int, rng: random.Random) -> None:
        topics = Topic.objects.bulk_create(
            Topic(organization=organization, name=name, slug=name.lower().replace(" ", "-")) for name in TOPIC_NAMES
        )
        groups = Group.objects.bulk_create(
            Group(organization=organization, name=name, slug=name.lower().replace(" ", "-")) for name in GROUP_NAMES
        )
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            (
                User(email=f"member{n}@{SLUG}.example", full_name=f"Member {n}", password=password)
                for n in range(members)
            ),
            batch_size=BATCH,
        )
        now = timezone.now()
        memberships = Membership.objects.bulk_create(
            (
                Membership(
                    organization=organization,
                    user=user,
                    role=Role.ADMIN if n == 0 else (Role.MANAGER if n % 500 == 1 else Role.EMPLOYEE),
                    status=MembershipStatus.ACTIVE,
                    department=rng.choice(DEPARTMENTS),
                    location=rng.choice(LOCATIONS),
                    job_title="Employee",
                    is_hourly=n % 7 == 0,
                    focus_topic=rng.choice(topics),
                    joined_at=now,
                )
                for n, user in enumerate(users)
            ),
            batch_size=BATCH,
        )
        from allauth.account.models import EmailAddress

        EmailAddress.objects.bulk_create(
            (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users), batch_size=BATCH
        )
        MembershipTopic.objects.bulk_create(
            (
                MembershipTopic(organization=organization, membership=membership, topic=topic)
                for membership in memberships
                for topic in rng.sample(topics, 3)
            ),
            batch_size=BATCH,
        )
        GroupMembership.objects.bulk_create(
            (
                GroupMembership(organization=organization, membership=membership, group=group)
                for membership in memberships
                for group in rng.sample(groups, rng.randint(0, 2))
            ),
            batch_size=BATCH,
        )
        created = ContentItem.objects.bulk_create(
            (
                ContentItem(
                    organization=organization,
                    title=f"Published item {n}",
                    body="Something worth sharing.",
                    url=f"https://news.example/{n}",
                    state=ContentState.PUBLISHED,
                    published_at=now - timedelta(hours=rng.randint(0, 24 * 60)),
                    expires_at=None if n % 4 else now + timedelta(days=rng.randint(1, 60)),
                )
                for n in range(items)
            ),
            batch_size=BATCH,
        )
        ContentTopic.objects.bulk_create(
            (
                ContentTopic(organization=organization, item=item, topic=topic)
                for item in created
                for topic in rng.sample(topics, rng.randint(1, 3))
            ),
            batch_size=BATCH,
        )
        rules: list[AudienceRule] = []
        for item in created:
            shape = rng.random()
            if shape < 0.6:
                continue  # everyone
            dimensions = {AudienceDimension.DEPARTMENT: rng.sample(DEPARTMENTS, 2)}
            if shape > 0.85:
                dimensions[AudienceDimension.LOCATION] = rng.sample(LOCATIONS, 3)
            if shape > 0.95:
                dimensions[AudienceDimension.GROUP] = [str(group.public_id) for group in rng.sample(groups, 2)]
            item.audience_dimensions = len(dimensions)
            rules.extend(
                AudienceRule(organization=organization, item=item, dimension=dimension, value=value)
                for dimension, values in dimensions.items()
                for value in values
            )
        AudienceRule.objects.bulk_create(rules, batch_size=BATCH)
        ContentItem.objects.bulk_update(created, ["audience_dimensions"], batch_size=BATCH)
