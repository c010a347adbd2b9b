"""A small threaded HTTP server with routes, scripted failures and a request log.

Real sockets, so timeouts, headers and connection errors behave as they do in production.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    match: re.Match[str] | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """An application/x-www-form-urlencoded body, one value per name."""
        return {
            k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()
        }

    def fields(self) -> dict[str, Any]:
        """The body's fields, whether it came as JSON or as a form (APIs that take both)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            body = self.json()
            return body if isinstance(body, dict) else {}
        return self.form()

    @property
    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int = 200
    body: Any = b""  # bytes, str, or anything JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)
    hang_up: bool = False  # close the connection without answering (an answer lost on the way)
    # A streaming answer: its chunks are sent as they come (Transfer-Encoding: chunked) until
    # the iterator ends, or it raises HangUp (the connection is cut mid-stream).
    stream: Callable[[], Iterator[bytes]] | None = None

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


Handler = Callable[[Request], Response]


class HangUp(Exception):
    """Raised by a streaming answer to cut the connection without ending the body."""


class FakeServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []
        self._scripted: list[tuple[str | None, Response]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(f"^{pattern}$"), handler))
            return handler

        return register

    def script(self, *responses: Response, path: str | None = None) -> None:
        """Answer the next requests (to paths starting with `path`) with these, in order."""
        with self._lock:
            self._scripted.extend((path, r) for r in responses)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(path)]

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            for index, (prefix, scripted) in enumerate(self._scripted):
                if prefix is None or request.path.startswith(prefix):
                    del self._scripted[index]
                    return scripted
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.match = match
                return handler(request)
        return json_response({"error": "Record not found"}, 404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                response = server._answer(request)
                if response.delay:
                    time.sleep(response.delay)
                if response.hang_up:
                    self.close_connection = True
                    return
                if response.stream is not None:
                    self._stream(response)
                    return
                body = response.encoded()
                try:
                    self.send_response(response.status)
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD" and response.status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def _stream(self, response: Response) -> None:
                assert response.stream is not None
                self.protocol_version = "HTTP/1.1"  # chunked bodies need 1.1
                self.close_connection = True
                try:
                    self.send_response(response.status)
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in response.stream():
                        if chunk:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except HangUp:
                    pass  # no last chunk: the client sees the body end too early
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Handler
