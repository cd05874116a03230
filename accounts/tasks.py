"""Celery tasks of accounts: thin wrappers that load by id and call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from accounts import services
from accounts.models import Invitation
from accounts.tasking import OrganizationTask, periodic_job


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
