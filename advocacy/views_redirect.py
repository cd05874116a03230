"""`/s/<code>`: the tracked link's redirect, the busiest and most public URL Chorus has.

- It goes only to the target stored when the link was made: nothing in the request
  (no `?url=`, no `next=`) can change where it sends anyone, so it is no open redirect.
- 302, never 301: browsers cache a 301 and later clicks would never reach us. The
  response is `private, no-store`, so no cache replays it without counting.
- GET and HEAD only; HEAD is counted as a bot (link checkers and unfurlers send it).
- An unknown code answers a small fixed 404 page: no template, no database write, and
  nothing that tells an unknown code from a deleted one.
- No session, user or CSRF work: the view never touches `request.user` or
  `request.session`, so not even a signed-in employee's click reads a session row, and
  on a warm cache it makes no database query and waits on nothing: the link comes from
  the process's memory and the click is handed to Redis without waiting for a reply
  (`advocacy.services.links.click_record`).
- The visitor's address comes from `accounts.services.audit.client_ip`: REMOTE_ADDR, or
  the proxy's X-Forwarded-For entry when Chorus runs behind a trusted proxy
  (SECURE_PROXY_SSL_HEADER set). It is only hashed into a daily visitor key, never
  stored.

`ShortLinkMiddleware` serves the same view before the rest of the middleware stack,
for an installation that puts it right after SecurityMiddleware (bench/README.md
measures what that saves).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.services.audit import client_ip
from advocacy.services.links import click_record

SHORT_LINK_PREFIX = "/s/"
# Browsers announce prefetches and prerenders in these headers (advocacy.lib.links.is_bot).
_PURPOSE_META = (("Sec-Purpose", "HTTP_SEC_PURPOSE"), ("Purpose", "HTTP_PURPOSE"), ("X-Moz", "HTTP_X_MOZ"))
_NOT_FOUND_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link not found</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
    "<body><h1>Link not found</h1><p>This link does not exist or no longer works.</p></body></html>"
)
_NO_STORE = "private, no-store"


@require_safe
def tracked_link_redirect(request: HttpRequest, code: str) -> HttpResponse:
    meta = request.META
    headers = {name: meta[key] for name, key in _PURPOSE_META if key in meta}
    target = click_record(
        code=code,
        user_agent=meta.get("HTTP_USER_AGENT", ""),
        ip=client_ip(request) or "",
        headers=headers,
        now=timezone.now(),
        method=request.method or "GET",
    )
    response: HttpResponse
    if target is None:
        response = HttpResponseNotFound(_NOT_FOUND_PAGE, content_type="text/html; charset=utf-8")
        # The middleware that would add these may be bypassed (ShortLinkMiddleware).
        response["X-Frame-Options"] = "DENY"
        response["Content-Security-Policy"] = "default-src 'none'"
    else:
        response = HttpResponseRedirect(target)
    response["Cache-Control"] = _NO_STORE
    return response


class ShortLinkMiddleware:
    """Answers `/s/<code>` (and `/s/<code>/`) itself, skipping the middleware below it
    and URL resolution. Safe because the redirect needs none of them: no session, user,
    CSRF, messages, tenant scope or templates. Install it right after
    SecurityMiddleware, which keeps the HTTPS redirect and the security headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(SHORT_LINK_PREFIX):
            code = path[len(SHORT_LINK_PREFIX) :]
            if code.endswith("/"):
                code = code[:-1]
            if code and "/" not in code:
                return tracked_link_redirect(request, code)
        return self.get_response(request)
