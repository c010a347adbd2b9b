"""Bluesky's live firehose through Jetstream, kept to the posts that match the workspace's topics.

Jetstream, a Bluesky service, turns the network's firehose into JSON over a websocket. Lyssna
asks it for posts only (`wantedCollections=app.bsky.feed.post`) and keeps a post when its text
matches one of the workspace's topics (and its declared language, when the source sets `lang`):
the firehose is everything said on Bluesky, so only matches are stored. The filter is one
tokenisation and a dictionary look-up per post (`TopicFilter`).

The cursor is the `time_us` of the last event read, reported with each kept post and otherwise
once a second. A connection resumes `REWIND_US` before it, as Jetstream advises for gapless
playback; the pipeline drops what it already has. An instance keeps a limited window of past
events: a source stopped for longer resumes at the oldest event it still has. Deleted posts
are reported as `deleted`; an update is mapped like a new post (the stored mention follows the
edit).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from lyssna.connectors import websocket
from lyssna.connectors.base import (
    Cursor,
    RawItem,
    SourceConfigError,
    StreamEvent,
    TopicFilter,
    Unreadable,
)
from lyssna.connectors.bluesky.config import BlueskyConfig
from lyssna.connectors.bluesky.mapping import POST, post_uri
from lyssna.connectors.http import describe_url, json_object

REWIND_US = 5_000_000  # resume this much before the cursor (microseconds)
CURSOR_EVERY = 1.0  # seconds between position reports when no post is kept
# Jetstream drops events bigger than this for us (maxMessageSizeBytes), so that one huge record
# can never make the connection fail over and over at the same place.
MAX_MESSAGE_BYTES = 1024 * 1024


def subscribe_url(config: BlueskyConfig, cursor: Cursor | None) -> str:
    params = [("wantedCollections", POST), ("maxMessageSizeBytes", str(MAX_MESSAGE_BYTES))]
    time_us = cursor_time(cursor)
    if time_us is not None:
        params.append(("cursor", str(max(0, time_us - REWIND_US))))
    separator = "&" if "?" in config.jetstream_url else "?"
    return f"{config.jetstream_url}{separator}{urlencode(params)}"


def cursor_time(cursor: Cursor | None) -> int | None:
    value = (cursor or {}).get("time_us")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


async def stream_posts(
    config: BlueskyConfig, cursor: Cursor | None, topics: TopicFilter
) -> AsyncIterator[StreamEvent]:
    """Events from one Jetstream connection: kept posts, deletions, the position."""
    if not len(topics):
        raise SourceConfigError(
            "the Bluesky stream keeps the posts that match the workspace's topics, and there "
            "are none: add one with `lyssna topics add NAME --query WORDS`"
        )
    where = describe_url(config.jetstream_url)
    source_url = config.jetstream_url.split("?")[0]
    # Without a cursor the stream starts now, and says so: a reconnect before any post came
    # then replays from here instead of starting from its own now.
    start = cursor_time(cursor) or int(time.time() * 1_000_000)
    reader = _Reader(config, topics, source_url, start)
    async with websocket.connect(
        subscribe_url(config, cursor), max_message_bytes=2 * MAX_MESSAGE_BYTES
    ) as connection:
        yield StreamEvent(cursor=reader.cursor())  # connected
        reported = time.monotonic()
        async for message in websocket.messages(
            connection, where=where, ping_every=max(config.stall_seconds / 3, 0.05)
        ):
            event = reader.read(message) if message is not None else None
            now = time.monotonic()
            if event is not None:
                reported = now
                yield event
            elif message is None or now - reported >= CURSOR_EVERY:
                reported = now
                yield StreamEvent(cursor=reader.cursor())


class _Reader:
    """Reads Jetstream messages one by one: the posts to keep, and where the stream is."""

    def __init__(
        self, config: BlueskyConfig, topics: TopicFilter, source_url: str, time_us: int
    ) -> None:
        self.lang = config.lang.lower() if config.lang else None
        self.topics = topics
        self.source_url = source_url
        self.time_us = time_us

    def cursor(self) -> Cursor:
        return {"time_us": self.time_us}

    def read(self, message: str | bytes) -> StreamEvent | None:
        """An event worth yielding now for this message, or None (nothing to keep)."""
        event = json_object(message, "a Jetstream message")
        if isinstance(event, Unreadable):
            return StreamEvent(cursor=self.cursor(), unreadable=(event,))
        time_us = event.get("time_us")
        if isinstance(time_us, int) and not isinstance(time_us, bool) and time_us > 0:
            self.time_us = max(self.time_us, time_us)
        commit = event.get("commit")
        if event.get("kind") != "commit" or not isinstance(commit, dict):
            return None  # identity and account events
        if commit.get("collection") != POST:
            return None
        did, rkey = event.get("did"), commit.get("rkey")
        if not isinstance(did, str) or not isinstance(rkey, str):
            return self._unreadable("a Jetstream commit without did or rkey", message)
        operation = commit.get("operation")
        if operation == "delete":
            return StreamEvent(cursor=self.cursor(), deleted=(post_uri(did, rkey),))
        if operation not in ("create", "update") or not self._wanted(commit.get("record"), did):
            return None
        return StreamEvent(items=(RawItem(event, self.source_url),), cursor=self.cursor())

    def _wanted(self, record: Any, did: str) -> bool:
        if not isinstance(record, dict):
            return False
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            return False
        langs = [v for v in record.get("langs") or [] if isinstance(v, str)]
        if self.lang and not any(v.lower().split("-")[0] == self.lang for v in langs):
            return False
        return self.topics.wanted(text, lang=langs[0] if langs else None, author=did)

    def _unreadable(self, reason: str, message: str | bytes) -> StreamEvent:
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        return StreamEvent(cursor=self.cursor(), unreadable=(Unreadable(reason, text[:1000]),))
