"""Reads Mastodon's public hashtag timelines and status search, newest first, without gaps;
replies and posts through `sender.py`.

Each hashtag and each search has its own `Walk` in the cursor. Hashtag timelines are
paged by the `Link` header's `max_id`; search by the oldest id of the page (search sends no
Link header). Both use the walk's `since` as the lower bound (`since_id`, `min_id`).

With `mode: stream`, the hashtags are followed live through the streaming API instead
(`streaming.py`), with the same walks as its cursor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    EnvSecret,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    Outgoing,
    RawItem,
    Sent,
    SourceConfigError,
    SourceNotFoundError,
    StreamEvent,
    TopicFilter,
    Verdict,
    resolve_secret,
)
from lyssna.connectors.http import (
    Hints,
    HttpClient,
    Walk,
    newest_id,
    oldest_id,
    parse_link_header,
    query_param,
)
from lyssna.connectors.mastodon import mapping, streaming
from lyssna.connectors.mastodon.config import MastodonConfig
from lyssna.connectors.mastodon.sender import MastodonSender


class MastodonConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[MastodonConfig]] = MastodonConfig
    can_reply: ClassVar[bool] = True  # with a write token
    can_publish: ClassVar[bool] = True
    needs_credentials: ClassVar[bool] = False  # hashtags are public; search needs a token

    def __init__(self, config: MastodonConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        token_name = f"${config.token.env}" if isinstance(config.token, EnvSecret) else "the token"
        self.hints: Hints = {
            AuthError: f"Check the access token in {token_name} (scope read:statuses)",
            SourceNotFoundError: f"Check that {config.instance} is a Mastodon server",
        }
        self.sender = MastodonSender(config, http)

    def auth_headers(self) -> dict[str, str]:
        if self.config.token is None:
            return {}
        return {"Authorization": f"Bearer {resolve_secret(self.config.token, 'token')}"}

    def _streams(self) -> list[str]:
        tags = [f"tag:{h}" for h in self.config.hashtags]
        return tags + [f"search:{q}" for q in self.config.queries]

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        """One page of every stream; `more` when some stream has older pages still to read."""
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        for stream in self._streams():
            walk = Walk.from_cursor(walks, stream)
            statuses, url, next_below = await self._page(stream, walk)
            for status in statuses:
                key = str(status.get("uri") or status.get("id"))
                items.setdefault(key, RawItem(status, url))
            ids = [str(s.get("id")) for s in statuses if s.get("id") is not None]
            walk, stream_more = walk.after_page(newest_id(ids), next_below)
            walks[stream] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    async def _page(self, stream: str, walk: Walk) -> tuple[list[dict[str, Any]], str, str | None]:
        kind, _, value = stream.partition(":")
        limit = self.config.page_size
        params: dict[str, Any] = {"limit": limit}
        if walk.below:
            params["max_id"] = walk.below
        if kind == "tag":
            url = f"{self.config.instance}/api/v1/timelines/tag/{quote(value, safe='')}"
            if walk.since:
                params["since_id"] = walk.since
            body, response = await self.http.get_json(
                url, params=params, headers=self.auth_headers(), hints=self.hints
            )
            statuses = _statuses(body, url)
            next_url = parse_link_header(response.headers.get("Link")).get("next")
            next_below = query_param(next_url, "max_id") or oldest_id(
                [str(s.get("id")) for s in statuses if s.get("id") is not None]
            )
        else:
            url = f"{self.config.instance}/api/v2/search"
            params.update({"q": value, "type": "statuses", "resolve": "false"})
            if walk.since:
                params["min_id"] = walk.since
            body, _ = await self.http.get_json(
                url, params=params, headers=self.auth_headers(), hints=self.hints
            )
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{url} did not answer with a search result object")
            statuses = _statuses(body.get("statuses"), url)
            next_below = oldest_id([str(s.get("id")) for s in statuses if s.get("id") is not None])
        if len(statuses) < limit:
            next_below = None  # a short page is the last one
        return statuses, url, next_below

    def stream(self, cursor: Cursor | None, topics: TopicFilter) -> AsyncIterator[StreamEvent]:
        # The server filters by hashtag; the topics are not needed.
        return streaming.stream_statuses(self, cursor)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_status(item, retrieved_at)

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            headers = self.auth_headers()
            body, _ = await self.http.get_json(
                f"{self.config.instance}/api/v2/instance", hints=self.hints
            )
            title = body.get("title") if isinstance(body, dict) else None
            version = body.get("version") if isinstance(body, dict) else None
            details.append(f"server: {title or self.config.instance} (Mastodon {version or '?'})")
            if headers:
                await self.http.get_json(
                    f"{self.config.instance}/api/v1/apps/verify_credentials",
                    headers=headers,
                    hints=self.hints,
                )
                details.append("access token: accepted")
            else:
                details.append("access token: none (public hashtag timelines only)")
            if self.config.write_token is not None:
                me = await self.sender.me()
                details.append(f"write token: accepted, posts as @{me.get('acct')}")
            else:
                details.append("write token: none (cannot reply or post)")
            if self.config.mode == "stream":
                details.append(await streaming.check_stream(self))
            for hashtag in self.config.hashtags:
                url = f"{self.config.instance}/api/v1/timelines/tag/{quote(hashtag, safe='')}"
                await self.http.get_json(
                    url, params={"limit": 1}, headers=headers, hints=self.hints
                )
                details.append(f"#{hashtag}: readable")
            for query in self.config.queries:
                await self.http.get_json(
                    f"{self.config.instance}/api/v2/search",
                    params={"q": query, "type": "statuses", "limit": 1},
                    headers=headers,
                    hints=self.hints,
                )
                details.append(f"search {query!r}: allowed")
        except (ConnectorError, SourceConfigError) as exc:
            return Verdict(False, exc.reason, tuple(details))
        return Verdict(True, f"{self.config.instance} answers and can be read", tuple(details))


def _statuses(body: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(body, list):
        raise MalformedResponseError(f"{url} did not answer with a list of statuses")
    return [s for s in body if isinstance(s, dict)]
