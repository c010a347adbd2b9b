"""Reads Reddit's newest posts matching searches and a subreddit's newest comments, without gaps.

Reddit's API wants an OAuth token even for public listings: the app's client id and secret get
an application-only token (`grant_type=client_credentials`) from www.reddit.com, and every read
goes to oauth.reddit.com with it and a descriptive User-Agent. The token lasts a day; it is kept
for the process and fetched again when it expires or Reddit refuses it.

Each search and each subreddit is a stream with a `Walk`: listings are newest first and paged
by `after` (the fullname of the last item); `since` is the newest `created_utc` collected, and a
walk ends at the page that reaches it.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from lyssna import __version__
from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    RawItem,
    SourceNotFoundError,
    Verdict,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import Hints, HttpClient, RateLimit, Walk, parse_json
from lyssna.connectors.reddit import mapping
from lyssna.connectors.reddit.config import RedditConfig
from lyssna.core.clock import utcnow

TOKEN_PATH = "/api/v1/access_token"

# Application-only tokens by (auth server, client id): one per process, renewed when expired.
_tokens: dict[tuple[str, str], tuple[str, datetime]] = {}


class RedditConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[RedditConfig]] = RedditConfig
    can_reply: ClassVar[bool] = False  # planned: POST /api/comment (needs a user's token)
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: RedditConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        who = f"by /u/{config.username}" if config.username else "+https://github.com/lyssna/lyssna"
        self.user_agent = f"python:lyssna:{__version__} ({who})"
        self._hints: Hints = {
            AuthError: (
                f"Check the app's client id in {redact(config.client_id)} and secret in "
                f"{redact(config.client_secret)} (reddit.com/prefs/apps); a 403 on a subreddit "
                "can also mean it is private or banned"
            ),
            SourceNotFoundError: "Check the subreddit's name",
        }

    def _key(self) -> tuple[str, str]:
        return (self.config.auth_service, resolve_secret(self.config.client_id, "client id"))

    async def _token(self, renew: bool = False) -> str:
        key = self._key()
        cached = _tokens.get(key)
        if cached and not renew and cached[1] > utcnow():
            return cached[0]
        secret = resolve_secret(self.config.client_secret, "client secret")
        basic = base64.b64encode(f"{key[1]}:{secret}".encode()).decode("ascii")
        response = await self.http.request(
            "POST",
            f"{self.config.auth_service}{TOKEN_PATH}",
            form={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}", "User-Agent": self.user_agent},
            hints=self._hints,
            idempotent=True,  # a token request creates nothing
        )
        body = parse_json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            said = body.get("error") if isinstance(body, dict) else None
            if said:  # Reddit answers 200 {"error": "invalid_grant"} to some refusals
                raise AuthError(f"{self.config.auth_service} refused the app ({said})")
            raise MalformedResponseError(f"{self.config.auth_service} sent no access_token")
        lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 3600
        _tokens[key] = (token, utcnow() + timedelta(seconds=max(60, lifetime - 60)))
        return token

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, str]:
        url = f"{self.config.service}{path}"
        for renew in (False, True):
            headers = {
                "Authorization": f"Bearer {await self._token(renew)}",
                "User-Agent": self.user_agent,
            }
            try:
                body, response = await self.http.get_json(
                    url, params=params, headers=headers, hints=self._hints
                )
            except AuthError as exc:
                if renew or "(401)" not in exc.reason:
                    raise
                continue  # the token expired early or was revoked: get a new one, once
            _note_budget(self.http, response)
            return body, url
        raise AssertionError("unreachable")

    def _streams(self) -> list[tuple[str, str, dict[str, Any]]]:
        streams = [
            (f"search:{q}", "/search", {"q": q, "sort": "new", "type": "link"})
            for q in self.config.queries
        ]
        streams += [
            (f"comments:{s}", f"/r/{quote(s, safe='')}/comments", {})
            for s in self.config.subreddits
        ]
        return streams

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        for stream, path, base in self._streams():
            walk = Walk.from_cursor(walks, stream)
            params = {**base, "limit": self.config.page_size, "raw_json": 1}
            if walk.below:
                params["after"] = walk.below
            body, url = await self._get(path, params)
            children, after = _listing(body, url)
            since = float(walk.since) if walk.since else None
            times = [_created(c) for c in children]
            for child, created in zip(children, times, strict=True):
                if since is None or created is None or created >= since:
                    name = child["data"].get("name") or child["data"].get("id")
                    items.setdefault(str(name), RawItem(child, url))
            known = [t for t in times if t is not None]
            page_top = repr(max(known)) if known else None
            reached = since is not None and known and min(known) <= since
            next_below = after if after and children and not reached else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[stream] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_thing(item, retrieved_at)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            await self._token(renew=True)
            details.append("app credentials: accepted")
            for stream, path, base in self._streams():
                body, url = await self._get(path, {**base, "limit": 1})
                _listing(body, url)
                details.append(f"{stream.replace(':', ' ', 1)}: readable")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        budget = self.http.rate_limit.remaining
        left = f" ({budget} requests left in this window)" if budget is not None else ""
        return Verdict(True, f"Reddit answers and can be read{left}", tuple(details))


def _listing(body: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise MalformedResponseError(f"{url} did not answer with a Reddit listing")
    children = [
        c for c in data["children"] if isinstance(c, dict) and isinstance(c.get("data"), dict)
    ]
    after = data.get("after")
    return children, after if isinstance(after, str) and after else None


def _created(child: dict[str, Any]) -> float | None:
    value = child["data"].get("created_utc")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _note_budget(http: HttpClient, response: httpx.Response) -> None:
    """Reddit's budget headers (`X-Ratelimit-Remaining: 598.0`, reset in seconds), for the client.

    The shared client reads integer counts only; Reddit sends a float, so it is noted here and
    the next request waits for the reset when the budget is spent.
    """
    headers = response.headers
    try:
        used = float(headers["X-Ratelimit-Used"]) if "X-Ratelimit-Used" in headers else None
        remaining = float(headers["X-Ratelimit-Remaining"])
        reset = float(headers["X-Ratelimit-Reset"])
    except (KeyError, ValueError):
        return
    limit = math.floor(used + remaining) if used is not None else None
    http.rate_limit = RateLimit(limit, math.floor(remaining), utcnow() + timedelta(seconds=reset))
