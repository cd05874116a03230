"""Bearer-token authentication for /scim/v2/: the token identifies the organisation.

Tokens look like `chorus_scim_<43 url-safe characters>`; only their SHA-256 is
stored. A missing, unknown or revoked token gets the same 401.
"""

from __future__ import annotations

import hashlib
import secrets

from django.http import HttpRequest

from accounts.models import ScimToken
from accounts.scim.errors import ScimError
from accounts.tenancy import scopes_disabled

TOKEN_PREFIX = "chorus_scim_"  # noqa: S105 (a public marker that makes leaked tokens easy to scan for)
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_TOKEN_LENGTH = 200


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unauthorized(detail: str = "A valid SCIM bearer token is required.") -> ScimError:
    return ScimError(401, detail)


def token_for_request(request: HttpRequest) -> ScimToken:
    """The active token named by the Authorization header, with its organisation, or a
    401 ScimError."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise unauthorized()
    # The token is the credential and its row names the organisation: no tenant is
    # known before this lookup.
    with scopes_disabled():
        found = (
            ScimToken.objects.select_related("organization")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True)
            .first()
        )
    if found is None:
        raise unauthorized("The bearer token is not valid or has been revoked.")
    return found
