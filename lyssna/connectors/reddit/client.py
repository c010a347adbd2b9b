"""Reads Reddit's newest posts matching searches and a subreddit's newest comments, without gaps;
replies and posts through `sender.py`.

Reddit's API wants an OAuth token even for public listings: the app's client id and secret get
an application-only token (`api.py`), and every read goes to oauth.reddit.com with it and a
descriptive User-Agent. Reddit's budget headers (`X-Ratelimit-Remaining: 598.0`, reset in
seconds) are read by the shared client.

Each search and each subreddit is a stream with a `Walk`: listings are newest first and paged
by `after` (the fullname of the last item); `since` is the newest `created_utc` collected, and a
walk ends at the page that reaches it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MappedItem,
    Outgoing,
    RawItem,
    Sent,
    SourceNotFoundError,
    Verdict,
    redact,
)
from lyssna.connectors.http import Hints, HttpClient, Walk, with_token
from lyssna.connectors.reddit import api, mapping
from lyssna.connectors.reddit.config import RedditConfig
from lyssna.connectors.reddit.sender import RedditSender


class RedditConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[RedditConfig]] = RedditConfig
    can_reply: ClassVar[bool] = True  # with the account's password
    can_publish: ClassVar[bool] = True  # ... and a subreddit to post in
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: RedditConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.user_agent = api.user_agent(config)
        self._hints: Hints = {
            AuthError: (
                f"Check the app's client id in {redact(config.client_id)} and secret in "
                f"{redact(config.client_secret)} (reddit.com/prefs/apps); a 403 on a subreddit "
                "can also mean it is private or banned"
            ),
            SourceNotFoundError: "Check the subreddit's name",
        }
        self.sender = RedditSender(config, http)

    async def _token(self, renew: bool = False) -> str:
        return await api.token(self.http, self.config, self._hints, user=False, renew=renew)

    async def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, str]:
        url = f"{self.config.service}{path}"

        async def call(bearer: str) -> Any:
            headers = {"Authorization": f"Bearer {bearer}", "User-Agent": self.user_agent}
            body, _ = await self.http.get_json(
                url, params=params, headers=headers, hints=self._hints
            )
            return body

        return await with_token(self._token, call), url

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
            children, after = api.listing(body, url)
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

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            await self._token(renew=True)
            details.append("app credentials: accepted")
            details.append(await self.sender.describe())
            for stream, path, base in self._streams():
                body, url = await self._get(path, {**base, "limit": 1})
                api.listing(body, url)
                details.append(f"{stream.replace(':', ' ', 1)}: readable")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        budget = self.http.rate_limit.remaining
        left = f" ({budget} requests left in this window)" if budget is not None else ""
        return Verdict(True, f"Reddit answers and can be read{left}", tuple(details))


def _created(child: dict[str, Any]) -> float | None:
    value = child["data"].get("created_utc")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
