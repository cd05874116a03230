"""Which adapter serves which network, configured from settings.

The adapters (`advocacy.providers`) know nothing of Django; this module is where the
installation's settings become their `ProviderConfig`. Tests point the base URLs at the
loopback fakes in tests/fakes/ by overriding the same settings.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from typing import Any

import requests
from django.conf import settings
from django.urls import reverse

from advocacy.providers.base import ProviderConfig, SocialProvider
from content.lib.networks import Network

# Networks an employee can connect, in the order the Connections page offers them.
CONNECTABLE = (Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY, Network.SANDBOX)
# How each network is connected: an OAuth redirect, or a form (Bluesky app passwords,
# Mastodon's instance address before its OAuth redirect).
OAUTH_NETWORKS = frozenset({Network.LINKEDIN, Network.X, Network.MASTODON, Network.SANDBOX})


def callback_url(network: str) -> str:
    """The redirect URI registered with the network: one per network, outside the
    organisation's URL space (the organisation travels in the signed session state)."""
    return settings.SITE_URL + reverse("advocacy_oauth_callback", kwargs={"network": network})


def network_available(network: str) -> bool:
    """Whether this installation is configured to connect `network`."""
    if network == Network.LINKEDIN:
        return bool(settings.LINKEDIN_CLIENT_ID and settings.LINKEDIN_CLIENT_SECRET)
    if network == Network.X:
        return bool(settings.X_CLIENT_ID and settings.X_CLIENT_SECRET)
    if network == Network.SANDBOX:
        return bool(settings.SANDBOX_ENABLED and settings.SANDBOX_CLIENT_SECRET)
    return network in (Network.MASTODON, Network.BLUESKY)  # no installation-wide app needed


def provider_config(
    network: str, *, instance_url: str = "", client_id: str = "", client_secret: str = ""
) -> ProviderConfig:
    redirect_uri = callback_url(network) if network in OAUTH_NETWORKS else ""
    if network == Network.LINKEDIN:
        return ProviderConfig(
            client_id=settings.LINKEDIN_CLIENT_ID,
            client_secret=settings.LINKEDIN_CLIENT_SECRET,
            redirect_uri=redirect_uri,
            auth_base=settings.LINKEDIN_AUTH_BASE,
            api_base=settings.LINKEDIN_API_BASE,
            api_version=settings.LINKEDIN_VERSION,
        )
    if network == Network.X:
        return ProviderConfig(
            client_id=settings.X_CLIENT_ID,
            client_secret=settings.X_CLIENT_SECRET,
            redirect_uri=redirect_uri,
            auth_base=settings.X_AUTH_BASE,
            api_base=settings.X_API_BASE,
        )
    if network == Network.MASTODON:
        return ProviderConfig(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            auth_base=instance_url,
            api_base=instance_url,
            instance_url=instance_url,
        )
    if network == Network.BLUESKY:
        pds = instance_url or settings.BLUESKY_PDS_URL
        return ProviderConfig(
            api_base=pds, auth_base=pds, instance_url=pds, extra={"appview": settings.BLUESKY_APPVIEW_URL}
        )
    if network == Network.SANDBOX:
        return ProviderConfig(
            client_id=settings.SANDBOX_CLIENT_ID,
            client_secret=settings.SANDBOX_CLIENT_SECRET,
            redirect_uri=redirect_uri,
            auth_base=settings.SANDBOX_BASE_URL,
            api_base=settings.SANDBOX_BASE_URL,
        )
    raise ValueError(f"Chorus cannot post to {network}.")


_sessions = threading.local()
_CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _session() -> requests.Session:
    """One HTTP session per thread (a worker's pool thread or process): connections to a
    network are kept alive from one share to the next instead of a new TCP and TLS
    handshake per post."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
        # requests re-reads the environment on every request (proxy variables, the CA
        # bundle, and a ~/.netrc whose Basic credentials would replace our bearer token).
        # Read it once: without a proxy, take the CA bundle as requests would and stop
        # looking; with a proxy, keep requests' own handling of it (and of no_proxy).
        if not urllib.request.getproxies():
            session.trust_env = False
            session.verify = next((os.environ[name] for name in _CA_BUNDLE_VARIABLES if os.environ.get(name)), True)
    return session


def provider_for(network: str, **config: Any) -> SocialProvider:
    """The adapter for `network` (keyword arguments as `provider_config`)."""
    resolved = provider_config(network, **config)
    if network == Network.LINKEDIN:
        from advocacy.providers.linkedin import LinkedInProvider

        return LinkedInProvider(resolved, session=_session())
    if network == Network.X:
        from advocacy.providers.x import XProvider

        return XProvider(resolved, session=_session())
    if network == Network.MASTODON:
        from advocacy.providers.mastodon import MastodonProvider

        return MastodonProvider(resolved, session=_session())
    if network == Network.BLUESKY:
        from advocacy.providers.bluesky import BlueskyProvider

        return BlueskyProvider(resolved, session=_session())
    from advocacy.providers.sandbox import SandboxProvider

    return SandboxProvider(resolved, session=_session())
