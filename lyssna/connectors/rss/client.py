"""Reads one RSS or Atom feed with conditional GET, so an unchanged feed costs one 304.

The cursor keeps the feed's ETag and Last-Modified. Every entry of a changed feed is handed on:
the pipeline drops the ones already stored (same channel and id).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser

from lyssna.connectors.base import (
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    RawItem,
    SourceNotFoundError,
    Verdict,
)
from lyssna.connectors.http import Hints, HttpClient
from lyssna.connectors.rss import mapping
from lyssna.connectors.rss.config import RssConfig

_HINTS: Hints = {SourceNotFoundError: "Check the feed address in a browser"}


class RssConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[RssConfig]] = RssConfig
    can_reply: ClassVar[bool] = False  # a feed is read-only
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = False

    def __init__(self, config: RssConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        cursor = cursor or {}
        headers = {}
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = cursor["last_modified"]
        response = await self.http.request(
            "GET", self.config.url, headers=headers, ok_statuses=frozenset({200, 304}), hints=_HINTS
        )
        if response.status_code == 304:
            return FetchResult([], cursor)
        parsed = self._parse(response.content, response.headers.get("Content-Type"))
        feed = _json_safe(
            {k: parsed.feed.get(k) for k in ("title", "link", "language") if parsed.feed.get(k)}
        )
        items = [
            RawItem({"entry": _json_safe(entry), "feed": feed}, self.config.url)
            for entry in parsed.entries
        ]
        next_cursor = {
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
        }
        return FetchResult(items, next_cursor)

    def _parse(self, content: bytes, content_type: str | None) -> Any:
        parsed = feedparser.parse(
            content, response_headers={"content-type": content_type or "application/xml"}
        )
        if not parsed.version and not parsed.entries:
            problem = parsed.get("bozo_exception")
            raise MalformedResponseError(
                f"{self.config.url} is not an RSS or Atom feed"
                + (f" ({str(problem).strip()})" if problem else "")
                + ": check the address; a web page often links its feed in its <head>"
            )
        return parsed

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_entry(item, retrieved_at)

    async def check(self) -> Verdict:
        try:
            response = await self.http.request("GET", self.config.url, hints=_HINTS)
            parsed = self._parse(response.content, response.headers.get("Content-Type"))
        except ConnectorError as exc:
            return Verdict(False, exc.reason)
        title = parsed.feed.get("title") or self.config.url
        conditional = bool(response.headers.get("ETag") or response.headers.get("Last-Modified"))
        return Verdict(
            True,
            f"{title}: {len(parsed.entries)} entries ({parsed.version or 'feed'})",
            (
                "conditional GET: supported"
                if conditional
                else "conditional GET: not offered (every poll downloads the whole feed)",
            ),
        )


def _json_safe(value: Any) -> Any:
    """feedparser's values as JSON: dicts, lists, strings, numbers; times as ISO-8601 UTC."""
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
