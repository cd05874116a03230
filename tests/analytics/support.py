"""Helpers of the listening tests: answers and responses as rows, urls, and a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.urls import reverse

from accounts.models import Membership, Organization
from analytics.models import BrandPromise, PulseResponse, StoppingAnswer
from tests.conftest import Tenant
from tests.factories import MembershipFactory

QUARTER = date(2025, 4, 1)  # 2025 Q2
NOW = datetime(2025, 5, 15, 12, 0, tzinfo=UTC)


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(name, kwargs={"org_slug": tenant.organization.slug, **kwargs})


def answers(
    organization: Organization,
    count: int,
    *,
    department: str = "Engineering",
    location: str = "London",
    quarter: date = QUARTER,
    other_text: str = "",
    **reasons: bool,
) -> None:
    for _ in range(count):
        StoppingAnswer.objects.create(
            organization=organization,
            department=department,
            location=location,
            quarter=quarter,
            other=bool(other_text),
            other_text=other_text,
            **(reasons or {"no_time": True}),
        )


def promise(organization: Organization, text: str = "We keep our word", position: int = 1) -> BrandPromise:
    return BrandPromise.objects.create(organization=organization, text=text, position=position)


def ratings(
    promise: BrandPromise,
    count: int,
    *,
    rating: int = 4,
    department: str = "Engineering",
    location: str = "London",
    quarter: date = QUARTER,
    comment: str = "",
) -> list[Membership]:
    """`count` members (with memorable names) who each rated `promise`."""
    members = []
    for _ in range(count):
        member = MembershipFactory(organization=promise.organization, department=department, location=location)
        PulseResponse.objects.create(
            organization=promise.organization,
            promise=promise,
            membership=member,
            quarter=quarter,
            rating=rating,
            comment=comment,
            department=department,
            location=location,
        )
        members.append(member)
    return members
