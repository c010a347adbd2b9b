"""A Bluesky post view -> Lyssna's import record. Pure; never changes the post."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import (
    MappedItem,
    RawItem,
    language_code,
    provenance,
    unknown_fields,
)

KIND = "bluesky"
VERSION = "1"

KNOWN_FIELDS = frozenset(
    {
        "uri", "cid", "author", "record", "embed", "replyCount", "repostCount", "likeCount",
        "quoteCount", "bookmarkCount", "indexedAt", "viewer", "labels", "threadgate", "debug",
    }
)  # fmt: skip


def map_post(item: RawItem, retrieved_at: datetime) -> MappedItem:
    post = item.payload
    uri = post.get("uri")
    if not isinstance(uri, str) or not uri:
        return MappedItem(None, "the post has no uri")
    record = _object(post.get("record"))
    author = _object(post.get("author"))
    handle = author.get("handle") or author.get("did")
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    parent = _object(_object(record.get("reply")).get("parent"))
    mapped: dict[str, Any] = {
        "id": uri,
        "channel": KIND,
        "text": record.get("text") if isinstance(record.get("text"), str) else "",
        "created_at": record.get("createdAt") or post.get("indexedAt"),
        "author": (
            {"handle": handle, "name": author.get("displayName") or None, "followers": None}
            if handle
            else None
        ),
        "url": post_web_url(uri, handle),
        "lang": language_code(langs[0]) if langs else None,
        "reply_to": parent.get("uri"),
        "metrics": {
            "likes": post.get("likeCount"),
            "shares": _sum(post.get("repostCount"), post.get("quoteCount")),
            "replies": post.get("replyCount"),
            "views": None,  # Bluesky does not count views
        },
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": post,
    }
    unknown = unknown_fields(post, KNOWN_FIELDS)
    if unknown:
        mapped["connector"]["unknown_fields"] = unknown
    return MappedItem(mapped, unknown_fields=tuple(unknown))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def post_web_url(uri: str, handle: Any) -> str | None:
    # at://did:plc:xyz/app.bsky.feed.post/3kabc -> https://bsky.app/profile/<handle>/post/3kabc
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def _sum(*values: Any) -> int | None:
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return sum(numbers) if numbers else None
