"""Reads a LinkedIn organization's posts and the comments (with replies) on its newest posts;
replies as the organization and publishes posts (`sender.py`), through the Community Management
API (`/rest/posts`, `/rest/socialActions/{urn}/comments`) with an admin member's token.

Posts come newest first (`q=author`, `sortBy=LAST_MODIFIED`), read with a `Walk` on
`lastModifiedAt` and paged by `start`. LinkedIn does not document the order of comments, so the
comments of each of the `watch_posts` newest posts are swept in full every poll (a page of 100
is one request for most posts), each one new if it is not older than the newest collected
before; a sweep longer than a poll's share continues at the next fetch. Replies are read for a
comment when its reply count grows.
"""

from __future__ import annotations

from datetime import datetime
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
from lyssna.connectors.http import HttpClient, Walk
from lyssna.connectors.linkedin import mapping
from lyssna.connectors.linkedin.api import LinkedInApi, encoded, iso_millis
from lyssna.connectors.linkedin.config import LinkedInConfig
from lyssna.connectors.linkedin.mapping import comment_urn
from lyssna.connectors.linkedin.sender import LinkedInSender

COMMENT_PAGE = 100  # comments per request
COMMENT_PAGES = 5  # requests per post and poll before a sweep continues at the next fetch


class LinkedInConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[LinkedInConfig]] = LinkedInConfig
    can_reply: ClassVar[bool] = True
    can_publish: ClassVar[bool] = True
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: LinkedInConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.api = LinkedInApi(http, config)
        self.sender = LinkedInSender(config, self.api)

    def _posts_query(self) -> dict[str, Any]:
        return {"q": "author", "author": self.config.organization, "sortBy": "LAST_MODIFIED"}

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        state = cursor or {}
        items: dict[str, RawItem] = {}
        walk = Walk.from_cursor(state, "walk")
        sweeps: dict[str, Any] = dict(state.get("comments") or {})
        replies: dict[str, dict[str, int]] = dict(state.get("replies") or {})
        watched = [(str(p[0]), str(p[1])) for p in state.get("posts") or [] if len(p) == 2]
        # A poll that pages on continues only what is mid-way.
        continuing = bool(walk.below) or any((s or {}).get("below") for s in sweeps.values())
        more = False
        if walk.below or not continuing:
            posts, walk, more = await self._read_posts(walk, items)
            seen = [(str(p["id"]), iso_millis(p.get("createdAt")) or "") for p in posts]
            watched = _newest([*watched, *seen], self.config.watch_posts)
        for post, posted in list(watched) if self.config.comments else []:
            sweep = Walk.from_cursor(sweeps, post)
            if continuing and not sweep.below:
                continue
            try:
                sweep, sweep_more, comments = await self._sweep(post, sweep, items)
            except SourceNotFoundError:  # the post was deleted: stop watching it
                watched.remove((post, posted))
                continue
            sweeps[post] = sweep.as_json()
            replies[post] = await self._replies(post, comments, sweep, replies.get(post), items)
            more = more or sweep_more
        kept = {post for post, _ in watched} if self.config.comments else set()
        next_cursor = {
            "walk": walk.as_json(),
            "posts": [list(p) for p in watched],
            "comments": {p: s for p, s in sweeps.items() if p in kept},
            "replies": {p: r for p, r in replies.items() if p in kept},
        }
        return FetchResult(list(items.values()), next_cursor, more)

    async def _read_posts(
        self, walk: Walk, items: dict[str, RawItem]
    ) -> tuple[list[dict[str, Any]], Walk, bool]:
        start = int(walk.below or 0)
        posts, next_start, url = await self.api.page(
            "posts", self._posts_query(), start, self.config.page_size
        )
        posts = [p for p in posts if isinstance(p.get("id"), str)]
        since = int(walk.since) if walk.since else None
        stamps = [_modified(p) for p in posts]
        for post, stamp in zip(posts, stamps, strict=True):
            if since is None or stamp is None or stamp >= since:
                items.setdefault(post["id"], RawItem({"edge": "posts", "post": post}, url))
        known = [s for s in stamps if s is not None]
        reached = since is not None and bool(known) and min(known) <= since
        below = str(next_start) if next_start is not None and posts and not reached else None
        walk, more = walk.after_page(str(max(known)) if known else None, below)
        return posts, walk, more

    async def _sweep(
        self, post: str, sweep: Walk, items: dict[str, RawItem]
    ) -> tuple[Walk, bool, list[dict[str, Any]]]:
        """Read the post's comments from where the sweep is; those not older than its `since`
        are items. Returns the sweep after, whether it goes on, and the comments read."""
        since = int(sweep.since) if sweep.since else None
        top = int(sweep.top) if sweep.top else None
        start = int(sweep.below or 0)
        read: list[dict[str, Any]] = []
        for _ in range(COMMENT_PAGES):
            comments, next_start, url = await self.api.page(
                f"socialActions/{encoded(post)}/comments", {}, start, COMMENT_PAGE
            )
            read += comments
            for comment in comments:
                created = _created(comment)
                top = max(top or 0, created or 0) or None
                if comment_urn(comment) and (since is None or created is None or created >= since):
                    payload = {"edge": "comments", "post": post, "comment": comment}
                    items.setdefault(str(comment_urn(comment)), RawItem(payload, url))
            if next_start is None:
                return Walk(since=str(top) if top else sweep.since), False, read
            start = next_start
        return Walk(sweep.since, str(start), str(top) if top else None), True, read

    async def _replies(
        self,
        post: str,
        comments: list[dict[str, Any]],
        sweep: Walk,
        counted: dict[str, int] | None,
        items: dict[str, RawItem],
    ) -> dict[str, int]:
        """Read the replies of comments whose reply count grew; the counts after."""
        counted = dict(counted or {})
        since = int(sweep.since) if sweep.since else None
        for comment in comments:
            urn = comment_urn(comment)
            summary = comment.get("commentsSummary")
            count = summary.get("totalFirstLevelComments") if isinstance(summary, dict) else None
            if not urn or not isinstance(count, int) or count <= counted.get(urn, 0):
                continue
            start: int | None = 0
            while start is not None:
                found, start, url = await self.api.page(
                    f"socialActions/{encoded(urn)}/comments", {}, start, COMMENT_PAGE
                )
                for reply in found:
                    created = _created(reply)
                    if comment_urn(reply) and (since is None or not created or created >= since):
                        payload = {"edge": "comments", "post": post, "comment": reply}
                        items.setdefault(str(comment_urn(reply)), RawItem(payload, url))
            counted[urn] = count
        return counted

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_item(item, retrieved_at)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            posts, _, _ = await self.api.page("posts", self._posts_query(), 0, 1)
            details.append(f"{self.config.organization}: posts readable ({len(posts)} on page 1)")
            if self.config.comments and posts and isinstance(posts[0].get("id"), str):
                await self.api.page(f"socialActions/{encoded(posts[0]['id'])}/comments", {}, 0, 1)
                details.append("comments: readable")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        return Verdict(
            True,
            f"LinkedIn accepts the token for {self.config.organization} "
            f"(LinkedIn-Version {self.config.api_version})",
            tuple(details),
        )

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)


def _newest(posts: list[tuple[str, str]], keep: int) -> list[tuple[str, str]]:
    """The `keep` newest (URN, ISO time) posts, each once, newest first."""
    latest = dict(sorted(posts, key=lambda p: p[1]))
    return sorted(latest.items(), key=lambda p: p[1], reverse=True)[:keep]


def _modified(post: dict[str, Any]) -> int | None:
    value = post.get("lastModifiedAt") or post.get("createdAt")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _created(comment: dict[str, Any]) -> int | None:
    created = comment.get("created")
    value = created.get("time") if isinstance(created, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
