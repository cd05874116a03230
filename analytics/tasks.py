"""Celery tasks of analytics: thin interfaces over services (load, call, save).

Sections: metric collection and rollups; partitions; conversions.
"""

from __future__ import annotations

# Metric collection, rollups and partitions -------------------------------------------
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Organization
from accounts.tasking import periodic_job
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import LinkClickDay
from analytics.lib import partitions
from analytics.services import metrics as metric_services


@periodic_job("analytics.tasks.metrics_collect_due", ttl=timedelta(minutes=10))
def metrics_collect_due() -> int:
    """Fetch the metrics of every share whose collection is due; returns snapshots written."""
    report = metric_services.metrics_collect_due()
    metric_services.metric_pauses_expire()
    return report.collected


@periodic_job("analytics.tasks.shares_metrics_start", ttl=timedelta(minutes=5))
def shares_metrics_start() -> int:
    """Start the metric schedule of newly posted shares."""
    return metric_services.shares_metrics_start_new()


@periodic_job("analytics.tasks.clicks_rollup", ttl=timedelta(minutes=10))
def clicks_rollup() -> int:
    """Recompute today's and yesterday's tracked-link clicks in the day rollups of every
    organisation that had link activity on those (UTC) days."""
    today = timezone.now().date()
    days = [today - timedelta(days=1), today]
    with scopes_disabled():  # which organisations had clicks: one look across tenants
        organization_ids = set(
            LinkClickDay.objects.filter(day__in=days).values_list("organization_id", flat=True).distinct()
        )
    for organization in Organization.objects.filter(pk__in=organization_ids):
        with organization_scope(organization):
            metric_services.clicks_rollup(organization=organization, days=days)
    return len(organization_ids)


@periodic_job("analytics.tasks.partitions_extend", ttl=timedelta(minutes=30))
def partitions_extend() -> list[str]:
    """Keep the snapshot table's monthly partitions three months ahead, and drop months
    past ANALYTICS_SNAPSHOT_RETENTION_MONTHS when it is set (PostgreSQL only: other
    databases keep a plain table)."""
    if connection.vendor != "postgresql":
        return []
    today: date = timezone.now().date()
    with connection.cursor() as cursor:
        changed = partitions.extend_ahead(cursor, today, months=settings.ANALYTICS_PARTITIONS_AHEAD_MONTHS)
        if settings.ANALYTICS_SNAPSHOT_RETENTION_MONTHS > 0:  # 0 (the default) keeps every month
            changed += partitions.drop_older_than(
                cursor, today, keep_months=settings.ANALYTICS_SNAPSHOT_RETENTION_MONTHS
            )
    return changed


# -------------------------------------------------------------------------------------


# Conversions -----------------------------------------------------------------------------

from celery import shared_task  # noqa: E402

from accounts.tasking import OrganizationTask  # noqa: E402
from analytics.services import conversions as conversion_services  # noqa: E402


@shared_task(base=OrganizationTask, soft_time_limit=600, time_limit=660)
def conversions_reattribute(*, organization_id: int) -> int:
    """Attribute the organisation's conversions again after its window or model changed;
    returns how many changed. Running it twice is harmless: the second run finds the
    rows already as the rules say."""
    organization = Organization.objects.get(pk=organization_id)
    return conversion_services.conversions_reattribute(organization=organization)
