"""Bluesky's Jetstream as its README documents it: `/subscribe` over a websocket, with
`wantedCollections`, `cursor` (unix microseconds; the archive is replayed from there, then live
events follow) and `maxMessageSizeBytes`; JSON events of kind commit (create, update, delete),
identity and account. Plus what the network does to a client: dropped connections, a server
that freezes, refused handshakes, and hostile messages.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from bisect import bisect_left
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from tests.connectors.fakes.wsserver import WebsocketServer

POST = "app.bsky.feed.post"


class FakeJetstream:
    def __init__(self) -> None:
        # The archive, oldest first: (time_us, message as sent).
        self.archive: list[tuple[int, str]] = []
        self.subscriptions: list[dict[str, list[str]]] = []  # each connection's query
        self.refuse_with: int | None = None  # answer handshakes with this HTTP status
        self.close_at_once = False  # accept, then close normally straight away
        self._frozen: set[ServerConnection] = set()
        self._clock = 0
        self._lock = threading.Lock()
        self._n = 0
        self.server = WebsocketServer(self._serve, self._handshake).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/subscribe"

    def stop(self) -> None:
        self.server.stop()

    # --- what happens on the network ------------------------------------------------------

    def post(
        self,
        text: Any,
        *,
        did: str | None = None,
        langs: Any = ("sv",),
        operation: str = "create",
        rkey: str | None = None,
        reply_to: str | None = None,
        **record_fields: Any,
    ) -> dict[str, Any]:
        """A post written to the network; returns the Jetstream event."""
        self._n += 1
        did = did or f"did:plc:user{self._n}"
        rkey = rkey or f"3lpost{self._n:06d}"
        time_us = self._tick()
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": datetime.fromtimestamp(time_us / 1e6, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        if langs is not None:
            record["langs"] = list(langs)
        if reply_to:
            ref = {"uri": reply_to, "cid": "bafyreiparent"}
            record["reply"] = {"root": ref, "parent": ref}
        record.update(record_fields)
        event = {
            "did": did,
            "time_us": time_us,
            "kind": "commit",
            "commit": {
                "rev": f"3lrev{self._n:06d}",
                "operation": operation,
                "collection": POST,
                "rkey": rkey,
                "record": record,
                "cid": f"bafyreicid{self._n}",
            },
        }
        self.send(event, time_us)
        return event

    def delete(self, did: str, rkey: str) -> None:
        time_us = self._tick()
        commit = {"rev": "3lrevdel", "operation": "delete", "collection": POST, "rkey": rkey}
        self.send({"did": did, "time_us": time_us, "kind": "commit", "commit": commit}, time_us)

    def like(self, did: str = "did:plc:liker") -> None:
        """Another collection: never sent to a client that wants posts only."""
        time_us = self._tick()
        commit = {
            "rev": "3lrevlike",
            "operation": "create",
            "collection": "app.bsky.feed.like",
            "rkey": "3llike",
            "record": {"$type": "app.bsky.feed.like"},
        }
        self.send({"did": did, "time_us": time_us, "kind": "commit", "commit": commit}, time_us)

    def identity(self, did: str = "did:plc:someone") -> None:
        time_us = self._tick()
        event = {
            "did": did,
            "time_us": time_us,
            "kind": "identity",
            "identity": {"did": did, "handle": "someone.bsky.social", "seq": 1, "time": "x"},
        }
        self.send(event, time_us)

    def send(self, message: Any, time_us: int | None = None) -> None:
        """Put any message in the stream (hostile tests send broken ones as str)."""
        text = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
        at = time_us if time_us is not None else self._tick()
        with self._lock:
            self.archive.append((at, text))

    def drop(self) -> None:
        self.server.drop_all()

    def freeze(self) -> None:
        """The open connections go silent and stop answering pings; new ones work."""
        self._frozen |= self.server.connections
        self.server.freeze_all()

    def _tick(self) -> int:
        """The network's clock: real time in microseconds, never the same twice."""
        with self._lock:
            self._clock = max(self._clock + 1, int(time.time() * 1_000_000))
            return self._clock

    # --- the server -----------------------------------------------------------------------

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        if urlsplit(request.path).path != "/subscribe":
            return connection.respond(404, "Not Found\n")
        if self.refuse_with is not None:
            return connection.respond(self.refuse_with, "refused\n")
        return None

    async def _serve(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        query = parse_qs(urlsplit(connection.request.path).query)
        self.subscriptions.append(query)
        if self.close_at_once:
            await connection.close()
            return
        wanted = set(query.get("wantedCollections", []))
        limit = int(query.get("maxMessageSizeBytes", ["0"])[0]) or None
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        with self._lock:
            times = [t for t, _ in self.archive]
        position = len(times) if cursor is None else bisect_left(times, cursor)
        while connection.close_code is None:
            with self._lock:
                waiting = [] if connection in self._frozen else self.archive[position:]
            for _, text in waiting:
                position += 1
                if limit is not None and len(text.encode("utf-8")) > limit:
                    continue
                if wanted and not _wanted(text, wanted):
                    continue
                await connection.send(text)
            await asyncio.sleep(0.005)


def _wanted(text: str, collections: set[str]) -> bool:
    try:
        event = json.loads(text)
    except ValueError:
        return True  # broken messages go out as they are
    commit = event.get("commit") if isinstance(event, dict) else None
    return not isinstance(commit, dict) or commit.get("collection") in collections
