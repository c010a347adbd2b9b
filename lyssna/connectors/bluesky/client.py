"""Reads Bluesky posts matching search words, newest first (`sort=latest`).

Each query is a stream with a `Walk`: its `since` is the newest `indexedAt` collected (the API's
`since` is inclusive and compares the time it sorts by; the pipeline drops repeats), and `below`
is the API's opaque `cursor` for the next page of the walk in progress.

With an account (identifier and app password), a session is created on its server and renewed
when the server says the token expired.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    RawItem,
    Verdict,
    redact,
    resolve_secret,
)
from lyssna.connectors.bluesky import mapping
from lyssna.connectors.bluesky.config import BlueskyConfig
from lyssna.connectors.http import Hints, HttpClient, Walk, platform_message

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
_EXPIRED = ("ExpiredToken", "InvalidToken")

# Access tokens by (server, account), shared by the polls of this process: signing in is rate
# limited (a few hundred times a day), and a token lasts for hours.
_sessions: dict[tuple[str, str], str] = {}


def _retired(response: httpx.Response) -> str | None:
    # XRPC answers MethodNotImplemented when a server no longer (or never) offers a method.
    if "MethodNotImplemented" in platform_message(response):
        return platform_message(response)
    return None


class BlueskyConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[BlueskyConfig]] = BlueskyConfig
    can_reply: ClassVar[bool] = False  # planned: com.atproto.repo.createRecord with a reply ref
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = False  # the public AppView may ask for an account

    def __init__(self, config: BlueskyConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._session_key = (config.base_url, config.identifier or "")
        self._access_jwt: str | None = _sessions.get(self._session_key)
        secret = redact(config.app_password) if config.app_password else "an app password"
        self._hints: Hints = {
            AuthError: (
                f"Check the app password in {secret} and the identifier"
                if config.identifier
                else "This server wants an account: add --identifier and --password-env"
            )
        }

    async def _login(self) -> None:
        assert self.config.identifier and self.config.app_password
        body, _ = await self.http.post_json(
            f"{self.config.base_url}{CREATE_SESSION}",
            {
                "identifier": self.config.identifier,
                "password": resolve_secret(self.config.app_password, "app password"),
            },
            hints=self._hints,
            idempotent=True,  # a second session does no harm
        )
        token = body.get("accessJwt") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise MalformedResponseError("the Bluesky server's session answer has no accessJwt")
        self._access_jwt = _sessions[self._session_key] = token

    async def _get(self, params: dict[str, Any]) -> Any:
        if self.config.identifier and self._access_jwt is None:
            await self._login()
        for renewed in (False, True):
            headers = {"Authorization": f"Bearer {self._access_jwt}"} if self._access_jwt else {}
            try:
                body, _ = await self.http.get_json(
                    f"{self.config.base_url}{SEARCH}",
                    params=params,
                    headers=headers,
                    hints=self._hints,
                    retired=_retired,
                )
                return body
            except ConnectorError as exc:
                expired = any(code in exc.reason for code in _EXPIRED)
                if renewed or not expired or not self.config.identifier:
                    raise
                await self._login()
        raise AssertionError("unreachable")

    def _params(self, query: str, walk: Walk) -> dict[str, Any]:
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": self.config.page_size}
        if self.config.lang:
            params["lang"] = self.config.lang
        if walk.since:
            params["since"] = walk.since
        if walk.below:
            params["cursor"] = walk.below
        return params

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        url = f"{self.config.base_url}{SEARCH}"
        for query in self.config.queries:
            walk = Walk.from_cursor(walks, query)
            body = await self._get(self._params(query, walk))
            if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                raise MalformedResponseError(f"{url} did not answer with posts")
            posts = [p for p in body["posts"] if isinstance(p, dict)]
            for post in posts:
                items.setdefault(str(post.get("uri")), RawItem(post, url))
            times = [p["indexedAt"] for p in posts if isinstance(p.get("indexedAt"), str)]
            page_top = max(times) if times else None
            next_cursor = body.get("cursor")
            next_below = next_cursor if isinstance(next_cursor, str) and posts else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[query] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_post(item, retrieved_at)

    async def check(self) -> Verdict:
        details = []
        try:
            if self.config.identifier:
                await self._login()
                details.append(f"account {self.config.identifier}: signed in")
            body = await self._get({"q": self.config.queries[0], "limit": 1})
            if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
                raise MalformedResponseError(f"{self.config.base_url} did not answer with posts")
        except ConnectorError as exc:
            return Verdict(False, exc.reason, tuple(details))
        return Verdict(True, f"{self.config.base_url} answers searches", tuple(details))
