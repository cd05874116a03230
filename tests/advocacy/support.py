"""Building blocks for the advocacy tests: an organisation where members may share,
connected accounts with encrypted tokens, and settings that point the real adapters at
the loopback fakes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.lib import crypto
from accounts.models import Membership, Organization
from accounts.models.onboarding import OnboardingSettings
from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState, SocialConnection
from tests.conftest import Tenant
from tests.fakes.x import FakeX


def open_sharing(organization: Organization) -> None:
    """Members of `organization` may share without certification (the onboarding tests
    cover the gate itself)."""
    with scopes_disabled():  # test set-up, outside any request
        OnboardingSettings.objects.update_or_create(
            organization=organization, defaults={"certification_required_to_share": False}
        )


def connect(
    membership: Membership,
    *,
    network: str = "x",
    access_token: str = "access-1",  # noqa: S107 - a fake network's token
    refresh_token: str = "",
    expires_in: timedelta | None = timedelta(hours=2),
    external_user_id: str = "",
    handle: str = "",
    **fields: Any,
) -> SocialConnection:
    external_user_id = external_user_id or f"{network}-user-{membership.pk}"
    with scopes_disabled():  # test set-up, outside any request
        return SocialConnection.objects.create(
            organization=membership.organization,
            membership=membership,
            network=network,
            external_user_id=external_user_id,
            author_ref=fields.pop("author_ref", external_user_id),
            handle=handle or f"user{membership.pk}",
            access_token_encrypted=crypto.encrypt(access_token),
            refresh_token_encrypted=crypto.encrypt(refresh_token),
            token_expires_at=timezone.now() + expires_in if expires_in else None,
            **fields,
        )


def x_connection(tenant: Tenant, fake: FakeX, **token_options: object) -> SocialConnection:
    open_sharing(tenant.organization)
    token = fake.issue_token(**token_options)  # type: ignore[arg-type]
    user = fake.users[fake.signed_in]
    return connect(
        tenant.employee,
        network="x",
        access_token=token.access_token,
        refresh_token=token.refresh_token or "",
        expires_in=timedelta(hours=2),
        external_user_id=user.id,
        handle=user.username,
    )


def queued_share(connection: SocialConnection, text: str = "Proud of our new factory https://acme.example/f") -> Share:
    with scopes_disabled():  # test set-up, outside any request
        return Share.objects.create(
            organization=connection.organization,
            membership=connection.membership,
            connection=connection,
            network=connection.network,
            text=text,
            body=text,
            state=ShareState.QUEUED,
        )
