"""Reads Bluesky posts matching search words, newest first (`sort=latest`); replies and posts
through `sender.py`.

Each query is a stream with a `Walk`: its `since` is the newest `indexedAt` collected (the API's
`since` is inclusive and compares the time it sorts by; the pipeline drops repeats), and `below`
is the API's opaque `cursor` for the next page of the walk in progress.

With an account (identifier and app password), requests go to its server with a session
(`xrpc.py`). With `mode: stream`, the source reads the live Jetstream firehose instead, keeping
the posts that match the workspace's topics (`jetstream.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

from lyssna.connectors import websocket
from lyssna.connectors.base import (
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    Outgoing,
    RawItem,
    Sent,
    StreamDroppedError,
    StreamEvent,
    TopicFilter,
    Verdict,
)
from lyssna.connectors.bluesky import jetstream, mapping
from lyssna.connectors.bluesky.config import BlueskyConfig
from lyssna.connectors.bluesky.sender import BlueskySender
from lyssna.connectors.bluesky.xrpc import Xrpc
from lyssna.connectors.http import HttpClient, Walk

SEARCH = "app.bsky.feed.searchPosts"


class BlueskyConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[BlueskyConfig]] = BlueskyConfig
    can_reply: ClassVar[bool] = True  # with an account
    can_publish: ClassVar[bool] = True
    needs_credentials: ClassVar[bool] = False  # the public AppView may ask for an account

    def __init__(self, config: BlueskyConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.xrpc = Xrpc(config, http)
        self.sender = BlueskySender(self.xrpc)

    def _params(self, query: str, walk: Walk) -> dict[str, Any]:
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": self.config.page_size}
        if self.config.lang:
            params["lang"] = self.config.lang
        if walk.since:
            params["since"] = walk.since
        if walk.below:
            params["cursor"] = walk.below
        return params

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        url = f"{self.config.base_url}/xrpc/{SEARCH}"
        for query in self.config.queries:
            walk = Walk.from_cursor(walks, query)
            body = await self.xrpc.call(SEARCH, params=self._params(query, walk))
            if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                raise MalformedResponseError(f"{url} did not answer with posts")
            posts = [p for p in body["posts"] if isinstance(p, dict)]
            for post in posts:
                items.setdefault(str(post.get("uri")), RawItem(post, url))
            times = [p["indexedAt"] for p in posts if isinstance(p.get("indexedAt"), str)]
            page_top = max(times) if times else None
            next_cursor = body.get("cursor")
            next_below = next_cursor if isinstance(next_cursor, str) and posts else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[query] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def stream(self, cursor: Cursor | None, topics: TopicFilter) -> AsyncIterator[StreamEvent]:
        return jetstream.stream_posts(self.config, cursor, topics)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        if mapping.is_jetstream_event(item.payload):
            return mapping.map_commit(item, retrieved_at)
        return mapping.map_post(item, retrieved_at)

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)

    async def check(self) -> Verdict:
        details = []
        try:
            if self.config.identifier:
                session = await self.xrpc.login()
                details.append(f"account {session.handle}: signed in (can reply and post)")
            else:
                details.append("no account: cannot reply or post")
            if self.config.queries:
                params = {"q": self.config.queries[0], "limit": 1}
                body = await self.xrpc.call(SEARCH, params=params)
                if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                    raise MalformedResponseError(
                        f"{self.config.base_url} did not answer with posts"
                    )
            if self.config.mode == "stream":
                details.append(await self._check_jetstream())
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        if self.config.mode == "stream":
            where = self.config.jetstream_url
            return Verdict(True, f"{where} streams posts", tuple(details))
        return Verdict(True, f"{self.config.base_url} answers searches", tuple(details))

    async def _check_jetstream(self) -> str:
        """Connect to Jetstream and see it answer: a post, or a ping while it is quiet."""
        url = jetstream.subscribe_url(self.config, None)
        where = self.config.jetstream_url
        async with websocket.connect(url) as connection:
            async for message in websocket.messages(connection, where=where, ping_every=2):
                if message is None:
                    return f"stream {where}: connected (no post in the first 2 s)"
                return f"stream {where}: connected, posts arriving"
        raise StreamDroppedError(f"{where} closed the connection at once")
