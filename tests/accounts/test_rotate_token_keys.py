"""rotate_token_keys: every stored secret moves to the first key, and the log says so."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from accounts.lib import crypto
from accounts.models import AuditEvent, SsoConnection
from accounts.services.sso import sso_connection_save
from accounts.tenancy import organization_scope, scopes_disabled
from tests.accounts.test_sso import oidc_input

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored_secret(tenant) -> str:  # type: ignore[no-untyped-def]
    with scopes_disabled():  # reading the raw column, as an attacker with the database would
        return SsoConnection.objects.get(organization=tenant.organization).oidc_client_secret_encrypted


def test_secrets_move_to_the_new_key_and_the_rotation_is_audited(tenant_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_ENCRYPTION_KEYS = [OLD]
    with organization_scope(tenant_a.organization):
        sso_connection_save(organization=tenant_a.organization, data=oidc_input(), actor=None)
    before = stored_secret(tenant_a)

    settings.TOKEN_ENCRYPTION_KEYS = [NEW, OLD]  # the new key first, the old one still decrypts
    call_command("rotate_token_keys")
    after = stored_secret(tenant_a)
    assert after != before
    assert crypto.decrypt(after, keys=[NEW]) == "top-secret-value"  # readable without the old key
    with organization_scope(tenant_a.organization):
        assert AuditEvent.objects.filter(organization=tenant_a.organization, action="tokens.key_rotated").exists()


def test_a_secret_no_key_can_read_stops_the_rotation_and_changes_nothing(tenant_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TOKEN_ENCRYPTION_KEYS = [OLD]
    with organization_scope(tenant_a.organization):
        sso_connection_save(organization=tenant_a.organization, data=oidc_input(), actor=None)
    before = stored_secret(tenant_a)
    settings.TOKEN_ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early
    with pytest.raises(CommandError, match="No current key decrypts"):
        call_command("rotate_token_keys")
    assert stored_secret(tenant_a) == before


def test_an_unknown_organisation_is_a_clear_error(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="no organisation with the slug"):
        call_command("rotate_token_keys", "--organization", "nope")
