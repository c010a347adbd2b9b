"""A Bluesky post view (search) or a Jetstream commit event (the firehose) -> Lyssna's import
record. Pure; never changes what it is given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


# A Jetstream event: {"did", "time_us", "kind": "commit", "commit": {...}}.
EVENT_FIELDS = frozenset({"did", "time_us", "kind", "commit"})
COMMIT_FIELDS = frozenset({"rev", "operation", "collection", "rkey", "record", "cid"})
POST = "app.bsky.feed.post"
# A post's createdAt is what the author's app says; one far ahead of the moment the network
# saw it is not believed (the event's time is used instead).
_CLOCK_SKEW = timedelta(minutes=5)


def is_jetstream_event(payload: dict[str, Any]) -> bool:
    return "commit" in payload and "time_us" in payload


def post_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST}/{rkey}"


def event_time(payload: dict[str, Any]) -> datetime | None:
    time_us = payload.get("time_us")
    if not isinstance(time_us, int) or isinstance(time_us, bool) or time_us <= 0:
        return None
    try:
        return datetime.fromtimestamp(time_us / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def map_commit(item: RawItem, retrieved_at: datetime) -> MappedItem:
    """A post created (or updated) as Jetstream reports it. Jetstream names the author by DID
    only: the handle, display name, followers and counts are unknown."""
    event = item.payload
    commit = _object(event.get("commit"))
    did, rkey = event.get("did"), commit.get("rkey")
    if not isinstance(did, str) or not did or not isinstance(rkey, str) or not rkey:
        return MappedItem(None, "the Jetstream event has no did or rkey")
    if commit.get("collection") != POST or commit.get("operation") not in ("create", "update"):
        return MappedItem(None, "the Jetstream event is not a post being written")
    record = _object(commit.get("record"))
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    parent = _object(_object(record.get("reply")).get("parent"))
    uri = post_uri(did, rkey)
    mapped: dict[str, Any] = {
        "id": uri,
        "channel": KIND,
        "text": record.get("text") if isinstance(record.get("text"), str) else "",
        "created_at": _created_at(record.get("createdAt"), event_time(event)),
        "author": {"handle": did, "name": None, "followers": None},
        "url": post_web_url(uri, did),
        "lang": language_code(langs[0]) if langs else None,
        "reply_to": parent.get("uri") if isinstance(parent.get("uri"), str) else None,
        "metrics": {"likes": None, "shares": None, "replies": None, "views": None},
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": event,
    }
    unknown = unknown_fields(event, EVENT_FIELDS) + unknown_fields(commit, COMMIT_FIELDS, "commit.")
    if unknown:
        mapped["connector"]["unknown_fields"] = unknown
    return MappedItem(mapped, unknown_fields=tuple(unknown))


def _created_at(value: Any, seen: datetime | None) -> str | None:
    if isinstance(value, str):
        try:
            claimed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            claimed = None
        if claimed is not None and claimed.tzinfo is not None:
            if seen is None or claimed <= seen + _CLOCK_SKEW:
                return value
    return seen.isoformat() if seen is not None else (value if isinstance(value, str) else None)


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
