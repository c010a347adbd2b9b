"""Mastodon's streaming API as documented: a websocket at /api/v1/streaming on its own host
(named in `configuration.urls.streaming` of /api/v2/instance), `stream=hashtag&tag=` in the URL
or `{"type": "subscribe", ...}` messages, events `{"stream", "event", "payload"}` with the
status as a JSON string, a user token required (Mastodon 4.2), error messages for unknown
streams. Statuses posted to the FakeMastodon it stands beside are streamed to subscribers.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tests.connectors.fakes.mastodon import FakeMastodon
from tests.connectors.fakes.server import Request as HttpRequest
from tests.connectors.fakes.server import Response as HttpResponse
from tests.connectors.fakes.server import json_response
from tests.connectors.fakes.wsserver import WebsocketServer


class FakeMastodonStreaming:
    def __init__(self, masto: FakeMastodon, *, public: bool = False) -> None:
        self.masto = masto
        self.public = public  # stream without a token (servers before Mastodon 4.2)
        self.disabled = False  # the streaming API is switched off (404)
        self.handshakes: list[dict[str, Any]] = []  # query and token of each connection
        self._events: list[tuple[str, str, str]] = []  # (hashtag or "", event, payload)
        self.server = WebsocketServer(self._serve, self._handshake).start()
        # The instance information names the streaming host (as mastodon.social's does).
        route = (re.compile("^/api/v2/instance$"), self._instance)
        masto.server.routes.insert(0, ("GET", *route))

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self.server.stop()

    def post(self, text: str, tag: str, **overrides: Any) -> dict[str, Any]:
        """A status posted on the server (so also in its timeline), then streamed."""
        status = self.masto.post(text, tags=(tag,), **overrides)
        self.send(tag, "update", json.dumps(status, ensure_ascii=False))
        return status

    def edit(self, status: dict[str, Any], text: str) -> None:
        status.update(content=f"<p>{text}</p>", edited_at="2026-11-20T12:00:00.000Z")
        for tag in status["tags"]:
            self.send(tag["name"], "status.update", json.dumps(status, ensure_ascii=False))

    def delete(self, status: dict[str, Any]) -> None:
        for tag in status["tags"]:
            self.send(tag["name"], "delete", status["id"])

    def send(self, tag: str, event: str, payload: str) -> None:
        self._events.append((tag.lower(), event, payload))

    def send_raw(self, message: str) -> None:
        self._events.append(("", "raw", message))

    def drop(self) -> None:
        self.server.drop_all()

    # --- the servers ----------------------------------------------------------------------

    def _instance(self, request: HttpRequest) -> HttpResponse:
        return json_response(
            {
                "domain": "social.example",
                "title": "Social",
                "version": "4.3.2",
                "configuration": {"urls": {"streaming": self.url}},
            }
        )

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.disabled or urlsplit(request.path).path != "/api/v1/streaming":
            return connection.respond(404, '{"error":"Not Found"}')
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
        self.handshakes.append({"query": parse_qs(urlsplit(request.path).query), "token": token})
        if token is None and not self.public:
            return connection.respond(401, '{"error":"Missing access token"}')
        if token is not None and token not in self.masto.scopes:
            return connection.respond(401, '{"error":"Invalid access token"}')
        return None

    async def _serve(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        query = parse_qs(urlsplit(connection.request.path).query)
        tags: set[str] = set()
        if query.get("stream") == ["hashtag"]:
            tags.add(query["tag"][0].lower())
        position = len(self._events)
        reading = asyncio.create_task(self._subscriptions(connection, tags))
        try:
            while connection.close_code is None and not reading.done():
                for tag, event, payload in self._events[position:]:
                    position += 1
                    if event == "raw":
                        await connection.send(payload)
                    elif tag in tags:
                        message = {"stream": ["hashtag", tag], "event": event, "payload": payload}
                        await connection.send(json.dumps(message, ensure_ascii=False))
                await asyncio.sleep(0.005)
        except ConnectionClosed:
            pass
        finally:
            reading.cancel()

    async def _subscriptions(self, connection: ServerConnection, tags: set[str]) -> None:
        async for message in connection:
            request = json.loads(message)
            if request.get("type") == "subscribe" and request.get("stream") == "hashtag":
                tags.add(str(request.get("tag")).lower())
            else:
                await connection.send(json.dumps({"error": "Unknown stream type", "status": 400}))
