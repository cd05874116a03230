"""Fixtures of the advocacy tests: the fake networks, started per test on loopback, with
the settings that point the real adapters at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.x import FakeX


@pytest.fixture
def fake_x(settings) -> Iterator[FakeX]:  # type: ignore[no-untyped-def]
    with FakeX() as fake:
        settings.X_CLIENT_ID = fake.client_id
        settings.X_CLIENT_SECRET = fake.client_secret
        settings.X_AUTH_BASE = fake.base_url
        settings.X_API_BASE = fake.base_url
        yield fake


@pytest.fixture(autouse=True)
def _forget_app_pauses() -> Iterator[None]:
    # Each worker process caches app-wide pauses for a moment; tests share one process.
    from advocacy.services import posting

    posting._app_pauses.clear()
    yield
    posting._app_pauses.clear()
