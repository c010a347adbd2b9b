"""Reads an Instagram business or creator account's posts, the comments on its newest posts,
posts that tag it and recent public posts with chosen hashtags; replies to comments and comments
on its own posts (`sender.py`). Through the Graph API on graph.facebook.com (Instagram API with
Facebook Login), with a token of a person or system user who manages the linked Facebook Page.

Lists are newest-first streams with a `Walk`, read as the Facebook connector reads them
(`lyssna.connectors.facebook.graph`): the account's media, its tags, each hashtag's
`recent_media` (the last 24 hours; a hashtag's id is looked up once and kept in the cursor, as
each lookup counts against the 30 hashtags an account may search in 7 days), and the comments of
the `watch_posts` newest posts with their replies (`replies{...}` inside each comment).
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
from lyssna.connectors.facebook.graph import (
    GraphClient,
    Stream,
    StreamReader,
    TokenHelp,
    as_object,
    graph_time,
    iso_time,
    newest,
)
from lyssna.connectors.http import HttpClient
from lyssna.connectors.instagram import mapping
from lyssna.connectors.instagram.config import MAX_HASHTAGS, InstagramConfig
from lyssna.connectors.instagram.sender import InstagramSender

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,shortcode,timestamp,username,"
    "like_count,comments_count"
)
# Hashtag lists refuse `username`: who posted is not given there.
HASHTAG_MEDIA_FIELDS = "id,caption,media_type,permalink,timestamp,like_count,comments_count"
REPLY_FIELDS = "id,text,timestamp,username,from,like_count,parent_id,hidden"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"


class InstagramConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[InstagramConfig]] = InstagramConfig
    can_reply: ClassVar[bool] = True
    # A post on Instagram needs a photo or a video (a container made from an image URL, then
    # published): Lyssna's outgoing messages are text, so it does not publish there.
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: InstagramConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.graph = GraphClient.for_source(
            http,
            config,
            TokenHelp(
                what="access token",
                renew=(
                    "Get a new token (a system user's does not expire: see docs/connectors.md, "
                    "Instagram, step 4) and put it in the same place"
                ),
                permissions=(
                    "Create the token again granting it (instagram_basic and "
                    "pages_read_engagement to read, instagram_manage_comments for comments "
                    "and replies; hashtags also need the Instagram Public Content Access "
                    "feature), as a person or system user with a task on the linked Page"
                ),
                not_found=(
                    f"Check the account id {config.account}: it is the Instagram account's "
                    "id, linked to a Facebook Page the token can manage"
                ),
            ),
        )
        self.sender = InstagramSender(config, self.graph)

    # --- reading ---------------------------------------------------------------------------

    def _account_streams(self) -> list[tuple[str, Stream]]:
        account, size = self.config.account, self.config.page_size
        params = {"fields": MEDIA_FIELDS, "limit": size}
        wanted = {"media": self.config.media, "tags": self.config.tags}
        return [
            (edge, Stream(edge, f"{account}/{edge}", params, "timestamp"))
            for edge, on in wanted.items()
            if on
        ]

    def _hashtag_stream(self, name: str, hashtag_id: str) -> Stream:
        params = {
            "user_id": self.config.account,
            "fields": HASHTAG_MEDIA_FIELDS,
            "limit": self.config.page_size,
        }
        return Stream(f"hashtag:{name}", f"{hashtag_id}/recent_media", params, "timestamp")

    @staticmethod
    def _comment_stream(media_id: str) -> Stream:
        params = {"fields": COMMENT_FIELDS, "limit": 50}
        return Stream(f"comments:{media_id}", f"{media_id}/comments", params, "timestamp")

    async def _hashtag_id(self, name: str) -> str:
        """The hashtag's id; every lookup counts against the account's 30 a week."""
        body, url = await self.graph.get(
            "ig_hashtag_search", {"user_id": self.config.account, "q": name}
        )
        found = as_object(body).get("data")
        if isinstance(found, list) and found and isinstance(found[0], dict) and found[0].get("id"):
            return str(found[0]["id"])
        raise SourceNotFoundError(f"{url}: Instagram knows no hashtag #{name}")

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        reader = StreamReader(self.graph, cursor)
        watched = [tuple(m) for m in (cursor or {}).get("media") or [] if len(m) == 3]
        hashtag_ids: dict[str, str] = dict((cursor or {}).get("hashtag_ids") or {})
        for edge, stream in self._account_streams():
            if reader.skips(stream.name):
                continue
            page = await reader.read(stream, partial(_media_item, edge))
            if edge == "media":  # comments are read for the account's newest posts
                seen = [_watched(m) for m in page.found]
                watched = newest([*watched, *seen], self.config.watch_posts)
        for name in self.config.hashtags:
            if reader.skips(f"hashtag:{name}"):
                continue
            if name not in hashtag_ids:
                hashtag_ids[name] = await self._hashtag_id(name)
            stream = self._hashtag_stream(name, hashtag_ids[name])
            await reader.read(stream, partial(_hashtag_item, name))
        if self.config.comments:
            watched = await self._read_comments(reader, watched)
        kept_ids = {k: v for k, v in hashtag_ids.items() if k in self.config.hashtags}
        return reader.result(media=[list(m) for m in watched], hashtag_ids=kept_ids)

    async def _read_comments(
        self, reader: StreamReader, watched: list[tuple[str, ...]]
    ) -> list[tuple[str, ...]]:
        """Comments of the watched posts; the posts still there (a deleted one is let go)."""
        names, kept = set(), []
        for entry in watched:
            media_id, posted, permalink = entry
            stream = self._comment_stream(str(media_id))
            kept.append(entry)
            names.add(stream.name)
            if reader.skips(stream.name):
                continue
            on = {"id": media_id, "permalink": permalink or None}
            try:
                page = await reader.read(stream, partial(_comment_item, on), posted)
            except SourceNotFoundError:
                kept.pop()
                names.discard(stream.name)
                continue
            # A new reply can be under an older comment: each reply is judged by its own time.
            for comment in page.found:
                for reply in as_object(comment.get("replies")).get("data") or []:
                    when = graph_time(as_object(reply).get("timestamp"))
                    if reply.get("id") and (page.since is None or not when or when >= page.since):
                        reader.add(reply["id"], _comment_item(on, reply), page.url)
        reader.keep_only("comments:", names)
        return kept

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_item(item, retrieved_at)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            body, _ = await self.graph.get(
                self.config.account, {"fields": "id,username,followers_count,media_count"}
            )
            account = as_object(body)
            username = account.get("username") or "?"
            followers = account.get("followers_count")
            details.append(
                f"account: @{username} ({self.config.account})"
                + (f", {followers:,} followers" if isinstance(followers, int) else "")
            )
            for edge, stream in self._account_streams():
                await self.graph.page(stream.path, {**stream.params, "limit": 1})
                details.append(f"{edge}: readable")
            if self.config.hashtags:
                # Not searched here (each search counts against the 30 a week): only counted.
                found, _, _ = await self.graph.page(
                    f"{self.config.account}/recently_searched_hashtags", {"limit": MAX_HASHTAGS}
                )
                details.append(
                    f"hashtags: {len(found)} of {MAX_HASHTAGS} searched in the last 7 days "
                    f"({len(self.config.hashtags)} configured here)"
                )
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        usage = self.graph.usage
        used = f" ({usage.percent}% of the rate limit used)" if usage else ""
        return Verdict(True, f"Instagram accepts the token for @{username}{used}", tuple(details))

    # --- sending ---------------------------------------------------------------------------

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)


def _watched(media: dict[str, Any]) -> tuple[str, str, str]:
    """What the cursor keeps of a post whose comments are read: id, time, link."""
    return (
        str(media["id"]),
        iso_time(media.get("timestamp")) or "",
        str(media.get("permalink") or ""),
    )


def _media_item(edge: str, media: dict[str, Any]) -> dict[str, Any]:
    return {"edge": edge, "media": media}


def _hashtag_item(hashtag: str, media: dict[str, Any]) -> dict[str, Any]:
    return {"edge": "hashtag", "hashtag": hashtag, "media": media}


def _comment_item(on: dict[str, Any], comment: dict[str, Any]) -> dict[str, Any]:
    return {"edge": "comments", "media": on, "comment": comment}
