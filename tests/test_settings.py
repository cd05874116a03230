"""Production settings pass Django's deployment checks; bad configuration fails loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "q8v!3kz#a7Lr0w9PzX2m@Yc5Tn6Jb1Hd4Gf8Ks0Qe7Ru3Wi9Oy2Up5As6Dl1Fj",
    "ALLOWED_HOSTS": "chorus.example.com",
    "TOKEN_ENCRYPTION_KEYS": "9h1b0bq3w0Jb2l7mQFJ7M0nVvB6m5dC6FqjHUQ8WnXg=",
    "DATABASE_URL": "sqlite:///unused.sqlite3",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {
        "DEBUG",
        "SECRET_KEY",
        "TOKEN_ENCRYPTION_KEYS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }  # set by the browser tests
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_refuses_to_start() -> None:
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_misspelt_boolean_refuses_to_start() -> None:
    result = manage("check", env={**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "ture"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='ture' is not a boolean" in result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_health_check_answers_over_plain_http_in_production(settings, client: Client) -> None:  # type: ignore[no-untyped-def]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
