"""Celery tasks of advocacy: thin wrappers that load by id and call a service.

Posting runs on its own `publish` queue and metrics on `metrics`, so a burst of metric
collection can never hold up employees' posts.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from accounts.models import Organization
from accounts.tasking import OrganizationTask, periodic_job
from accounts.tenancy import organization_scope
from advocacy.services import connections as connection_services
from advocacy.services import posting


@shared_task(base=OrganizationTask, soft_time_limit=90, time_limit=120)
def share_post(*, organization_id: int, share_id: int) -> str:
    """Deliver one share; a duplicate or late message finds nothing to claim."""
    return posting.share_post(share_id=share_id).state


@periodic_job("advocacy.tasks.shares_dispatch_due", ttl=timedelta(minutes=2))
def shares_dispatch_due() -> int:
    """Hand stale `posting` shares to reconcile, then send every share that is due."""
    posting.shares_sweep_stale()
    return posting.shares_dispatch_due()


@periodic_job("advocacy.tasks.connections_refresh_due", ttl=timedelta(minutes=30))
def connections_refresh_due() -> int:
    """Refresh tokens before they expire; flag and warn the accounts that need people."""
    handled = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            report = connection_services.connections_refresh_due(organization=organization)
            handled += report.refreshed + report.flagged + report.warned
    return handled


@periodic_job("advocacy.tasks.link_clicks_flush", ttl=timedelta(minutes=5))
def link_clicks_flush() -> int:
    """Write the click counters kept in Redis to the database, as absolute day totals."""
    from django.utils import timezone

    from advocacy.services.links import link_clicks_flush as flush

    return flush(now=timezone.now())
