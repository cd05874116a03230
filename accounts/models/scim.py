"""SCIM 2.0 provisioning: the organisation's bearer tokens, and what an identity
provider knows about a member or a group that Chorus itself does not model."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.timezone import now

from accounts.tenancy import TenantModel


class ScimToken(TenantModel):
    """A bearer token an identity provider presents to /scim/v2/. Only the SHA-256 of
    the token is stored: it is shown once, when created, and a database leak does not
    hand out working tokens. The token itself names the organisation."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, help_text="Which identity provider uses it, for example “Okta”.")
    token_hash = models.CharField(max_length=64)
    prefix = models.CharField(max_length=24, help_text="The token's first characters, to recognise it in a list.")
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_scimtoken_org_public_id"),
            models.UniqueConstraint(fields=["organization", "token_hash"], name="accounts_scimtoken_org_hash"),
        ]
        # Authentication looks the token up before the organisation is known.
        indexes = [models.Index(fields=["token_hash"], name="accounts_scimtoken_hash")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScimUserRecord(TenantModel):
    """The identity provider's view of one member: its own id for them, the userName it
    knows them by, and the name parts it sent. A person's name and email on `User` are
    shared by every organisation they belong to, so they live here per organisation."""

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="scim_records")
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "membership"], name="accounts_scimuserrecord_member"),
        ]
        indexes = [
            models.Index(fields=["organization", "user_name"], name="accounts_scimuser_username"),
            models.Index(fields=["organization", "external_id"], name="accounts_scimuser_external_id"),
        ]

    def __str__(self) -> str:
        return self.user_name


class ScimGroupRecord(TenantModel):
    """The identity provider's id for a group, and when it last changed it."""

    group = models.ForeignKey("accounts.Group", on_delete=models.CASCADE, related_name="scim_records")
    external_id = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "group"], name="accounts_scimgrouprecord_group"),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.group_id)
