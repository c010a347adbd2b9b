"""Following Mastodon hashtags live, through the streaming API's websocket.

One connection to the server's streaming API (its address from the instance information,
`configuration.urls.streaming`, or the `streaming_url` setting) subscribes to each hashtag
(`stream=hashtag`). An `update` (a new status) or `status.update` (an edit) carries the status
as a JSON string, mapped like a polled status; a `delete` carries the id of a deleted status.
Since Mastodon 4.2 every stream needs an access token (`read:statuses`), sent in the
Authorization header, never in the URL.

A stream cannot resume. So once connected, it first reads each hashtag's timeline from where
the cursor stopped (the polling walks, `CATCH_UP_PAGES` pages at most), then passes on what
arrives live, moving each hashtag's walk on with the statuses it delivers: a reconnect or a
restart misses nothing (the pipeline drops what it reads twice), and a source can switch
between polling and streaming without a gap.

When the server offers no stream (the streaming API switched off or not where it should be, or
it streams only to signed-in users and the source has no token), StreamUnavailableError has the
runner poll the source instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import orjson
from websockets.asyncio.client import ClientConnection

from lyssna.connectors import websocket
from lyssna.connectors.base import (
    AuthError,
    Cursor,
    GoneError,
    RawItem,
    RequestRejectedError,
    SourceNotFoundError,
    StreamDroppedError,
    StreamEvent,
    StreamUnavailableError,
    Unreadable,
    catch_up,
)
from lyssna.connectors.http import Walk, describe_url, json_object, newest_id

if TYPE_CHECKING:
    from lyssna.connectors.mastodon.client import MastodonConnector

CATCH_UP_PAGES = 50  # 40 statuses each: what a stream catches up at most after a gap
STATUS_EVENTS = frozenset({"update", "status.update"})
_NEEDS_TOKEN = (
    "{where} streams only to signed-in accounts (Mastodon 4.2 and later): give the source an "
    "access token with read:statuses (--token-env) to stream"
)


async def streaming_base(connector: MastodonConnector) -> str:
    """The streaming API's address: the setting, what the server says, or the server itself."""
    config = connector.config
    if config.streaming_url:
        return config.streaming_url
    try:
        body, _ = await connector.http.get_json(
            f"{config.instance}/api/v2/instance", hints=connector.hints
        )
    except SourceNotFoundError:  # older servers: the same host streams
        body = None
    urls = (body or {}).get("configuration", {}).get("urls", {}) if isinstance(body, dict) else {}
    found = urls.get("streaming") if isinstance(urls, dict) else None
    if isinstance(found, str) and found.startswith(("wss://", "ws://")):
        return found.rstrip("/")
    return "ws" + config.instance.removeprefix("http")


async def stream_statuses(
    connector: MastodonConnector, cursor: Cursor | None
) -> AsyncIterator[StreamEvent]:
    """Events from one streaming connection: caught-up and live statuses, deletions."""
    config = connector.config
    base = await streaming_base(connector)
    first, *others = config.hashtags
    url = _hashtag_url(base, first)
    where = describe_url(url)
    reader = _Reader(connector, where)
    async with _connect(connector, url, where) as connection:
        for tag in others:
            subscribe = {"type": "subscribe", "stream": "hashtag", "tag": tag}
            await connection.send(orjson.dumps(subscribe).decode())
        yield StreamEvent()  # connected
        async for caught in catch_up(connector.fetch, cursor, CATCH_UP_PAGES):
            cursor = caught.cursor
            yield caught
        reader.walks = dict((cursor or {}).get("streams") or {})
        ping_every = max(config.stall_seconds / 3, 0.05)
        async for message in websocket.messages(connection, where=where, ping_every=ping_every):
            yield reader.read(message) if message is not None else StreamEvent()


def _hashtag_url(base: str, tag: str) -> str:
    return f"{base}/api/v1/streaming?{urlencode({'stream': 'hashtag', 'tag': tag})}"


@asynccontextmanager
async def _connect(
    connector: MastodonConnector, url: str, where: str
) -> AsyncIterator[ClientConnection]:
    """The websocket; a server without a stream for us as StreamUnavailableError."""
    stack = AsyncExitStack()
    try:
        connection = await stack.enter_async_context(
            websocket.connect(url, headers=connector.auth_headers(), hints=connector.hints)
        )
    except AuthError as exc:
        if connector.config.token is None:
            raise StreamUnavailableError(_NEEDS_TOKEN.format(where=where)) from exc
        raise
    except (SourceNotFoundError, GoneError, RequestRejectedError) as exc:
        raise StreamUnavailableError(
            f"{where} offers no stream ({exc.reason}); if the server streams from another "
            "address, set streaming_url"
        ) from exc
    async with stack:
        yield connection


class _Reader:
    """Reads streaming messages: statuses to store, and each hashtag's walk moved on."""

    def __init__(self, connector: MastodonConnector, where: str) -> None:
        self.config = connector.config
        self.where = where
        self.source_url = f"{self.config.instance}/api/v1/streaming"  # local handles' server
        self.tags = {tag.lower(): tag for tag in self.config.hashtags}
        self.walks: dict[str, Any] = {}

    def read(self, message: str | bytes) -> StreamEvent:
        event = json_object(message, "a streaming message")
        if isinstance(event, Unreadable):
            return StreamEvent(unreadable=(event,))
        if "error" in event:
            self._refused(event)
        name = event.get("event")
        if name == "delete":
            payload = event.get("payload")
            return StreamEvent(deleted=(str(payload),)) if payload else StreamEvent()
        if name not in STATUS_EVENTS:
            return StreamEvent()  # filters_changed, announcements: not for listening
        payload = event.get("payload")
        status = json_object(payload if isinstance(payload, str) else "", "a streamed status")
        if isinstance(status, Unreadable):
            return StreamEvent(unreadable=(status,))
        item = RawItem(status, self.source_url)
        return StreamEvent(items=(item,), cursor=self._moved(event, status))

    def _moved(self, event: dict[str, Any], status: dict[str, Any]) -> Cursor | None:
        """The cursor with the status's hashtag walk moved on to it (None: unchanged)."""
        stream = event.get("stream")
        tag = stream[1] if isinstance(stream, list) and len(stream) > 1 else None
        name = self.tags.get(str(tag).lower()) if tag is not None else None
        if name is None or not isinstance(status.get("id"), str):
            return None
        key = f"tag:{name}"
        walk = Walk.from_cursor(self.walks, key)
        if walk.below is not None:  # a catch-up walk still in progress: it moves on by polling
            return None
        since = newest_id([i for i in (walk.since, status["id"]) if i])
        self.walks[key] = Walk(since=since).as_json()
        return {"streams": dict(self.walks)}

    def _refused(self, event: dict[str, Any]) -> None:
        said = f"{event.get('error')}"
        status = event.get("status")
        if status in (401, 403):
            if self.config.token is None:
                raise StreamUnavailableError(_NEEDS_TOKEN.format(where=self.where))
            raise AuthError(f"{self.where} refused the token ({status}): {said}")
        if status == 400:
            raise StreamUnavailableError(f"{self.where} cannot stream hashtags: {said}")
        raise StreamDroppedError(f"{self.where} reported an error: {said}")


async def check_stream(connector: MastodonConnector) -> str:
    """A line for `lyssna sources test`: can the source stream, or will it be polled."""
    url = _hashtag_url(await streaming_base(connector), connector.config.hashtags[0])
    where = describe_url(url)
    try:
        async with _connect(connector, url, where):
            pass
    except StreamUnavailableError as exc:
        return f"streaming: not available ({exc.reason}); the hashtags will be polled instead"
    return f"streaming: {where} accepts the connection"
