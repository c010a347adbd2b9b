"""A Hacker News search hit -> Lyssna's import record. Pure; never changes the hit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import MappedItem, RawItem, provenance, unknown_fields
from lyssna.connectors.text import html_to_text

KIND = "hackernews"
VERSION = "1"
ITEM_URL = "https://news.ycombinator.com/item?id={}"

KNOWN_FIELDS = frozenset(
    {
        "objectID", "created_at", "created_at_i", "updated_at", "title", "url", "author",
        "points", "num_comments", "story_text", "comment_text", "story_id", "story_title",
        "story_url", "parent_id", "children", "_tags", "_highlightResult",
    }
)  # fmt: skip


def map_hit(item: RawItem, retrieved_at: datetime) -> MappedItem:
    hit = item.payload
    identifier = hit.get("objectID")
    if not identifier:
        return MappedItem(None, "the hit has no objectID")
    title = hit.get("title") if isinstance(hit.get("title"), str) else ""
    comment = hit.get("comment_text")
    if isinstance(comment, str) and comment:
        text = html_to_text(comment)
    else:
        story = hit.get("story_text")
        body = html_to_text(story) if isinstance(story, str) else ""
        text = f"{title}\n\n{body}" if title and body else title or body
    is_comment = "comment" in (hit.get("_tags") or []) or bool(hit.get("comment_text"))
    parent = hit.get("parent_id") if is_comment else None
    record: dict[str, Any] = {
        "id": str(identifier),
        "channel": KIND,
        "text": text,
        "created_at": hit.get("created_at"),
        "author": {"handle": hit["author"]} if hit.get("author") else None,
        # The discussion, not the linked article: that is where the mention is.
        "url": ITEM_URL.format(identifier),
        "lang": None,
        "reply_to": str(parent) if parent is not None else None,
        "metrics": {
            "likes": hit.get("points"),  # comments' points are hidden: None, not zero
            "shares": None,
            "replies": hit.get("num_comments"),
            "views": None,
        },
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": hit,
    }
    if hit.get("url"):
        record["connector"]["linked_url"] = hit["url"]
    unknown = unknown_fields(hit, KNOWN_FIELDS)
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))
