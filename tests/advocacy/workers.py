"""Real Celery worker processes for the tests: started against the test database and
the test run's Redis, in their own process group so SIGKILL reaches the pool too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("Worker processes need a database they can share with the tests (PostgreSQL).")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


class Workers:
    """Starts `celery worker` processes against the test database; `settings` become
    their environment (base URLs of the fakes, short leases)."""

    def __init__(self, tmp_path: Path, **settings: str) -> None:
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "CHORUS_VAR_DIR": str(tmp_path / "var"),
            **settings,
        }
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, name: str, *, concurrency: int = 1) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "publish",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-l",
                "info",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so SIGKILL reaches the pool too
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[str]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                output, _ = process.communicate()
            print((output or "")[-3000:])  # shown by pytest when the test fails


def wait_for(condition: Callable[[], bool], timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
