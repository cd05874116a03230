"""Re-encrypt every stored secret under the first of TOKEN_ENCRYPTION_KEYS.

Rotation: put a new key first in TOKEN_ENCRYPTION_KEYS (keep the old one after it),
deploy, run this command, then remove the old key. Safe to run again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from accounts.services.secrets import secrets_rotate
from accounts.tenancy import organization_scope


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (SSO client secrets, social tokens) under the first encryption key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="only this organisation")
        parser.add_argument("--dry-run", action="store_true", help="check every secret decrypts; write nothing")

    def handle(self, *args: Any, organization: str | None, dry_run: bool, **options: Any) -> None:
        organizations = Organization.objects.order_by("slug")
        if organization:
            organizations = organizations.filter(slug=organization)
            if not organizations.exists():
                raise CommandError(f"There is no organisation with the slug “{organization}”.")
        total, failures = 0, []
        for org in organizations:
            with organization_scope(org):
                result = secrets_rotate(organization=org, dry_run=dry_run)
            if result.unreadable:
                failures.append(f"{org.slug}: {', '.join(result.unreadable)}")
            total += result.rotated
        if failures:
            raise CommandError(
                "No current key decrypts these secrets, so their organisations were left unchanged "
                "(was an old key removed too early?):\n  " + "\n  ".join(failures)
            )
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(f"{total} secret{'s' if total != 1 else ''} {verb}."))
