"""Reads YouTube videos matching searches and comment threads of videos and channels; replies
through `sender.py`.

Every request carries the API key as `key=` (URLs in messages lose their query string, so it is
never shown). Refusals are read as `api.py` explains (a used-up daily quota is rescheduled).

Each search and each comment feed is a stream with a `Walk`. Searches ask `order=date` with
`publishedAfter` the newest `publishedAt` collected; comment threads come newest first
(`order=time`) and a walk ends at the page that reaches what was collected before. Both page with
`pageToken`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    Outgoing,
    RawItem,
    Sent,
    SourceNotFoundError,
    Verdict,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import Hints, HttpClient, Walk, parse_json
from lyssna.connectors.sending import parse_time
from lyssna.connectors.youtube import mapping
from lyssna.connectors.youtube.api import REFUSALS, quota_reset, refusal
from lyssna.connectors.youtube.config import YouTubeConfig
from lyssna.connectors.youtube.sender import YouTubeSender

__all__ = ["YouTubeConnector", "quota_reset"]

SEARCH = "/youtube/v3/search"
THREADS = "/youtube/v3/commentThreads"
VIDEOS = "/youtube/v3/videos"


class YouTubeConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[YouTubeConfig]] = YouTubeConfig
    can_reply: ClassVar[bool] = True  # with the channel's OAuth authorisation
    can_publish: ClassVar[bool] = False  # uploading videos is out of scope
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: YouTubeConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._hints: Hints = {
            AuthError: (
                f"Check the API key in {redact(config.api_key)}, and that the YouTube Data API "
                "v3 is enabled for its Google Cloud project"
            ),
            SourceNotFoundError: "Check the video and channel ids",
        }
        self.sender = YouTubeSender(config, http)

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, str]:
        url = f"{self.config.service}{path}"
        key = resolve_secret(self.config.api_key, "API key")
        response = await self.http.request(
            "GET", url, params={**params, "key": key}, ok_statuses=REFUSALS, hints=self._hints
        )
        if response.status_code != 200:
            raise refusal(response, self._hints)
        return parse_json(response), url

    def _streams(self) -> list[tuple[str, str, dict[str, Any]]]:
        streams: list[tuple[str, str, dict[str, Any]]] = [
            (
                f"search:{q}",
                SEARCH,
                {"part": "snippet", "type": "video", "q": q, "order": "date"},
            )
            for q in self.config.queries
        ]
        terms: list[str | None] = list(self.config.comment_queries) or [None]
        targets = [("video", "videoId", v) for v in self.config.videos] + [
            ("channel", "allThreadsRelatedToChannelId", c) for c in self.config.channels
        ]
        for label, param, value in targets:
            for term in terms:
                params = {"part": "snippet", param: value, "order": "time"}
                if term:
                    params["searchTerms"] = term
                name = f"{label}:{value}" + (f":{term}" if term else "")
                streams.append((name, THREADS, params))
        return streams

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        for stream, path, base in self._streams():
            walk = Walk.from_cursor(walks, stream)
            params = dict(base)
            params["maxResults"] = self.config.page_size if path == SEARCH else 100
            if walk.below:
                params["pageToken"] = walk.below
            if walk.since and path == SEARCH:
                params["publishedAfter"] = walk.since
            body, url = await self._get(path, params)
            found, next_token = _page(body, url)
            since = parse_time(walk.since)
            stamps = [_published(i) for i in found]
            for entry, stamp in zip(found, stamps, strict=True):
                if since is None or stamp is None or stamp >= since:
                    items.setdefault(_key(entry), RawItem(entry, url))
            known = [(s, _published_text(i)) for s, i in zip(stamps, found, strict=True) if s]
            page_top = max(known)[1] if known else None
            reached = since is not None and bool(known) and min(known)[0] <= since
            next_below = next_token if next_token and found and not reached else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[stream] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_item(item, retrieved_at)

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            body, url = await self._get(
                VIDEOS, {"part": "id", "chart": "mostPopular", "maxResults": 1}
            )
            _page(body, url)
            details.append("API key: accepted")
            details.append(await self.sender.describe())
            for stream, path, base in self._streams():
                if path == SEARCH:
                    details.append(f"{stream}: not run by the test (a search costs 100 units)")
                    continue
                body, url = await self._get(path, {**base, "maxResults": 1})
                _page(body, url)
                details.append(f"{stream}: readable")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        return Verdict(True, "the YouTube Data API accepts the key", tuple(details))


def _page(body: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise MalformedResponseError(f"{url} did not answer with a list of items")
    found = [i for i in body["items"] if isinstance(i, dict)]
    token = body.get("nextPageToken")
    return found, token if isinstance(token, str) and token else None


def _key(entry: dict[str, Any]) -> str:
    ident = entry.get("id")
    if isinstance(ident, dict):
        return str(ident.get("videoId") or ident)
    return str(ident)


def _published_text(entry: dict[str, Any]) -> str | None:
    snippet = _object(entry.get("snippet"))
    inner = _object(_object(snippet.get("topLevelComment")).get("snippet"))
    value = inner.get("publishedAt") or snippet.get("publishedAt")
    return value if isinstance(value, str) else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _published(entry: dict[str, Any]) -> datetime | None:
    return parse_time(_published_text(entry))
