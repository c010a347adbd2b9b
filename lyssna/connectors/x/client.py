"""Reads X posts matching search queries, newest first, through the API v2 recent search;
replies and posts through `sender.py`.

App-only authentication: the app's bearer token on every request. Each query is a stream with a
`Walk`: `since` is the newest post id collected (sent as `since_id`, which X treats as
exclusive) and `below` the `next_token` of the walk in progress. Recent search covers the last
seven days. With `mode: stream`, the queries become filtered-stream rules instead and posts
arrive as they are written (`stream.py`), with the same walks as the cursor.

X reports its request budget as `x-rate-limit-limit/-remaining/-reset` (reset in epoch seconds),
which the shared client reads: the next request waits for the reset when the budget is spent. A
429 is read here, to wait for that reset (or `Retry-After`) rather than guess, and to report a
429 that means the monthly post cap is reached (`usage-capped`) as such.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    Outgoing,
    RateLimitedError,
    RawItem,
    Sent,
    StreamEvent,
    TopicFilter,
    Verdict,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import (
    Hints,
    HttpClient,
    RateLimit,
    Walk,
    classify,
    newest_id,
    parse_json,
    parse_retry_after,
)
from lyssna.connectors.x import mapping, problems, stream
from lyssna.connectors.x.config import XConfig
from lyssna.connectors.x.sender import XSender
from lyssna.core.clock import utcnow

SEARCH = "/2/tweets/search/recent"
TWEET_FIELDS = (
    "created_at,lang,public_metrics,conversation_id,in_reply_to_user_id,referenced_tweets,author_id"
)
USER_FIELDS = "username,name,public_metrics"


class XConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[XConfig]] = XConfig
    can_reply: ClassVar[bool] = True  # with the account's access token
    can_publish: ClassVar[bool] = True
    needs_credentials: ClassVar[bool] = True

    def __init__(self, config: XConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.url = f"{config.service}{SEARCH}"
        self._hints: Hints = {
            AuthError: (
                f"Check the bearer token in {redact(config.token)}; a 403 can also mean the "
                "app is not in a Project or its access level does not include search"
            )
        }
        self.stream_hints: Hints = {
            AuthError: (
                f"Check the bearer token in {redact(config.token)}; a 403 can also mean the "
                "app's access level does not include the filtered stream"
            )
        }
        self.sender = XSender(config, http)

    def bearer_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {resolve_secret(self.config.token, 'bearer token')}"}

    async def _search(self, params: dict[str, Any]) -> Any:
        headers = self.bearer_headers()
        response: httpx.Response | None = None
        for _ in range(self.http.retry.attempts):
            response = await self.http.request(
                "GET",
                self.url,
                params=params,
                headers=headers,
                ok_statuses=frozenset({200, 429}),
                hints=self._hints,
            )
            if response.status_code == 200:
                return parse_json(response)
            problem = problems.problem(response)
            if problems.usage_capped(problem):
                raise RateLimitedError(
                    f"{_where(response)} says the app's monthly post cap is used up (429): "
                    f"{problem.get('detail') or 'usage cap exceeded'}; it comes back with the "
                    "next billing period, or raise the plan in the developer portal"
                )
            # Spend the budget until X's reset (or Retry-After): the shared client then waits
            # for it before the next try, or reschedules the source when it is far away.
            wait = parse_retry_after(response.headers.get("Retry-After"))
            reset = utcnow() + timedelta(seconds=wait) if wait is not None else None
            reset = reset or self.http.rate_limit.reset_at
            if reset is None:
                break
            self.http.rate_limit = RateLimit(self.http.rate_limit.limit, 0, reset)
        assert response is not None
        error = classify(response, _where(response))
        if isinstance(error, RateLimitedError) and error.retry_at is None:
            error.retry_at = self.http.rate_limit.reset_at
        raise error

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        for query in self.config.queries:
            walk = Walk.from_cursor(walks, query)
            params: dict[str, Any] = {
                "query": query,
                "max_results": self.config.page_size,
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id",
                "user.fields": USER_FIELDS,
            }
            if walk.since:
                params["since_id"] = walk.since
            if walk.below:
                params["next_token"] = walk.below
            body = await self._search(params)
            tweets, users, meta = _page(body, self.url)
            for tweet in tweets:
                author = users.get(str(tweet.get("author_id")))
                items.setdefault(
                    str(tweet["id"]), RawItem({"tweet": tweet, "author": author}, self.url)
                )
            page_top = meta.get("newest_id") or newest_id([str(t["id"]) for t in tweets])
            token = meta.get("next_token")
            next_below = token if isinstance(token, str) and token and tweets else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[query] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def stream(self, cursor: Cursor | None, topics: TopicFilter) -> AsyncIterator[StreamEvent]:
        # X filters by the rules; the topics are not needed.
        return stream.stream_posts(self, cursor)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_post(item, retrieved_at)

    async def send(self, message: Outgoing) -> Sent:
        return await self.sender.send(message)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        return await self.sender.find_sent(message)

    async def check(self) -> Verdict:
        details: list[str] = []
        try:
            for query in self.config.queries:
                body = await self._search({"query": query, "max_results": 10})
                _, _, meta = _page(body, self.url)
                details.append(f"search {query!r}: allowed ({meta.get('result_count', 0)} recent)")
            if self.config.mode == "stream":
                details.append(await self._check_rules())
            details.append(await self.sender.describe())
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        budget = self.http.rate_limit
        left = (
            f"; {budget.remaining} of {budget.limit} requests left in this 15-minute window"
            if budget.remaining is not None and budget.limit is not None
            else ""
        )
        return Verdict(True, f"X accepts the bearer token{left}", tuple(details))

    async def _check_rules(self) -> str:
        """The stream rules the queries need, checked by X without changing them."""
        have = {r.value for r in await stream.current_rules(self)}
        missing = [q for q in self.config.queries if q not in have]
        if missing:
            await stream.change_rules(self, add=missing, dry_run=True)
            return f"stream rules: {len(missing)} to add, accepted by X"
        return "stream rules: in place"


def _page(
    body: Any, url: str
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    # An empty result has no `data` at all: {"meta": {"result_count": 0}}.
    if not isinstance(body, dict) or not isinstance(body.get("meta"), dict):
        raise MalformedResponseError(f"{url} did not answer with a search result")
    data = body.get("data") or []
    if not isinstance(data, list):
        raise MalformedResponseError(f"{url} sent data that is not a list of posts")
    tweets = [t for t in data if isinstance(t, dict) and isinstance(t.get("id"), str)]
    includes = body["includes"] if isinstance(body.get("includes"), dict) else {}
    users = {
        str(u["id"]): u for u in includes.get("users") or [] if isinstance(u, dict) and u.get("id")
    }
    return tweets, users, body["meta"]


def _where(response: httpx.Response) -> str:
    parts = urlsplit(str(response.request.url))
    return f"{parts.netloc}{parts.path}"
