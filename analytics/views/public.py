"""Public conversion endpoints, outside any organisation's pages and sessions. Each
authenticates by its own key and enters the organisation's scope itself:

- `GET /t/<snippet key>/chorus.js`: the first-party snippet for the company's site;
- `POST /t/<snippet key>/conversions`: the snippet's conversion events (CORS for the
  organisation's own origins only);
- `POST /hooks/conversions/<organisation id>/`: the HMAC-signed webhook.

None of them uses cookies or sessions, so none needs CSRF protection: CSRF defends
requests a browser authenticates with its cookies, and these are authenticated by the
snippet key and origin (public by nature, and only able to add conversions) or by the
webhook's signature.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts.models import Organization
from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import AnalyticsSettings, Conversion, ConversionSource
from analytics.services.conversions import (
    WebhookRefused,
    conversion_input_from_mapping,
    conversion_record,
    webhook_signature_check,
)

MAX_BODY_BYTES = 16 * 1024
SNIPPET_EVENTS_PER_MINUTE = 600
SNIPPET_CACHE_SECONDS = 3600
SIGNATURE_HEADER = "HTTP_CHORUS_SIGNATURE"


def _error(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _settings_for_key(snippet_key: str) -> AnalyticsSettings | None:
    if not snippet_key or len(snippet_key) > 40:
        return None
    # The key in the address is what names the organisation: there is no scope to be
    # in until it is found (the same lookup a tracked link's short code does).
    with scopes_disabled():
        return AnalyticsSettings.objects.filter(snippet_key=snippet_key).select_related("organization").first()


def _conversion_body(conversion: Conversion, *, created: bool) -> dict[str, Any]:
    return {
        "id": str(conversion.public_id),
        "event_id": conversion.event_id,
        "kind": conversion.kind,
        "attributed": conversion.is_attributed,
        "created": created,
    }


# The snippet ------------------------------------------------------------------------------


@require_GET
def snippet_script(request: HttpRequest, snippet_key: str) -> HttpResponse:
    """The snippet, cacheable by browsers and CDNs for an hour (a new key takes effect
    within that hour)."""
    settings = _settings_for_key(snippet_key)
    if settings is None:
        return HttpResponse(
            "/* Chorus: no snippet with this key. */\n", status=404, content_type="text/javascript; charset=utf-8"
        )
    endpoint = request.build_absolute_uri(reverse("analytics_snippet_conversions", args=[snippet_key]))
    body = render_to_string(
        "analytics/goals/chorus.js", {"endpoint": endpoint, "organization_name": settings.organization.name}
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SNIPPET_CACHE_SECONDS}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _allowed_origin(settings: AnalyticsSettings, origin: str) -> bool:
    allowed = {line.strip() for line in settings.snippet_origins.splitlines() if line.strip()}
    return bool(origin) and origin.rstrip("/") in allowed


def _with_cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def _over_rate_limit(snippet_key: str) -> bool:
    bucket = f"analytics:snippet-rate:{snippet_key}:{int(timezone.now().timestamp() // 60)}"
    cache.add(bucket, 0, timeout=120)
    try:
        return cache.incr(bucket) > SNIPPET_EVENTS_PER_MINUTE
    except ValueError:  # expired between add and incr: a fresh minute
        return False


# Cookie-less by design: see the module docstring.
@csrf_exempt
def snippet_conversions(request: HttpRequest, snippet_key: str) -> HttpResponse:
    """A conversion event from the snippet. The body is JSON (sent as text/plain so the
    browser needs no preflight); the conversion's time is the time it arrives."""
    settings = _settings_for_key(snippet_key)
    if settings is None:
        return _error(404, "No snippet with this key.")
    origin = request.headers.get("Origin", "")
    if not _allowed_origin(settings, origin):
        return _error(
            403, "This website's origin is not allowed to send conversions: add it in Chorus's analytics settings."
        )
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return _with_cors(response, origin)
    if request.method != "POST":
        response = _error(405, "Send conversions with POST.")
        response["Allow"] = "POST, OPTIONS"
        return _with_cors(response, origin)
    if _over_rate_limit(snippet_key):
        return _with_cors(_error(429, "Too many conversion events from this website: try again in a minute."), origin)
    if len(request.body) > MAX_BODY_BYTES:
        return _with_cors(_error(413, "The event is too large."), origin)
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _with_cors(_error(400, "The body must be a JSON object."), origin)
    if not isinstance(payload, dict):
        return _with_cors(_error(400, "The body must be a JSON object."), origin)
    payload.pop("occurred_at", None)  # a browser's clock is not trusted: the arrival time counts
    organization = settings.organization
    now = timezone.now()
    with organization_scope(organization):
        try:
            data = conversion_input_from_mapping(payload, organization=organization, now=now)
            conversion, created = conversion_record(
                organization=organization, data=data, source=ConversionSource.SNIPPET, now=now
            )
        except ValidationError as error:
            return _with_cors(_error(400, "The event is not valid.", fields=error.message_dict), origin)
        body = _conversion_body(conversion, created=created)
    return _with_cors(JsonResponse(body, status=201 if created else 200), origin)


# The webhook ---------------------------------------------------------------------------------


def _organization_of(organization_id: str) -> Organization | None:
    try:
        public_id = uuid.UUID(organization_id)
    except ValueError:
        return None
    return Organization.objects.filter(public_id=public_id).first()


# Server-to-server, authenticated by the signature: see the module docstring.
@csrf_exempt
def conversion_webhook(request: HttpRequest, organization_id: str) -> HttpResponse:
    """A signed conversion from the company's systems (see docs/analytics-goals.md).
    201 recorded, 200 already recorded under this event id, 400 the body is wrong,
    401 the signature is — and 401, too, for an organisation that does not exist."""
    if request.method != "POST":
        response = _error(405, "Send conversions with POST.")
        response["Allow"] = "POST"
        return response
    if len(request.body) > MAX_BODY_BYTES:
        return _error(413, "The event is too large.")
    organization = _organization_of(organization_id)
    now = timezone.now()
    if organization is None:
        try:
            webhook_signature_check(
                organization=None, header=request.META.get(SIGNATURE_HEADER, ""), body=request.body, now=now
            )
        except WebhookRefused as refused:
            return _error(401, str(refused))
        return _error(401, "The Chorus-Signature header is missing, malformed or does not match.")
    with organization_scope(organization):
        try:
            webhook_signature_check(
                organization=organization, header=request.META.get(SIGNATURE_HEADER, ""), body=request.body, now=now
            )
        except WebhookRefused as refused:
            return _error(401, str(refused))
        try:
            payload = json.loads(request.body or b"")
        except (ValueError, UnicodeDecodeError):
            return _error(400, "The body must be a JSON object.")
        if not isinstance(payload, dict):
            return _error(400, "The body must be a JSON object.")
        try:
            data = conversion_input_from_mapping(payload, organization=organization, now=now)
            conversion, created = conversion_record(
                organization=organization, data=data, source=ConversionSource.WEBHOOK, now=now
            )
        except ValidationError as error:
            return _error(400, "The event is not valid.", fields=error.message_dict)
        return JsonResponse(_conversion_body(conversion, created=created), status=201 if created else 200)
