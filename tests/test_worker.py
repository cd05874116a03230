"""A real Celery worker process, on Redis, runs tasks the web process sent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Invitation
from accounts.tenancy import organization_scope
from config.celery import app as celery_app
from tests.factories import InvitationFactory, OrganizationFactory

BASE_DIR = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="Redis is not reachable: `make test` sets TEST_REDIS_URL when it is."),
]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("The worker process needs a database it can share with the tests (PostgreSQL).")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Path]:
    """Start `celery worker` as its own process against the test database; yield its mail folder."""
    if celery_app.conf.broker_url != REDIS_URL:
        pytest.skip("CELERY_BROKER_URL must point at TEST_REDIS_URL (make test exports both).")
    celery_app.control.purge()
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CHORUS_VAR_DIR": str(tmp_path / "var"),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-l",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield mail_dir
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])  # shown by pytest when the test fails


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_emails_an_invitation_sent_from_the_web(worker: Path) -> None:
    from accounts.tasks import invitation_send

    invitation = InvitationFactory(email="newcomer@example.com", membership__user__email="newcomer@example.com")
    invitation_send.delay(organization_id=invitation.organization_id, invitation_id=invitation.pk)

    assert wait_for(lambda: worker.exists() and any(worker.iterdir())), "the worker sent no email within 30 s"
    message = next(worker.iterdir()).read_text()
    assert "To: newcomer@example.com" in message
    assert "/invitations/" in message


@pytest.mark.django_db(transaction=True)
def test_the_periodic_purge_runs_on_the_worker_and_skips_while_locked(worker: Path) -> None:
    from accounts.tasking import job_lock
    from accounts.tasks import invitation_send, invitations_purge

    organization = OrganizationFactory()
    old = InvitationFactory(organization=organization, expires_at=timezone.now() - timedelta(days=200))
    marker = InvitationFactory(organization=organization)

    def old_invitation_exists() -> bool:
        with organization_scope(organization):
            return Invitation.objects.filter(pk=old.pk).exists()

    # While another run holds the lock, a run does nothing. The solo worker takes
    # messages in order, so once the marker email exists the purge run has finished.
    with job_lock("accounts.tasks.invitations_purge", ttl=timedelta(minutes=5)) as acquired:
        assert acquired
        invitations_purge.delay()
        invitation_send.delay(organization_id=organization.pk, invitation_id=marker.pk)
        assert wait_for(lambda: worker.exists() and any(worker.iterdir())), "the worker did not run within 30 s"
        assert old_invitation_exists()
    # Once the lock is released, the next run does the work.
    invitations_purge.delay()
    assert wait_for(lambda: not old_invitation_exists()), "the purge did not run within 30 s"
