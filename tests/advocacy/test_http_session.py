"""The HTTP session the adapters share per thread: it reads the environment once, and a
stray ~/.netrc can never replace an account's bearer token."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from advocacy import registry
from tests.fakes.mastodon import FakeMastodon

T = TypeVar("T")


def in_a_new_thread(function: Callable[[], T]) -> T:
    """Call `function` in a thread of its own (the session is per thread)."""
    result: list[T] = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(timeout=10)
    return result[0]


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_a_netrc_entry_for_the_network_never_replaces_the_bearer_token(
    mastodon: FakeMastodon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_proxy: None
) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    mastodon.add_account("ada")
    token = mastodon.issue_token("ada")
    session = in_a_new_thread(registry._session)
    answer = session.get(
        f"{mastodon.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json()["username"] == "ada"


def test_the_ca_bundle_from_the_environment_is_still_used(monkeypatch: pytest.MonkeyPatch, no_proxy: None) -> None:
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/company-ca.pem")
    session = in_a_new_thread(registry._session)
    assert session.verify == "/etc/ssl/certs/company-ca.pem"


def test_without_a_ca_bundle_certificates_are_verified_against_the_defaults(
    monkeypatch: pytest.MonkeyPatch, no_proxy: None
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert in_a_new_thread(registry._session).verify is True


def test_a_configured_proxy_keeps_requests_own_handling_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal.example:3128")
    session: requests.Session = in_a_new_thread(registry._session)
    assert session.trust_env is True
