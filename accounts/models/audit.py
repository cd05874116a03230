"""The audit log: an append-only stream of sensitive actions — who did what, when and
from where — that an organisation's admins can search.

Rows are written by `accounts.services.audit.audit_record`, inside the transaction of
the change they describe, and never changed afterwards: `save()` refuses to update a
row, `delete()` refuses, and the default manager's querysets refuse `update()` and
`delete()`. (Deleting the whole organisation still removes its events: Django's
cascade runs through the base manager, and a tenant's data leaves with the tenant.)
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.timezone import now

from accounts.tenancy import TenantManager, TenantModel


class AuditAction(models.TextChoices):
    """Every action the audit log knows, as `<area>.<what happened>`. The field stores the
    code without `choices`, so a new action is one line here and needs no migration;
    `audit_record` refuses a code that is not listed."""

    MEMBER_ROLE_CHANGED = "member.role_changed", "Member's role changed"
    MEMBER_DEACTIVATED = "member.deactivated", "Member deactivated"
    MEMBER_REACTIVATED = "member.reactivated", "Member reactivated"
    INVITATION_CREATED = "invitation.created", "Invitation sent"
    INVITATION_REVOKED = "invitation.revoked", "Invitation withdrawn"
    ORGANIZATION_SETTINGS_CHANGED = "organization.settings_changed", "Organisation settings changed"
    CONTENT_APPROVED = "content.approved", "Content approved"
    CONTENT_CHANGES_REQUESTED = "content.changes_requested", "Content sent back for changes"
    CONTENT_SETTINGS_CHANGED = "content.settings_changed", "Content settings changed"
    POLICY_PUBLISHED = "policy.published", "Social media policy published"
    EXPORT_DOWNLOADED = "export.downloaded", "Export downloaded"
    TOKENS_KEY_ROTATED = "tokens.key_rotated", "Token encryption key rotated"
    SCIM_MEMBER_DEPROVISIONED = "scim.member_deprovisioned", "Member deprovisioned by SCIM"
    SCIM_TOKEN_CREATED = "scim.token_created", "Provisioning token created"
    SCIM_TOKEN_REVOKED = "scim.token_revoked", "Provisioning token revoked"
    ONBOARDING_SETTINGS_CHANGED = "onboarding.settings_changed", "Sharing rules changed"
    ACCESS_REQUEST_DECIDED = "onboarding.access_decided", "Sharing access approved or declined"
    SOCIAL_CONNECTED = "social.connected", "Social account connected"
    SOCIAL_DISCONNECTED = "social.disconnected", "Social account disconnected"
    SOCIAL_NEEDS_RECONNECT = "social.needs_reconnect", "Social account needs reconnecting"
    ADVOCACY_SETTINGS_CHANGED = "advocacy.settings_changed", "Sharing guardrails changed"


class AuditLogIsAppendOnly(Exception):
    """Raised by any attempt to change or remove an audit event."""


_APPEND_ONLY = (
    "Audit events are append-only: they cannot be changed or deleted. "
    "Record a new event (accounts.services.audit.audit_record) to describe what happened since."
)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly(_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_APPEND_ONLY)

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly(_APPEND_ONLY)


# Fail-closed like every tenant manager, and append-only.
AuditEventManager = TenantManager.from_queryset(AuditEventQuerySet)


class AuditEvent(TenantModel):
    """One sensitive action in one organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(default=now, editable=False)

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system, a scheduled job or an identity provider (SCIM).",
    )
    # Kept as text so the record still says who it was after the user is deleted.
    actor_label = models.CharField(max_length=254, blank=True)

    action = models.CharField(max_length=64)

    target_type = models.CharField(max_length=64, blank=True, help_text="app_label.model of the object acted on.")
    target_id = models.CharField(max_length=64, blank=True, help_text="The object's public id.")
    target_label = models.CharField(max_length=300, blank=True)

    changes = models.JSONField(
        default=dict, blank=True, encoder=DjangoJSONEncoder, help_text='{"field": {"before": …, "after": …}}'
    )
    note = models.TextField(blank=True)

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects: ClassVar[models.Manager[Any]] = AuditEventManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_auditevent_org_public_id"),
        ]
        indexes = [
            models.Index(fields=["organization", "-occurred_at"], name="accounts_audit_org_occurred"),
            models.Index(fields=["organization", "action", "-occurred_at"], name="accounts_audit_org_action"),
            models.Index(fields=["organization", "actor", "-occurred_at"], name="accounts_audit_org_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label or 'system'} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly(_APPEND_ONLY)
        # An INSERT or nothing: a new instance given an existing row's pk must not overwrite it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly(_APPEND_ONLY)

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action
