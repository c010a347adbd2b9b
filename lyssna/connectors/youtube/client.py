"""Reads YouTube videos matching searches and comment threads of videos and channels.

Every request carries the API key as `key=` (URLs in messages lose their query string, so it is
never shown). YouTube's refusals say why in `error.errors[].reason`: a used-up daily quota
(`quotaExceeded`, a 403) is not a bad key: the source is rescheduled for midnight Pacific time,
when the quota resets.

Each search and each comment feed is a stream with a `Walk`. Searches ask `order=date` with
`publishedAfter` the newest `publishedAt` collected; comment threads come newest first
(`order=time`) and a walk ends at the page that reaches what was collected before. Both page with
`pageToken`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    RateLimitedError,
    RawItem,
    RequestRejectedError,
    SourceNotFoundError,
    Verdict,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import Hints, HttpClient, Walk, classify, parse_json
from lyssna.connectors.youtube import mapping
from lyssna.connectors.youtube.config import YouTubeConfig
from lyssna.core.clock import utcnow

SEARCH = "/youtube/v3/search"
THREADS = "/youtube/v3/commentThreads"
VIDEOS = "/youtube/v3/videos"

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
SHORT_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
KEY_REASONS = frozenset(
    {
        "keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "accessNotConfigured",
        "SERVICE_DISABLED", "ipRefererBlocked", "API_KEY_SERVICE_BLOCKED", "forbidden",
    }
)  # fmt: skip
_REFUSALS = frozenset({200, 400, 403, 404})


def quota_reset(now: datetime) -> datetime:
    """The next midnight Pacific time (when YouTube's daily quota resets), in UTC."""
    try:
        pacific: Any = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no time zone database: standard time is close enough
        pacific = timezone(timedelta(hours=-8))
    local = now.astimezone(pacific)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=pacific)
    return midnight.astimezone(UTC)


class YouTubeConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[YouTubeConfig]] = YouTubeConfig
    can_reply: ClassVar[bool] = False  # planned: comments.insert (needs OAuth, not an API key)
    can_publish: ClassVar[bool] = False
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

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, str]:
        url = f"{self.config.service}{path}"
        key = resolve_secret(self.config.api_key, "API key")
        response = await self.http.request(
            "GET", url, params={**params, "key": key}, ok_statuses=_REFUSALS, hints=self._hints
        )
        if response.status_code != 200:
            raise self._refusal(response)
        return parse_json(response), url

    def _refusal(self, response: httpx.Response) -> ConnectorError:
        parts = urlsplit(str(response.request.url))
        where = f"{parts.netloc}{parts.path}"
        status = response.status_code
        reasons, message = google_error(response)
        said = f": {message}" if message else ""
        error: ConnectorError
        if reasons & QUOTA_REASONS:
            reset = quota_reset(utcnow())
            error = RateLimitedError(
                f"{where} says the daily YouTube API quota is used up ({status}){said}; it "
                f"resets at midnight Pacific time ({reset:%Y-%m-%d %H:%M} UTC)",
                retry_at=reset,
            )
        elif reasons & SHORT_LIMIT_REASONS:
            error = RateLimitedError(f"{where} is rate limiting us ({status}){said}")
        elif reasons & KEY_REASONS:
            error = AuthError(f"{where} refused the API key ({status}){said}")
        elif "commentsDisabled" in reasons:
            error = RequestRejectedError(f"{where}: comments are turned off there ({status})")
        else:
            error = classify(response, where)
            error.reason = f"{error.reason}{said}"
        for kind, hint in self._hints.items():
            if isinstance(error, kind):
                error.reason = f"{error.reason}. {hint}"
                break
        error.args = (error.reason,)
        return error

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
            since = _when(walk.since)
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

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            body, url = await self._get(
                VIDEOS, {"part": "id", "chart": "mostPopular", "maxResults": 1}
            )
            _page(body, url)
            details.append("API key: accepted")
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


def google_error(response: httpx.Response) -> tuple[set[str], str]:
    """The reasons and message of Google's error body: {"error": {"message", "errors": [...]}}."""
    try:
        body = parse_json(response)
    except MalformedResponseError:
        return set(), ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons = {
        str(e["reason"])
        for e in error.get("errors") or []
        if isinstance(e, dict) and e.get("reason")
    }
    reasons |= {
        str(d["reason"])
        for d in error.get("details") or []
        if isinstance(d, dict) and d.get("reason")
    }
    message = error.get("message")
    text = message.strip() if isinstance(message, str) else ""
    return reasons, text[:200]


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
    return _when(_published_text(entry))


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
