"""A Bluesky server: createSession and app.bsky.feed.searchPosts with cursors and rate limits;
writing posts to the account's repository (createRecord with record keys, getRecord, getPosts)
as the lexicons define them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

HANDLE = "lyssna.example.com"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:me"
MAX_GRAPHEMES = 300
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")


def xrpc_error(status: int, error: str, message: str, **headers: str) -> Response:
    return json_response({"error": error, "message": message}, status, **headers)


class FakeBluesky:
    def __init__(self, server: FakeServer, *, require_auth: bool = False) -> None:
        self.server = server
        self.require_auth = require_auth
        self.posts: list[dict[str, Any]] = []  # oldest first
        self.valid_tokens: set[str] = set()
        self.sessions = 0
        self.records: dict[str, dict[str, Any]] = {}  # our repository's posts, by record key
        self.write_points = 5000  # createRecord costs 3 of an account's 5000 points an hour
        self._lost: list[Response] = []
        server.route("POST", "/xrpc/com.atproto.server.createSession")(self._session)
        server.route("GET", "/xrpc/app.bsky.feed.searchPosts")(self._search)
        server.route("POST", "/xrpc/com.atproto.repo.createRecord")(self._create)
        server.route("GET", "/xrpc/com.atproto.repo.getRecord")(self._get_record)
        server.route("GET", "/xrpc/app.bsky.feed.getPosts")(self._get_posts)

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

    def lose_next_answer(self, how: str = "hang up") -> None:
        """Write the next post, then lose the answer: hang up, or answer too late."""
        self._lost.append(Response(hang_up=True) if how == "hang up" else Response(delay=1.5))

    def ours(self) -> list[dict[str, Any]]:
        """The post views of what our account wrote, oldest first."""
        return [p for p in self.posts if p["author"]["did"] == DID]

    def replies_to(self, uri: str) -> list[dict[str, Any]]:
        return [
            p
            for p in self.posts
            if p["record"].get("reply", {}).get("parent", {}).get("uri") == uri
        ]

    def _signed_in(self, request: Request) -> Response | None:
        token = request.bearer
        if token is None:
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        if token not in self.valid_tokens:
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return None

    def _create(self, request: Request) -> Response:
        refused = self._signed_in(request)
        if refused:
            return refused
        if self.write_points < 3:
            reset = str(int(time.time()) + 3600)
            return xrpc_error(
                429,
                "RateLimitExceeded",
                "Rate Limit Exceeded",
                **{"ratelimit-limit": "5000", "ratelimit-remaining": "0"},
                **{"ratelimit-reset": reset, "ratelimit-policy": "5000;w=3600"},
            )
        body = request.json() or {}
        record = body.get("record") or {}
        if body.get("repo") not in (DID, HANDLE):
            return xrpc_error(400, "InvalidRequest", f"Could not find repo: {body.get('repo')}")
        if body.get("collection") != "app.bsky.feed.post" or record.get("$type") != (
            "app.bsky.feed.post"
        ):
            return xrpc_error(400, "InvalidRequest", "Invalid $type: expected app.bsky.feed.post")
        text = record.get("text")
        if not isinstance(text, str) or not isinstance(record.get("createdAt"), str):
            return xrpc_error(
                400,
                "InvalidRequest",
                'Invalid app.bsky.feed.post record: Record must have the property "text"',
            )
        if len(text) > MAX_GRAPHEMES:
            return xrpc_error(
                400,
                "InvalidRequest",
                "Invalid app.bsky.feed.post record: Record/text must not be longer than "
                f"{MAX_GRAPHEMES} graphemes",
            )
        reply = record.get("reply")
        if reply is not None:
            known = {p["uri"]: p["cid"] for p in self.posts}
            for ref in (reply.get("root") or {}, reply.get("parent") or {}):
                if known.get(ref.get("uri")) != ref.get("cid"):
                    return xrpc_error(
                        400, "InvalidRequest", "Invalid app.bsky.feed.post record: bad reply ref"
                    )
        rkey = body.get("rkey") or f"3l{len(self.records):011d}"
        if not _RKEY.match(rkey) or rkey in (".", ".."):
            return xrpc_error(400, "InvalidRequest", f"Invalid record key: {rkey}")
        if rkey in self.records:
            return xrpc_error(400, "InvalidRequest", "Record already exists")
        self.write_points -= 3
        uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
        cid = f"bafyreiours{len(self.records)}"
        view = {
            "uri": uri,
            "cid": cid,
            "author": {"did": DID, "handle": HANDLE, "displayName": "Elvåra", "labels": []},
            "record": record,
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "indexedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "labels": [],
        }
        self.records[rkey] = view
        self.posts.append(view)
        if self._lost:
            return self._lost.pop(0)
        return json_response({"uri": uri, "cid": cid, "validationStatus": "valid"})

    def _get_record(self, request: Request) -> Response:
        repo, rkey = request.arg("repo"), request.arg("rkey") or ""
        if repo not in (DID, HANDLE):
            return xrpc_error(400, "InvalidRequest", f"Could not find repo: {repo}")
        view = self.records.get(rkey) if request.arg("collection") == "app.bsky.feed.post" else None
        if view is None:
            return xrpc_error(
                400,
                "RecordNotFound",
                f"Could not locate record: at://{repo}/{request.arg('collection')}/{rkey}",
            )
        return json_response({"uri": view["uri"], "cid": view["cid"], "value": view["record"]})

    def _get_posts(self, request: Request) -> Response:
        refused = self._signed_in(request)
        if refused:
            return refused
        wanted = request.query.get("uris") or []
        return json_response({"posts": [p for p in self.posts if p["uri"] in wanted]})

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
