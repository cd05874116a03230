"""Container health check for the web process: GET /healthz must answer 200 "ok".

Used by docker-compose.yml. It runs inside the web container and talks to
gunicorn on loopback, so it has to look like a request that Django accepts:

- the Host header is the first entry of ALLOWED_HOSTS (a leading "." wildcard
  is dropped, "*" becomes "localhost"), otherwise Django answers 400;
- X-Forwarded-Proto is "https", so that with SECURE_PROXY_SSL_HEADER_ENABLED
  the request counts as secure and SECURE_SSL_REDIRECT does not answer 301.

Redirects are not followed: a 301 to https means the check did not reach the
view, and the container is reported unhealthy. Exit status 0 = healthy.
"""

from __future__ import annotations

import http.client
import os
import sys


def health_host() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts or hosts[0] == "*":
        return "localhost"
    return hosts[0].lstrip(".")


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Host": health_host(), "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read(64)
    except OSError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if response.status != 200 or body.strip() != b"ok":
        print(f"healthcheck: HTTP {response.status} {body[:64]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
