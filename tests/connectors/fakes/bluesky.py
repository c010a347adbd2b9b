"""A Bluesky server: createSession and app.bsky.feed.searchPosts with cursors and rate limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

HANDLE = "lyssna.example.com"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


class FakeBluesky:
    def __init__(self, server: FakeServer, *, require_auth: bool = False) -> None:
        self.server = server
        self.require_auth = require_auth
        self.posts: list[dict[str, Any]] = []  # oldest first
        self.valid_tokens: set[str] = set()
        self.sessions = 0
        server.route("POST", "/xrpc/com.atproto.server.createSession")(self._session)
        server.route("GET", "/xrpc/app.bsky.feed.searchPosts")(self._search)

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, text: str, **overrides: Any) -> dict[str, Any]:
        n = len(self.posts) + 1
        created = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=n)
        stamp = created.isoformat().replace("+00:00", ".000Z")
        post: dict[str, Any] = {
            "uri": f"at://did:plc:abc{n}/app.bsky.feed.post/3kpost{n:04d}",
            "cid": f"bafyreicid{n}",
            "author": {
                "did": f"did:plc:abc{n}",
                "handle": f"user{n}.bsky.social",
                "displayName": f"User {n}",
                "labels": [],
            },
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": stamp,
                "langs": ["sv"],
            },
            "replyCount": 0,
            "repostCount": 1,
            "likeCount": 5,
            "quoteCount": 0,
            "indexedAt": stamp,
            "labels": [],
        }
        post.update(overrides)
        self.posts.append(post)
        return post

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def _session(self, request: Request) -> Response:
        body = request.json() or {}
        if body.get("identifier") != HANDLE or body.get("password") != APP_PASSWORD:
            return json_response(
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                401,
            )
        self.sessions += 1
        token = f"jwt-{self.sessions}"
        self.valid_tokens.add(token)
        return json_response(
            {"accessJwt": token, "refreshJwt": "refresh", "handle": HANDLE, "did": "did:plc:me"}
        )

    def _search(self, request: Request) -> Response:
        token = request.bearer
        if token is not None and token not in self.valid_tokens:
            return json_response({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        if self.require_auth and token is None:
            return json_response(
                {"error": "AuthMissing", "message": "Authentication Required"}, 401
            )
        words = (request.arg("q") or "").lower()
        since = request.arg("since")
        found = [
            p
            for p in reversed(self.posts)
            if words in p["record"]["text"].lower() and (since is None or p["indexedAt"] >= since)
        ]
        limit = int(request.arg("limit", "25") or 25)
        start = int(request.arg("cursor", "0") or 0)
        page = found[start : start + limit]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(found)}
        if start + limit < len(found):
            body["cursor"] = str(start + limit)
        return json_response(
            body,
            **{
                "ratelimit-limit": "3000",
                "ratelimit-remaining": "2999",
                "ratelimit-reset": str(int(time.time()) + 300),
                "ratelimit-policy": "3000;w=300",
            },
        )
