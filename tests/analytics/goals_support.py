"""Helpers of the goals, KPI and conversion tests: shares with tracked links, click ids
minted at a chosen time, goals and KPIs, and webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from accounts.models import Membership
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.lib import links as link_lib
from advocacy.models import Share, SocialConnection, TrackedLink
from advocacy.services import links as link_services
from analytics.models import Goal, Kpi
from tests.conftest import Tenant


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(name, kwargs={"org_slug": tenant.organization.slug, **kwargs})


def api_url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def share_with_link(
    tenant: Tenant, *, network: str = "linkedin", member: Membership | None = None
) -> tuple[Share, TrackedLink]:
    """A share of the tenant's item by `member` (the employee) with its tracked link."""
    member = member or tenant.employee
    with organization_scope(tenant.organization):
        item = tenant.item
        if not item.url:
            item.url = f"https://{tenant.organization.slug}.example/news"
            item.save(update_fields=["url"])
        connection = SocialConnection.objects.create(
            organization=tenant.organization,
            membership=member,
            network=network,
            external_user_id=uuid.uuid4().hex,
            author_ref="author",
        )
        share = Share.objects.create(
            organization=tenant.organization,
            membership=member,
            connection=connection,
            network=network,
            item=item,
            text="Proud of this",
            body="Proud of this",
        )
        return share, link_services.tracked_link_create(share=share)


def click_id_at(link: TrackedLink, at: datetime) -> str:
    """A genuine click id of `link`, as the redirect would have minted it at `at`."""
    return link_lib.click_id_new(link.code, at=at, key=link_services._click_id_key(settings.SECRET_KEY))


def goal_of(tenant: Tenant, **fields: Any) -> Goal:
    with scopes_disabled():  # test data, built outside any request like the fixtures
        return Goal.objects.create(
            organization=tenant.organization, **{"name": "More qualified leads", "owner": tenant.manager, **fields}
        )


def kpi_of(tenant: Tenant, goal: Goal | None = None, **fields: Any) -> Kpi:
    goal = goal or goal_of(tenant)
    defaults: dict[str, Any] = {
        "name": "Leads from shared content",
        "unit": "leads",
        "target": Decimal(300),
        "period": "quarter",
        "owner": tenant.manager,
    }
    with scopes_disabled():  # test data, built outside any request like the fixtures
        return Kpi.objects.create(organization=tenant.organization, goal=goal, **{**defaults, **fields})


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """The `Chorus-Signature` header a sender computes."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
