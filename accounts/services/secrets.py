"""Secrets stored encrypted (accounts.lib.crypto) and their key rotation.

Every encrypted column registers here; `rotate_token_keys` re-encrypts them all under
the first of TOKEN_ENCRYPTION_KEYS. Apps to the right (advocacy's social tokens)
register their columns from their AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from accounts.lib import crypto
from accounts.models import Organization
from accounts.models.audit import AuditAction
from accounts.services.audit import audit_record

# (app_label.ModelName, column holding a Fernet token)
ENCRYPTED_COLUMNS: list[tuple[str, str]] = [("accounts.SsoConnection", "oidc_client_secret_encrypted")]


def register_encrypted_column(model_label: str, column: str) -> None:
    if (model_label, column) not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append((model_label, column))


@dataclass
class RotationResult:
    rotated: int
    unreadable: list[str]  # "Model #pk": rows no current key decrypts


@transaction.atomic
def secrets_rotate(*, organization: Organization, dry_run: bool = False) -> RotationResult:
    """Re-encrypt the organisation's secrets under the first key. Nothing is written if
    any secret cannot be decrypted with the current keys (an old key removed too
    early): the result names those rows instead."""
    pending: list[tuple[type, list[object], str]] = []
    unreadable: list[str] = []
    rotated = 0
    for model_label, column in ENCRYPTED_COLUMNS:
        model = apps.get_model(model_label)
        rows = list(
            model._default_manager.select_for_update()
            .filter(organization=organization)
            .exclude(**{column: ""})
            .only("pk", column)
        )
        for row in rows:
            try:
                setattr(row, column, crypto.rotate(getattr(row, column)))
            except crypto.InvalidToken:
                unreadable.append(f"{model.__name__} #{row.pk}")
        pending.append((model, rows, column))
        rotated += len(rows)
    if unreadable or dry_run:
        transaction.set_rollback(True)
        return RotationResult(rotated=0 if unreadable else rotated, unreadable=unreadable)
    for model, rows, column in pending:
        model._default_manager.bulk_update(rows, [column])
    if rotated:
        audit_record(
            organization=organization,
            action=AuditAction.TOKENS_KEY_ROTATED,
            actor_label="rotate_token_keys",
            target_label="Encrypted secrets",
            changes={"secrets_re_encrypted": rotated},
        )
    return RotationResult(rotated=rotated, unreadable=[])
