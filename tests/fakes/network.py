"""The common ground of the fake social networks: a real HTTP server on 127.0.0.1 in a
thread, a route table, a controllable clock, per-route fault injection, and a
test-only control API. Each network's fake (`linkedin.py`, `x.py`, `mastodon.py`,
`bluesky.py`) subclasses `FakeNetwork` and registers its routes.

    with FakeX() as x:                      # listens on a free loopback port
        config = x.config()                 # each fake's ProviderConfig pointing at it
        x.fault("POST", "/2/tweets", kind="drop_after_commit")
        … run the adapter or the worker …
        assert len(x.posts_of("user-1")) == 1

The control API answers over HTTP too, so a test can drive a fake that another
process (a Celery worker) talks to:

    POST /__fake__/reset                    forget every post, token, fault and request
    POST /__fake__/faults   {"method", "path", "kind", "times", "status", "body", "headers", "seconds"}
    POST /__fake__/clock    {"now": ISO-8601} or {"advance": seconds}
    GET  /__fake__/posts?account=ID         the posts that account really received
    GET  /__fake__/requests                 every request seen, as "METHOD /path"

Fault kinds:
    latency            sleep `seconds` before handling (past the client's read timeout: a timeout)
    status             answer `status` with `body` and `headers` instead of handling
    drop               close the connection without handling (the request never happened)
    drop_after_commit  handle the request (the post is created), then reset the connection
    delay_after_commit handle the request, then wait `seconds` before answering (a worker
                       killed meanwhile dies after the network accepted the post)
    rate_limit         answer the network's own 429 (the subclass's `rate_limited_response`)
Each fault applies to the next `times` matching requests (default 1; 0 = until reset).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route pattern

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode(errors="replace")).items()}

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[-1] if values else default

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else ""


@dataclass
class FakeResponse:
    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        return self.body or b"", headers


def json_response(status: int, body: dict[str, Any] | list[Any], **headers: str) -> FakeResponse:
    return FakeResponse(status=status, body=body, headers=dict(headers))


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    kind: str
    times: int = 1  # 0: until reset
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


Handler = Callable[[FakeRequest], FakeResponse]


class FakeNetwork:
    """Base class: subclasses call `self.route(method, pattern, handler)` in `__init__`."""

    name = "fake"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._faults: list[Fault] = []
        self.clock_offset = timedelta(0)
        self.fixed_now: datetime | None = None
        self.requests: list[str] = []
        self.posts: dict[str, list[dict[str, Any]]] = {}
        self.latency = 0.0  # seconds added to every request (the network's own speed)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        # A client that gave up (a read timeout) makes the late answer fail to write: expected.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"fake-{self.name}", daemon=True)

    # Lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> FakeNetwork:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # What subclasses use ---------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """`pattern` is a regular expression matched against the whole path; named
        groups arrive in `request.params`."""
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def now(self) -> datetime:
        with self.lock:
            if self.fixed_now is not None:
                return self.fixed_now
            return datetime.now(UTC) + self.clock_offset

    def record_post(self, account: str, post: dict[str, Any]) -> None:
        with self.lock:
            self.posts.setdefault(account, []).append(post)

    def posts_of(self, account: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.posts.get(account, []))

    def rate_limited_response(self, request: FakeRequest) -> FakeResponse:
        """The network's own 429; subclasses answer with their real headers and body."""
        return json_response(429, {"error": "Too Many Requests"})

    def reset_state(self) -> None:
        """Subclasses forget their tokens and accounts here (and call super)."""

    # Test-side controls (also reachable over HTTP under /__fake__/) --------------------

    def fault(
        self,
        method: str,
        path: str,
        *,
        kind: str,
        times: int = 1,
        status: int = 500,
        body: Any = None,
        headers: dict[str, str] | None = None,
        seconds: float = 0.0,
    ) -> None:
        if kind not in {"latency", "status", "drop", "drop_after_commit", "delay_after_commit", "rate_limit"}:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self.lock:
            self._faults.append(
                Fault(
                    method=method.upper(),
                    path=re.compile(path),
                    kind=kind,
                    times=times,
                    status=status,
                    body=body,
                    headers=headers or {},
                    seconds=seconds,
                )
            )

    def set_clock(self, *, now: datetime | None = None, advance: float | None = None) -> None:
        with self.lock:
            if now is not None:
                self.fixed_now = None
                self.clock_offset = now - datetime.now(UTC)
            if advance is not None:
                if self.fixed_now is not None:
                    self.fixed_now += timedelta(seconds=advance)
                else:
                    self.clock_offset += timedelta(seconds=advance)

    def reset(self) -> None:
        with self.lock:
            self._faults.clear()
            self.requests.clear()
            self.posts.clear()
            self.clock_offset = timedelta(0)
            self.fixed_now = None
            self.latency = 0.0
            self.reset_state()

    def requests_to(self, method: str, path_pattern: str) -> int:
        pattern = re.compile(path_pattern)
        with self.lock:
            return sum(
                1
                for line in self.requests
                if line.split(" ", 1)[0] == method.upper() and pattern.fullmatch(line.split(" ", 1)[1])
            )

    # Dispatch ------------------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.method in (method, "*") and fault.path.fullmatch(path):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def _control(self, request: FakeRequest) -> FakeResponse:
        action = request.path.removeprefix("/__fake__/")
        data = request.json() or {}
        if action == "reset" and request.method == "POST":
            self.reset()
            return json_response(200, {"ok": True})
        if action == "faults" and request.method == "POST":
            self.fault(
                data.get("method", "*"),
                data["path"],
                kind=data["kind"],
                times=int(data.get("times", 1)),
                status=int(data.get("status", 500)),
                body=data.get("body"),
                headers=data.get("headers"),
                seconds=float(data.get("seconds", 0)),
            )
            return json_response(200, {"ok": True})
        if action == "clock" and request.method == "POST":
            now = datetime.fromisoformat(data["now"]) if data.get("now") else None
            self.set_clock(now=now, advance=data.get("advance"))
            return json_response(200, {"now": self.now().isoformat()})
        if action == "posts" and request.method == "GET":
            return json_response(200, {"posts": self.posts_of(request.arg("account"))})
        if action == "requests" and request.method == "GET":
            with self.lock:
                return json_response(200, {"requests": list(self.requests)})
        return json_response(404, {"error": f"unknown control {action}"})

    def handle(self, request: FakeRequest) -> tuple[FakeResponse | None, Fault | None]:
        """The response, and the fault that shapes how it is delivered (drops)."""
        if request.path.startswith("/__fake__/"):
            return self._control(request), None
        with self.lock:
            self.requests.append(f"{request.method} {request.path}")
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.seconds)
                fault = None
            elif fault.kind == "status":
                body = fault.body if fault.body is not None else {"error": "injected"}
                return FakeResponse(status=fault.status, body=body, headers=fault.headers), None
            elif fault.kind == "rate_limit":
                return self.rate_limited_response(request), None
            elif fault.kind == "drop":
                return None, fault
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                request.params = match.groupdict()
                return handler(request), fault
        return json_response(404, {"error": "not found", "path": request.path}), fault


def _handler_for(network: FakeNetwork) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real APIs
        disable_nagle_algorithm = True  # small answers go out at once, not after a 40 ms delayed ACK

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = FakeRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            response, fault = network.handle(request)
            if fault is not None and fault.kind == "delay_after_commit":
                time.sleep(fault.seconds)
            if response is None or (fault is not None and fault.kind == "drop_after_commit"):
                self._reset_connection()
                return
            payload, headers = response.encoded()
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _reset_connection(self) -> None:
            # SO_LINGER 0: close with a TCP reset, as a crashed proxy or a dropped link does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    return Handler
