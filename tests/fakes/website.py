"""A small website on 127.0.0.1 for fetcher tests: real HTTP (or HTTPS) in a thread.

    with FakeWebsite() as site:
        site.page("/article", "<html>…</html>")
        site.redirect("/old", site.url("/article"))
        site.page("/slow", "late", delay=2.0)
        fetch(site.url("/old"), FetchPolicy(allow_hosts=frozenset({site.host}), allowed_ports=None))

Each request is recorded (path and headers) in `site.requests`. With `tls=` the site
speaks HTTPS with the given certificate and records the SNI names clients sent in
`site.server_names`; `self_signed_certificate()` makes one for test host names.
"""

from __future__ import annotations

import datetime
import gzip
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line is sent
    trickle: float = 0.0  # seconds between body chunks
    chunk_size: int = 64 * 1024
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    gzip: bool = False
    etag: str | None = None  # answer 304 to a request whose If-None-Match names it


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]


class FakeWebsite:
    def __init__(self, *, tls: tuple[Path, Path] | None = None) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[Recorded] = []
        self.server_names: list[str | None] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # Clients that time out or hang up mid-body are the point of some tests.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            context.sni_callback = self._record_sni
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-website", daemon=True
        )

    def __enter__(self) -> FakeWebsite:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def host(self) -> str:
        """`127.0.0.1:<port>`: the entry to put in FetchPolicy.allow_hosts."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/", *, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def page(self, path: str, body: str | bytes, **options: Any) -> str:
        """Serve `body` at `path` (options as in Page); returns the page's URL."""
        self.pages[path] = Page(body=body.encode() if isinstance(body, str) else body, **options)
        return self.url(path)

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        self.pages[path] = Page(body=b"", status=status, content_type=None, headers={"Location": location})
        return self.url(path)

    def large(self, path: str, size: int, *, content_length: bool = True, gzip: bool = False) -> str:
        """An HTML page of `size` bytes; its <title> is in the first few bytes."""
        head = b"<html><head><title>Big page</title></head><body>"
        return self.page(path, head + b"x" * (size - len(head)), content_length=content_length, gzip=gzip)

    def paths(self) -> list[str]:
        return [recorded.path for recorded in self.requests]

    def _record_sni(self, sock: Any, server_name: str | None, context: ssl.SSLContext) -> None:
        self.server_names.append(server_name)


def _handler_for(site: FakeWebsite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, and a body without Content-Length ends
        # when the connection closes.
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            site.requests.append(Recorded(self.path, {name.lower(): value for name, value in self.headers.items()}))
            page = site.pages.get(self.path) or site.pages.get(self.path.split("?")[0])
            if page is None:
                page = Page(body=b"<h1>Not found</h1>", status=404)
            time.sleep(page.delay)
            if page.etag is not None:
                page = self._conditional(page)
            body = gzip.compress(page.body) if page.gzip else page.body
            try:
                self.send_response(page.status)
                if page.content_type:
                    self.send_header("Content-Type", page.content_type)
                if page.gzip:
                    self.send_header("Content-Encoding", "gzip")
                if page.content_length:
                    self.send_header("Content-Length", str(len(body)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                for start in range(0, len(body), page.chunk_size):
                    self.wfile.write(body[start : start + page.chunk_size])
                    self.wfile.flush()
                    time.sleep(page.trickle)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the client gave up first, which is what some tests want

        def _conditional(self, page: Page) -> Page:
            headers = {**page.headers, "ETag": page.etag or ""}
            if self.headers.get("If-None-Match") == page.etag:
                return Page(body=b"", status=304, content_type=None, headers=headers)
            return Page(**{**page.__dict__, "headers": headers})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def self_signed_certificate(directory: Path, names: Iterable[str]) -> tuple[Path, Path]:
    """A certificate for the DNS `names`, signed by itself, so a client can trust it by
    using the certificate file as its CA bundle. Returns (certificate, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    names = list(names)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "site.crt"
    key_path = directory / "site.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
