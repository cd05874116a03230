"""Celery tasks of accounts: thin wrappers that load by id and call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from accounts import services
from accounts.models import Invitation, Organization
from accounts.services import notifications as notification_services
from accounts.tasking import OrganizationTask, periodic_job
from accounts.tenancy import organization_scope


@shared_task(base=OrganizationTask, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(*, organization_id: int, invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(organization_id=organization_id, pk=invitation_id)
        .first()
    )
    if invitation is not None:
        services.invitation_send_email(invitation=invitation)


@periodic_job("accounts.tasks.invitations_purge", ttl=timedelta(minutes=10))
def invitations_purge() -> int:
    """Drop invitations that ended long ago (used, withdrawn or expired)."""
    return services.invitations_purge()


@periodic_job("accounts.tasks.notifications_release", ttl=timedelta(minutes=5))
def notifications_release() -> int:
    """Every minute: deliver held notifications whose time has come and send their
    emails, organisation by organisation."""
    delivered = 0
    for organization in Organization.objects.all():
        with organization_scope(organization):
            delivered += notification_services.notifications_release(organization=organization)
    return delivered


@shared_task(base=OrganizationTask)
def notifications_email_due(*, organization_id: int) -> int:
    """Send the organisation's due notification emails now (queued by `notify` for
    notifications delivered at once), rather than at the next release run."""
    organization = Organization.objects.get(pk=organization_id)
    return notification_services.notifications_email_send_due(organization=organization)
