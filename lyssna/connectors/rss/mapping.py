"""A feed entry -> Lyssna's import record. Pure; never changes the entry it is given.

The raw item is {"entry": ..., "feed": ...}: the entry as feedparser read it (made JSON-safe)
and the feed's title, link and language, which the entry inherits.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from lyssna.connectors.base import (
    MappedItem,
    RawItem,
    language_code,
    provenance,
    unknown_fields,
)
from lyssna.connectors.text import html_to_text

KIND = "rss"
VERSION = "1"

# feedparser's entry keys we read or knowingly ignore; others are reported as unknown.
KNOWN_FIELDS = frozenset(
    {
        "id", "guidislink", "link", "links", "title", "title_detail", "summary",
        "summary_detail", "content", "published", "published_parsed", "updated",
        "updated_parsed", "created", "created_parsed", "author", "author_detail", "authors",
        "tags", "comments", "enclosures", "media_content", "media_thumbnail", "media_credit",
        "credit", "rights", "rights_detail", "source", "license", "dc_creator", "post-id",
        "slash_comments", "wfw_commentrss", "href", "thr_total", "expired", "expired_parsed",
    }
)  # fmt: skip


def map_entry(item: RawItem, retrieved_at: datetime) -> MappedItem:
    entry = item.payload.get("entry")
    feed = item.payload.get("feed") or {}
    if not isinstance(entry, dict):
        return MappedItem(None, "a feed entry must be an object")
    title = _text(entry.get("title"))
    body = _body(entry)
    text = f"{title}\n\n{body}" if title and body and not body.startswith(title) else title or body
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    identifier = entry.get("id") or link or _fallback_id(title, body)
    created = entry.get("published_parsed") or entry.get("updated_parsed")
    connector = provenance(KIND, VERSION, retrieved_at, item.source_url)
    if not created:
        # The feed did not date the entry: use when we first saw it, and say so.
        created = retrieved_at.isoformat()
        connector["created_at_is_retrieved_at"] = True
    author = _text(entry.get("author"))
    record: dict[str, Any] = {
        "id": identifier,
        "channel": KIND,
        "text": text,
        "created_at": created,
        "author": {"handle": author, "name": author} if author else None,
        "url": link,
        "lang": language_code(feed.get("language")),
        "reply_to": None,
        "metrics": None,  # feeds carry no engagement counts
        "connector": connector,
        "payload": item.payload,
    }
    unknown = unknown_fields(entry, KNOWN_FIELDS)
    if unknown:
        connector["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _text(value: Any) -> str:
    return html_to_text(value) if isinstance(value, str) else ""


def _body(entry: dict[str, Any]) -> str:
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], dict):
        text = _text(content[0].get("value"))
        if text:
            return text
    return _text(entry.get("summary"))


def _fallback_id(title: str, body: str) -> str | None:
    if not title and not body:
        return None
    return "sha1:" + hashlib.sha1(f"{title}\n{body}".encode()).hexdigest()
