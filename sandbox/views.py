"""The Sandbox's web pages (consent, timelines: the signed-in Chorus user is the Sandbox
user) and its JSON API (bearer tokens, no session, so CSRF does not apply)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar, cast
from urllib.parse import unquote_plus

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox import services
from sandbox.models import SandboxAccount, SandboxPost, SandboxToken

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 20
ViewFunction = Callable[..., HttpResponse]


def sandbox_enabled(view: ViewFunction) -> ViewFunction:
    """An installation that turned the Sandbox off does not serve it at all."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.SANDBOX_ENABLED:
            raise Http404("The Sandbox network is turned off on this installation.")
        return view(request, *args, **kwargs)

    return wrapped


def _person(request: HttpRequest) -> User:
    """The signed-in person (the views that call this are behind login_required)."""
    return cast("User", request.user)


def _error_response(error: services.SandboxError) -> JsonResponse:
    response = JsonResponse(error.body(), status=error.status)
    for name, value in error.headers().items():
        response[name] = value
    return response


def _method_not_allowed(allowed: list[str]) -> JsonResponse:
    response = JsonResponse({"error": "method_not_allowed", "message": f"Use {', '.join(allowed)}."}, status=405)
    response["Allow"] = ", ".join(allowed)
    return response


# ---------------------------------------------------------------------------------
# OAuth: consent (session), token and revoke (client credentials)


@sandbox_enabled
@login_required
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    try:
        authorization = services.authorization_request_parse(params=params)
    except services.AuthorizeRefused as refused:
        return render(request, "sandbox/oauth_error.html", {"message": refused.message}, status=400)
    except services.AuthorizeRedirectError as error:
        return HttpResponseRedirect(error.redirect_url)
    account = services.account_for_user(user=_person(request))
    if request.method == "GET":
        scopes = [(scope, services.SCOPES[scope]) for scope in authorization.scopes]
        context = {"authorization": authorization, "account": account, "scopes": scopes}
        return render(request, "sandbox/consent.html", context)
    if request.POST.get("decision") != "allow":
        return HttpResponseRedirect(services.authorization_redirect(authorization, error="access_denied"))
    code = services.grant_issue(account=account, request=authorization)
    return HttpResponseRedirect(services.authorization_redirect(authorization, code=code))


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    """HTTP Basic (RFC 6749 §2.3.1, whose parts are form-encoded) or the form fields."""
    kind, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() == "basic" and encoded:
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise services.InvalidClient("The Basic credentials are malformed.") from error
        client_id, _, client_secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(client_secret)
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _authenticated_client(request: HttpRequest) -> str:
    client_id, client_secret = _client_credentials(request)
    return services.client_authenticate(client_id=client_id, client_secret=client_secret)


@csrf_exempt  # a client-authenticated back-channel endpoint (RFC 6749 §3.2), no session
@sandbox_enabled
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _method_not_allowed(["POST"])
    form = request.POST
    try:
        client_id = _authenticated_client(request)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = services.token_exchange_code(
                client_id=client_id,
                code=form.get("code", ""),
                redirect_uri=form.get("redirect_uri", ""),
                code_verifier=form.get("code_verifier", ""),
            )
        elif grant_type == "refresh_token":
            issued = services.token_refresh(
                client_id=client_id, refresh_token=form.get("refresh_token", ""), scope=form.get("scope", "")
            )
        else:
            raise services.OAuthError(
                "grant_type must be authorization_code or refresh_token.", error="unsupported_grant_type"
            )
    except services.SandboxError as error:
        return _error_response(error)
    response = JsonResponse(issued.as_json())
    response["Cache-Control"] = "no-store"  # RFC 6749 §5.1
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt  # a client-authenticated back-channel endpoint (RFC 7009), no session
@sandbox_enabled
def revoke(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _method_not_allowed(["POST"])
    try:
        client_id = _authenticated_client(request)
    except services.SandboxError as error:
        return _error_response(error)
    if not request.POST.get("token"):
        return _error_response(services.OAuthError("token is required."))
    services.token_revoke(client_id=client_id, token=request.POST["token"])
    return HttpResponse(status=200)


# ---------------------------------------------------------------------------------
# The JSON API


@method_decorator(csrf_exempt, name="dispatch")  # bearer tokens, never the session cookie
@method_decorator(sandbox_enabled, name="dispatch")
class BearerApiView(View):
    """Authenticates the bearer token once, against the scope each HTTP method needs,
    and turns every refusal into its JSON answer."""

    required_scopes: ClassVar[dict[str, str]] = {}
    token: SandboxToken

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        scope = self.required_scopes.get(request.method or "")
        if scope is None:
            return _method_not_allowed(sorted(self.required_scopes))
        try:
            self.token = services.token_authenticate(
                authorization=request.headers.get("Authorization", ""), scope=scope
            )
            return super().dispatch(request, *args, **kwargs)
        except services.SandboxError as error:
            return _error_response(error)

    @property
    def account(self) -> SandboxAccount:
        return self.token.account


class MeApi(BearerApiView):
    required_scopes = {"GET": "profile"}

    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse(services.account_json(self.account))


def _since(value: str) -> datetime | None:
    if not value:
        return None
    try:
        # A "+" in an unencoded query string arrives as a space.
        moment = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError as error:
        raise services.SandboxError("since must be an ISO 8601 date and time.") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _limit(value: str) -> int:
    try:
        limit = int(value or 20)
    except ValueError as error:
        raise services.SandboxError("limit must be a number.") from error
    if not 1 <= limit <= services.POSTS_LIST_LIMIT:
        raise services.SandboxError(f"limit must be between 1 and {services.POSTS_LIST_LIMIT}.")
    return limit


class PostsApi(BearerApiView):
    required_scopes = {"GET": "posts:read", "POST": "posts:write"}

    def get(self, request: HttpRequest) -> HttpResponse:
        posts = services.posts_recent(
            account=self.account, since=_since(request.GET.get("since", "")), limit=_limit(request.GET.get("limit", ""))
        )
        return JsonResponse({"posts": [services.post_json(post) for post in posts]})

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError) as error:
            raise services.SandboxError("The body must be JSON.") from error
        if not isinstance(body, dict):
            raise services.SandboxError('The body must be a JSON object: {"text": "…"}.')
        created = services.post_create(
            account=self.account,
            text=body.get("text"),
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
        )
        response = JsonResponse(services.post_json(created.post), status=200 if created.replayed else 201)
        if created.rate is not None:
            for name, value in created.rate.headers().items():
                response[name] = value
        return response


class PostApi(BearerApiView):
    required_scopes = {"DELETE": "posts:write"}

    def delete(self, request: HttpRequest, post_id: str) -> HttpResponse:
        services.post_delete(account=self.account, public_id=post_id)
        return HttpResponse(status=204)


class MetricsApi(BearerApiView):
    required_scopes = {"GET": "posts:read"}

    def get(self, request: HttpRequest) -> HttpResponse:
        ids = [value for value in request.GET.get("ids", "").split(",") if value.strip()]
        if not ids:
            raise services.SandboxError("ids is required: post ids separated by commas.")
        return JsonResponse({"metrics": services.metrics_for(account=self.account, ids=[v.strip() for v in ids])})


# ---------------------------------------------------------------------------------
# Pages
#
# An account's page and its posts are shown to their owner only (404 for anyone else,
# as for a handle that does not exist). A real network's profiles are public, but this
# one runs inside a multi-tenant installation: its posts carry one organisation's
# content and tracked links, and handles are guessable from names, so public profiles
# would let the people of one organisation read another's.


def _page(request: HttpRequest, posts: Any) -> Any:
    return Paginator(posts.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))


@sandbox_enabled
@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    page_obj = _page(request, services.posts_of_user(user=_person(request)))
    context = {
        "page_obj": page_obj,
        "entries": services.post_entries(page_obj.object_list, now=timezone.now()),
        "accounts": SandboxAccount.objects.filter(user=_person(request)),
    }
    return render(request, "sandbox/timeline.html", context)


@sandbox_enabled
@login_required
def account(request: HttpRequest, handle: str) -> HttpResponse:
    owned = get_object_or_404(SandboxAccount, handle=handle, user=_person(request))
    page_obj = _page(request, services.posts_of_account(account=owned))
    context = {
        "account": owned,
        "page_obj": page_obj,
        "entries": services.post_entries(page_obj.object_list, now=timezone.now()),
    }
    return render(request, "sandbox/account.html", context)


@sandbox_enabled
@login_required
def post(request: HttpRequest, handle: str, post_id: str) -> HttpResponse:
    shown = get_object_or_404(
        SandboxPost.objects.select_related("account"),
        public_id=post_id,
        account__handle=handle,
        account__user=_person(request),
        deleted_at__isnull=True,
    )
    entry = services.post_entries([shown], now=timezone.now())[0]
    return render(request, "sandbox/post.html", {"entry": entry, "account": shown.account})
