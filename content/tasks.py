"""Celery tasks of content: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string

from accounts.models import Membership, MembershipStatus, Organization, Role
from accounts.tasking import OrganizationTask, periodic_job
from accounts.tenancy import organization_scope
from content import services
from content.lib.fetch import FetchFailed
from content.models import ContentItem, ContentState, FeedSource
from content.services import digests as digest_services

logger = logging.getLogger(__name__)


@periodic_job("content.tasks.content_publish_due", ttl=timedelta(minutes=5))
def content_publish_due() -> int:
    """Publish approved items whose time has come, expire those whose time has gone."""
    moved = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            moved += services.content_items_publish_due(organization=organization)
    return moved


@periodic_job("content.tasks.feed_sources_fetch_due", ttl=timedelta(minutes=10))
def feed_sources_fetch_due() -> int:
    """Queue a fetch of every active feed source, one task each."""
    queued = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            for source_id in FeedSource.objects.filter(organization=organization, is_active=True).values_list(
                "pk", flat=True
            ):
                feed_source_fetch.delay(organization_id=organization.pk, source_id=source_id)
                queued += 1
    return queued


@shared_task(base=OrganizationTask, soft_time_limit=30, time_limit=45)
def feed_source_fetch(*, organization_id: int, source_id: int) -> int:
    source = FeedSource.objects.filter(organization_id=organization_id, pk=source_id).first()
    if source is None or not source.is_active:
        return 0
    return services.feed_source_fetch(source=source)


PREVIEW_RETRIES = 3


@shared_task(base=OrganizationTask, bind=True, soft_time_limit=30, time_limit=45, max_retries=PREVIEW_RETRIES)
def content_item_fetch_preview(self: Task, *, organization_id: int, item_id: int) -> None:
    item = ContentItem.objects.filter(organization_id=organization_id, pk=item_id).first()
    if item is None:
        return
    try:
        services.content_item_refresh_preview(item=item, retry_transient=self.request.retries < PREVIEW_RETRIES)
    except FetchFailed as error:
        # A timeout or a 5xx: try again later, honouring the site's Retry-After.
        raise self.retry(countdown=min(error.retry_after or 30 * 2**self.request.retries, 600)) from error


@shared_task(base=OrganizationTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def content_review_notify(*, organization_id: int, item_id: int) -> int:
    """Email the organisation's reviewers (admins and managers but the author) that an
    item waits for them."""
    item = (
        ContentItem.objects.select_related("organization", "author__user")
        .filter(organization_id=organization_id, pk=item_id)
        .first()
    )
    if item is None or item.state != ContentState.IN_REVIEW:
        return 0
    reviewers = (
        Membership.objects.filter(
            organization_id=organization_id,
            status=MembershipStatus.ACTIVE,
            role__in=[Role.ADMIN, Role.MANAGER],
        )
        .exclude(pk=item.author_id)
        .select_related("user")
    )
    url = f"{settings.SITE_URL}{item.get_absolute_url()}"
    body = render_to_string("content/email/review_waiting.txt", {"item": item, "url": url})
    subject = f"Waiting for your review: {item.title}"[:150]
    messages = [(subject, body, None, [reviewer.user.email]) for reviewer in reviewers]
    return send_mass_mail(messages, fail_silently=False)


@periodic_job("content.tasks.digests_send", ttl=timedelta(minutes=10))
def digests_send() -> int:
    """Every few minutes: send the digests that are due (08:00 local, held through quiet
    hours and outside hourly workers' hours), organisation by organisation."""
    sent = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            sent += digest_services.digests_send_due(organization=organization)
    return sent
