"""Tenant resolution for web requests.

For every URL with an `org_slug` (the /o/<slug>/ tree) this middleware checks that the
signed-in user is a member and runs the whole view, template rendering included,
inside that organisation's scope. Anyone else gets the same 404 whether or not the
organisation exists. Every other request runs in an empty scope, where a
tenant-owned query raises instead of leaking rows. The API resolves its tenant in
its own base class (accounts.api), after DRF has authenticated the request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve

from accounts.models import MembershipStatus
from accounts.selectors import membership_for_user
from accounts.services.audit import audit_context_for_request
from accounts.tenancy import organization_scope, scope, scopes_disabled

ADMIN_SITE_PREFIX = "/django-admin/"


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

        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        slug = match.kwargs.get("org_slug") if match else None
        if slug is None or "api" in match.namespaces:  # type: ignore[union-attr]
            with scope():
                return self.get_response(request)

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_for_user(user=request.user, organization_slug=slug)
        if membership is None:
            raise Http404("No such organisation.")
        if membership.status == MembershipStatus.DEACTIVATED:
            return TemplateResponse(
                request, "accounts/deactivated.html", {"deactivated_org": membership.organization}, status=403
            ).render()
        request.organization = membership.organization  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        if request.session.get("last_org") != slug:  # avoid a session write on every page
            request.session["last_org"] = slug
        with organization_scope(membership.organization):
            return self.get_response(request)


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
