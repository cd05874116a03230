"""Tenant resolution for web requests.

For every URL with an `org_slug` (the /o/<slug>/ tree) this middleware checks that the
signed-in user is a member and runs the whole view, template rendering included,
inside that organisation's scope. Anyone else gets the same 404 whether or not the
organisation exists. Every other request runs in an empty scope, where a
tenant-owned query raises instead of leaking rows. The API resolves its tenant in
its own base class (accounts.api), after DRF has authenticated the request.

The check runs in `process_view`, on the URL Django has just resolved (resolving it a
second time here cost as much as a small view), and sets the organisation on the scope
`__call__` opened around the whole response; leaving that block restores the empty
scope. The membership, its organisation and the signed-in user come from one statement
(accounts.selectors.identity), which also stands in for the user query of Django's
authentication middleware, with the same checks Django makes on the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.crypto import constant_time_compare

from accounts.models import Membership, MembershipStatus
from accounts.selectors.identity import membership_for_request
from accounts.services.audit import audit_context_for_request
from accounts.tenancy import activate_organization, scope, scopes_disabled

ADMIN_SITE_PREFIX = "/django-admin/"


def _session_verifies(request: HttpRequest, membership: Membership) -> bool:
    """Whether the session may act as `membership.user`: what django.contrib.auth.get_user
    checks after loading the user, applied to the user read with the membership. The
    session's backend must be one that loads users as ModelBackend does (anything else
    takes Django's own path); the user must be allowed to sign in (active); the session's
    hash of the password must match, or match under a fallback secret key (then the
    session is moved to the current one, as Django does). A session that fails is
    flushed, as Django flushes it."""
    session = request.session
    backend_path = session.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return False
    user = membership.user
    if not backend.user_can_authenticate(user):
        return False
    session_hash = session.get(HASH_SESSION_KEY)
    current_hash = user.get_session_auth_hash()
    if session_hash and constant_time_compare(session_hash, current_hash):
        return True
    if session_hash and any(constant_time_compare(session_hash, old) for old in user.get_session_auth_fallback_hash()):
        session.cycle_key()
        session[HASH_SESSION_KEY] = current_hash
        return True
    session.flush()
    return False


def _membership_of_request(request: HttpRequest, slug: str) -> Membership | None:
    """The signed-in user's membership in `slug`, or None; sets `request.user` from it
    when the user had not been loaded yet."""
    if hasattr(request, "_cached_user"):  # someone already asked for request.user
        user = request.user
        if not user.is_authenticated:
            return None
        return membership_for_request(user_id=user.pk, organization_slug=slug)
    user_id = request.session.get(SESSION_KEY)
    if user_id is None:
        return None
    membership = membership_for_request(user_id=user_id, organization_slug=slug)
    if membership is None:
        return None
    if not _session_verifies(request, membership):
        # Django's own path decides (it loads the user again, and may flush the session).
        user = request.user
        return membership if user.is_authenticated and user.pk == membership.user_id else None
    request._cached_user = membership.user  # type: ignore[attr-defined]
    request.user = membership.user
    return membership


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        if request.path_info.startswith(ADMIN_SITE_PREFIX):
            # The operators' admin site (staff only) manages all tenants by design.
            with scopes_disabled():
                return self.get_response(request)
        # process_view sets the organisation on this scope for /o/<slug>/ views.
        with scope():
            return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        slug = kwargs.get("org_slug")
        match = request.resolver_match
        if (
            slug is None
            or match is None
            or "api" in match.namespaces
            or request.path_info.startswith(ADMIN_SITE_PREFIX)
        ):
            return None
        membership = _membership_of_request(request, str(slug))
        if membership is None:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404("No such organisation.")
        if membership.status == MembershipStatus.DEACTIVATED:
            return TemplateResponse(
                request, "accounts/deactivated.html", {"deactivated_org": membership.organization}, status=403
            ).render()
        request.organization = membership.organization  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if request.session.get("last_org") != slug:  # avoid a session write on every page
            request.session["last_org"] = slug
        activate_organization(membership.organization)
        return None


class AuditContextMiddleware:
    """Opens the audit context (accounts.services.audit) for the request: the events a
    service records name the signed-in person, their IP address, user agent and a
    request id, without every view passing them down. The id is also returned in the
    X-Request-ID header, so a support request can be matched to its audit entries.

    The IP is REMOTE_ADDR; X-Forwarded-For (and a proxy's X-Request-ID) are believed
    only when SECURE_PROXY_SSL_HEADER is set, i.e. when Chorus runs behind a proxy that
    sets those headers itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context_for_request(request) as context:
            response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", context.request_id)
        return response
