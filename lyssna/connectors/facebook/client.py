"""Reads a Facebook Page's feed, the posts tagging it and the comments on its newest posts;
replies to them and publishes on the Page (`sender.py`), through the Graph API with a Page
access token.

Each list is a newest-first stream with a `Walk`: the feed (`/{page}/feed`, the Page's own and
visitors' posts) and `/{page}/tagged` ask `since` the newest post collected; the comments of each
of the `watch_posts` newest posts (`/{post}/comments?filter=stream&order=reverse_chronological`,
replies included) end at the page that reaches what was collected before. A poll that must page
further continues only the walks in progress, so one busy post does not re-read every list.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from lyssna.connectors.base import (
    ConnectorError,
    Cursor,
    FetchResult,
    MappedItem,
    Outgoing,
    RawItem,
    Sent,
    SourceNotFoundError,
    Verdict,
)
from lyssna.connectors.facebook import mapping
from lyssna.connectors.facebook.config import FacebookConfig
from lyssna.connectors.facebook.graph import (
    GraphClient,
    Stream,
    StreamReader,
    TokenHelp,
    iso_time,
    newest,
)
from lyssna.connectors.facebook.sender import FacebookSender
from lyssna.connectors.http import HttpClient

POST_FIELDS = (
    "id,message,story,created_time,updated_time,permalink_url,from,status_type,shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
TAGGED_FIELDS = "id,message,story,created_time,updated_time,permalink_url,from,shares"
COMMENT_FIELDS = (
    "id,message,created_time,from,parent{id},like_count,comment_count,permalink_url,attachment"
)


class FacebookConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[FacebookConfig]] = FacebookConfig
    can_reply: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: FacebookConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.graph = GraphClient.for_source(
            http,
            config,
            TokenHelp(
                what="Page access token",
                renew=(
                    "Get a new Page access token (a long-lived one does not expire: see "
                    "docs/connectors.md, Facebook, steps 5-7) and put it in the same place"
                ),
                permissions=(
                    "Create the token again granting it (reading needs pages_read_engagement "
                    "and pages_read_user_content; replying pages_manage_engagement; publishing "
                    "pages_manage_posts), as a person with a task on the Page"
                ),
                not_found=f"Check the Page id {config.page} and that the token is that Page's",
            ),
        )
        self.sender = FacebookSender(config, self.graph)

    # --- reading ---------------------------------------------------------------------------

    def _page_streams(self) -> list[tuple[str, Stream]]:
        page, size = self.config.page, self.config.page_size
        streams = []
        if self.config.feed:
            params = {"fields": POST_FIELDS, "limit": size}
            streams.append(("feed", Stream("feed", f"{page}/feed", params, "created_time", True)))
        if self.config.tagged:
            params = {"fields": TAGGED_FIELDS, "limit": size}
            streams.append(
                ("tagged", Stream("tagged", f"{page}/tagged", params, "created_time", True))
            )
        return streams

    @staticmethod
    def _comment_stream(post_id: str) -> Stream:
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",  # replies too, not only top-level comments
            "order": "reverse_chronological",
            "limit": 100,
        }
        return Stream(f"comments:{post_id}", f"{post_id}/comments", params, "created_time")

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        reader = StreamReader(self.graph, cursor)
        watched = [tuple(p) for p in (cursor or {}).get("posts") or [] if len(p) == 2]
        for edge, stream in self._page_streams():
            if reader.skips(stream.name):
                continue
            page = await reader.read(stream, partial(_post_item, edge))
            if edge == "feed":  # comments are read for the feed's newest posts
                seen = [(str(p["id"]), iso_time(p.get("created_time")) or "") for p in page.found]
                watched = newest([*watched, *seen], self.config.watch_posts)
        names = set()
        for post_id, posted in watched if self.config.comments and self.config.feed else []:
            stream = self._comment_stream(str(post_id))
            if reader.skips(stream.name):
                names.add(stream.name)
                continue
            try:
                await reader.read(stream, partial(_comment_item, str(post_id)), posted)
            except SourceNotFoundError:  # the post was deleted: stop watching it
                watched = [w for w in watched if w[0] != post_id]
                continue
            names.add(stream.name)
        reader.keep_only("comments:", names)
        return reader.result(posts=[list(p) for p in watched])

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_item(item, retrieved_at)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            body, _ = await self.graph.get(self.config.page, {"fields": "id,name"})
            name = body.get("name") if isinstance(body, dict) else None
            details.append(f"Page: {name or '?'} ({self.config.page}); token accepted")
            for edge, stream in self._page_streams():
                await self.graph.page(stream.path, {**stream.params, "limit": 1})
                details.append(f"{edge}: readable")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        usage = self.graph.usage
        used = f" ({usage.percent}% of the rate limit used)" if usage else ""
        return Verdict(True, f"Facebook accepts the Page access token{used}", tuple(details))

    # --- sending ---------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)


def _post_item(edge: str, post: dict[str, Any]) -> dict[str, Any]:
    return {"edge": edge, "post": post}


def _comment_item(post_id: str, comment: dict[str, Any]) -> dict[str, Any]:
    return {"edge": "comments", "post_id": post_id, "comment": comment}
