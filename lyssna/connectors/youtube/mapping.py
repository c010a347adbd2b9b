"""A YouTube search result (a video) or comment thread -> Lyssna's import record. Pure."""

from __future__ import annotations

from datetime import datetime
from html import unescape
from typing import Any

from lyssna.connectors.base import MappedItem, RawItem, provenance, unknown_fields
from lyssna.connectors.text import html_to_text

KIND = "youtube"
VERSION = "1"
WATCH = "https://www.youtube.com/watch?v={}"

VIDEO = "youtube#searchResult"
THREAD = "youtube#commentThread"
ITEM_FIELDS = frozenset({"kind", "etag", "id", "snippet", "replies"})
SEARCH_SNIPPET = frozenset(
    {
        "publishedAt", "channelId", "title", "description", "thumbnails", "channelTitle",
        "liveBroadcastContent", "publishTime",
    }
)  # fmt: skip
THREAD_SNIPPET = frozenset(
    {"channelId", "videoId", "topLevelComment", "canReply", "totalReplyCount", "isPublic"}
)
COMMENT_SNIPPET = frozenset(
    {
        "authorDisplayName", "authorProfileImageUrl", "authorChannelUrl", "authorChannelId",
        "channelId", "videoId", "textDisplay", "textOriginal", "parentId", "canRate",
        "viewerRating", "likeCount", "moderationStatus", "publishedAt", "updatedAt",
    }
)  # fmt: skip


def map_item(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    if payload.get("kind") == VIDEO:
        return _video(item, retrieved_at)
    if payload.get("kind") == THREAD:
        return _thread(item, retrieved_at)
    return MappedItem(None, f"not a video or comment thread (kind {payload.get('kind')!r})")


def _video(item: RawItem, retrieved_at: datetime) -> MappedItem:
    result = item.payload
    video_id = _object(result.get("id")).get("videoId")
    if not isinstance(video_id, str) or not video_id:
        return MappedItem(None, "the search result has no videoId")
    snippet = _object(result.get("snippet"))
    # Search snippets come HTML-escaped ("Elv&#229;ra"); the text is plain.
    title = unescape(_str(snippet.get("title"))).strip()
    description = unescape(_str(snippet.get("description"))).strip()
    channel = _str(snippet.get("channelTitle"))
    record = _record(
        item,
        retrieved_at,
        identifier=video_id,
        text=f"{title}\n\n{description}" if title and description else title or description,
        created_at=snippet.get("publishedAt"),
        author={"handle": channel, "name": channel, "followers": None} if channel else None,
        url=WATCH.format(video_id),
        reply_to=None,
        # Search results carry no statistics (videos.list would, at another quota unit).
        metrics={"likes": None, "shares": None, "replies": None, "views": None},
    )
    record["connector"]["channel_id"] = snippet.get("channelId")
    unknown = unknown_fields(result, ITEM_FIELDS) + unknown_fields(
        snippet, SEARCH_SNIPPET, "snippet."
    )
    return _done(record, unknown)


def _thread(item: RawItem, retrieved_at: datetime) -> MappedItem:
    thread = item.payload
    snippet = _object(thread.get("snippet"))
    top = _object(snippet.get("topLevelComment"))
    comment = _object(top.get("snippet"))
    identifier = top.get("id") or thread.get("id")
    if not isinstance(identifier, str) or not identifier:
        return MappedItem(None, "the comment thread has no id")
    original = comment.get("textOriginal")
    text = original if isinstance(original, str) else html_to_text(_str(comment.get("textDisplay")))
    video_id = comment.get("videoId") or snippet.get("videoId")
    name = _str(comment.get("authorDisplayName"))
    record = _record(
        item,
        retrieved_at,
        identifier=identifier,
        text=text.strip(),
        created_at=comment.get("publishedAt"),
        author={"handle": name, "name": None, "followers": None} if name else None,
        url=f"{WATCH.format(video_id)}&lc={identifier}" if video_id else None,
        reply_to=video_id,  # a top-level comment answers the video
        metrics={
            "likes": comment.get("likeCount"),
            "shares": None,
            "replies": snippet.get("totalReplyCount"),
            "views": None,
        },
    )
    unknown = (
        unknown_fields(thread, ITEM_FIELDS)
        + unknown_fields(snippet, THREAD_SNIPPET, "snippet.")
        + unknown_fields(comment, COMMENT_SNIPPET, "snippet.topLevelComment.snippet.")
    )
    return _done(record, unknown)


def _record(item: RawItem, retrieved_at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "id": fields["identifier"],
        "channel": KIND,
        "text": fields["text"],
        "created_at": fields["created_at"],
        "author": fields["author"],
        "url": fields["url"],
        "lang": None,  # YouTube's search and comments do not say
        "reply_to": fields["reply_to"],
        "metrics": fields["metrics"],
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": item.payload,
    }


def _done(record: dict[str, Any], unknown: list[str]) -> MappedItem:
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
