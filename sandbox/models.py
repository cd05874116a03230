"""The Sandbox network's own tables. Global, like a real network's: its accounts belong
to people (Chorus users), never to an organisation, and Chorus's tenant tables know a
Sandbox account only by the id the API returns.

Credentials are stored as SHA-256 hashes only (codes, access and refresh tokens): a copy
of the database lets nobody post as anyone."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

_ALPHABET = string.ascii_lowercase + string.digits


def new_public_id() -> str:
    """An opaque, URL-safe id (12 characters: about 62 bits), never a sequential key."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


class SandboxAccount(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sandbox_accounts")
    handle = models.SlugField(max_length=40, unique=True)
    display_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("sandbox:account", kwargs={"handle": self.handle})


class AuthorizationGrant(models.Model):
    """An authorisation code: valid for a minute, exchangeable once, bound to the
    redirect URI and the PKCE challenge it was issued with."""

    code_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="grants")
    client_id = models.CharField(max_length=100)
    redirect_uri = models.TextField()
    code_challenge = models.CharField(max_length=128)
    scopes = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The token family the code was exchanged for: revoked if the code is replayed
    # (RFC 6749 §4.1.2: a second use suggests the code was stolen).
    family_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.account} ({'used' if self.used_at else 'unused'})"


class SandboxToken(models.Model):
    """One access token and the refresh token issued with it. Refreshing spends the
    refresh token and issues a new pair in the same family; spending it twice revokes
    the whole family, since one of the two callers must have stolen it."""

    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="tokens")
    client_id = models.CharField(max_length=100)
    scopes = models.CharField(max_length=200)
    family_id = models.UUIDField(db_index=True)
    access_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    refresh_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token for {self.account} (family {self.family_id})"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class SandboxPost(models.Model):
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    account = models.ForeignKey(SandboxAccount, on_delete=models.CASCADE, related_name="posts")
    text = models.TextField()
    link_url = models.TextField(blank=True)  # the first http(s) URL in the text
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A key names one post of its account; posts sent without a key share "".
            models.UniqueConstraint(
                fields=["account", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="sandbox_post_idempotency_key_unique",
            )
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="sandbox_post_account_created")]

    def __str__(self) -> str:
        return f"{self.account}: {self.text[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("sandbox:post", kwargs={"handle": self.account.handle, "post_id": self.public_id})
