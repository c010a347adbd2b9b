"""A Mastodon status -> Lyssna's import record. Pure; never changes the status it is given."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lyssna.connectors.base import (
    MappedItem,
    RawItem,
    language_code,
    provenance,
    unknown_fields,
)
from lyssna.connectors.text import html_to_text

KIND = "mastodon"
VERSION = "1"

# Every status field the Mastodon API documents; anything else is reported as unknown.
KNOWN_FIELDS = frozenset(
    {
        "id", "uri", "url", "created_at", "edited_at", "account", "content", "text",
        "visibility", "sensitive", "spoiler_text", "media_attachments", "application",
        "mentions", "tags", "emojis", "reblogs_count", "favourites_count", "replies_count",
        "quotes_count", "in_reply_to_id", "in_reply_to_account_id", "reblog", "poll", "card",
        "language", "favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered",
        "quote", "quote_approval",
    }
)  # fmt: skip


def map_status(item: RawItem, retrieved_at: datetime) -> MappedItem:
    status = item.payload
    if not isinstance(status, dict):
        return MappedItem(None, "a status must be a JSON object")
    if status.get("reblog"):  # a boost: the boosted status is the mention
        status = status["reblog"]
        if not isinstance(status, dict):
            return MappedItem(None, "reblog must be a JSON object")
    identifier = status.get("uri") or status.get("id")
    if not identifier:
        return MappedItem(None, "the status has neither uri nor id")
    text = html_to_text(status.get("content") if isinstance(status.get("content"), str) else "")
    spoiler = status.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    record: dict[str, Any] = {
        "id": identifier,
        "channel": KIND,
        "text": text,
        "created_at": status.get("created_at"),
        "author": _author(status.get("account"), item.source_url),
        "url": status.get("url") or status.get("uri"),
        "lang": language_code(status.get("language")),
        "reply_to": status.get("in_reply_to_id"),
        "metrics": {
            "likes": status.get("favourites_count"),
            "shares": status.get("reblogs_count"),
            "replies": status.get("replies_count"),
            "views": None,  # Mastodon does not count views
        },
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": item.payload,
    }
    unknown = unknown_fields(status, KNOWN_FIELDS)
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _author(account: Any, source_url: str | None) -> dict[str, Any] | None:
    if not isinstance(account, dict) or not account.get("acct"):
        return None
    acct = str(account["acct"])
    if "@" not in acct and source_url:
        # Local accounts come without a domain; qualify them so handles are the same everywhere.
        host = urlsplit(source_url).hostname
        acct = f"{acct}@{host}" if host else acct
    return {
        "handle": acct,
        "name": account.get("display_name") or None,
        "followers": account.get("followers_count"),
    }
