"""Social tokens at rest: encrypted, rotated by `rotate_token_keys`, refreshed ahead of
expiry by the beat job, and their owners warned when only they can renew them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db_connection
from django.utils import timezone

from accounts.lib import crypto
from accounts.models.notifications import Notification
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import ConnectionStatus, SocialConnection
from advocacy.services.connections import connections_refresh_due
from tests.advocacy.support import connect, x_connection
from tests.conftest import Tenant
from tests.fakes.x import FakeX

pytestmark = pytest.mark.django_db


def test_rotating_the_keys_re_encrypts_every_social_token(tenant_a: Tenant, settings) -> None:  # type: ignore[no-untyped-def]
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    account = connect(tenant_a.employee, network="x", access_token="plain-access", refresh_token="plain-refresh")

    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_token_keys")
    with scopes_disabled():
        account.refresh_from_db()
    assert crypto.decrypt(account.access_token_encrypted, keys=[new]) == "plain-access"
    assert crypto.decrypt(account.refresh_token_encrypted, keys=[new]) == "plain-refresh"


def test_no_token_is_stored_in_plain_text(tenant_a: Tenant) -> None:
    connect(tenant_a.employee, network="x", access_token="visible-if-plain-123", refresh_token="refresh-plain-456")
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT access_token_encrypted, refresh_token_encrypted FROM advocacy_socialconnection")
        rows = cursor.fetchall()
    assert rows and not any("plain" in value for row in rows for value in row)


def test_the_beat_job_refreshes_a_token_before_it_expires(tenant_a: Tenant, fake_x: FakeX) -> None:
    account = x_connection(tenant_a, fake_x)
    with scopes_disabled():
        SocialConnection.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() + timedelta(minutes=30))
    old_access = crypto.decrypt(account.access_token_encrypted)

    with organization_scope(tenant_a.organization):
        report = connections_refresh_due(organization=tenant_a.organization)
    assert report.refreshed == 1
    with scopes_disabled():
        account.refresh_from_db()
    assert crypto.decrypt(account.access_token_encrypted) != old_access
    assert account.token_expires_at > timezone.now() + timedelta(hours=1)


def test_an_unrefreshable_token_warns_its_owner_once_a_week_ahead_then_asks_to_reconnect(tenant_a: Tenant) -> None:
    account = connect(tenant_a.employee, network="linkedin", expires_in=timedelta(days=5))
    with organization_scope(tenant_a.organization):
        assert connections_refresh_due(organization=tenant_a.organization).warned == 1
        assert connections_refresh_due(organization=tenant_a.organization).warned == 0, "warned once"
        notice = Notification.objects.get(recipient=tenant_a.employee)
    assert "Your LinkedIn connection expires on" in notice.title

    with scopes_disabled():
        SocialConnection.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() - timedelta(minutes=1))
    with organization_scope(tenant_a.organization):
        assert connections_refresh_due(organization=tenant_a.organization).flagged == 1
    with scopes_disabled():
        assert SocialConnection.objects.get(pk=account.pk).status == ConnectionStatus.NEEDS_RECONNECT
