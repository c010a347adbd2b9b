"""The X API v2 as documented: recent search with bearer tokens, pages, budgets and problem
JSON; posting as an account with OAuth 1.0a signatures (checked, nonces not reusable), the
account's own timeline and /2/users/me.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

BEARER = "AAAAAAAAAAAAAAAAAAAAAFake%2Bbearer%3Dtoken"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
API_KEY = "xvz1evFS4wEEPTGEFPHBog"
API_KEY_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
ACCESS_TOKEN = "1002-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
ACCESS_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
READ_ONLY_TOKEN = "1002-readonly-token"  # generated while the app was read-only
US = "1002"  # the account the access tokens belong to
MAX_CHARS = 280
_HEADER_PARAM = re.compile(r'(\w+)="([^"]*)"')


def problem(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any):
    body = {"title": title, "detail": detail, "type": type_, **extra}
    if type_ == "about:blank":
        body["status"] = status
    return json_response(body, status)


def unauthorized() -> Response:
    return problem(401, "Unauthorized", "Unauthorized")


class FakeX:
    def __init__(self, server: FakeServer, *, limit: int = 450) -> None:
        self.server = server
        self.tweets: list[dict[str, Any]] = []  # oldest first
        self.users: dict[str, dict[str, Any]] = {}
        self.limit = limit
        self.remaining = limit
        self.reset = int(time.time()) + 900
        self.enrolled = True
        self.usage_capped = False
        self.retired = False
        self.write_remaining = 100  # posts per 15 minutes per user
        self.nonces: set[str] = set()
        self._lost: list[Response] = []
        self._next = 1_861_000_000_000_000_000
        server.route("GET", "/2/tweets/search/recent")(self._search)
        server.route("POST", "/2/tweets")(self._create)
        server.route("GET", "/2/users/me")(self._me)
        server.route("GET", "/2/users/(?P<id>\\d+)/tweets")(self._timeline)
        self.user("1001", "kari_n", "Kari Nordmann", followers=321)
        self.user(US, "elvara", "Elvåra", followers=900)

    @property
    def url(self) -> str:
        return self.server.url

    def user(self, uid: str, username: str, name: str, followers: int = 0) -> dict[str, Any]:
        user = {
            "id": uid,
            "username": username,
            "name": name,
            "public_metrics": {
                "followers_count": followers,
                "following_count": 10,
                "tweet_count": 500,
                "listed_count": 1,
                "like_count": 40,
            },
        }
        self.users[uid] = user
        return user

    def post(self, text: str, author_id: str = "1001", **fields: Any) -> dict[str, Any]:
        self._next += 1
        tid = str(self._next)
        created = START + timedelta(minutes=len(self.tweets))
        tweet = {
            "id": tid,
            "text": text,
            "edit_history_tweet_ids": [tid],
            "created_at": created.isoformat().replace("+00:00", ".000Z"),
            "lang": "sv",
            "author_id": author_id,
            "conversation_id": tid,
            "public_metrics": {
                "retweet_count": 2,
                "reply_count": 1,
                "like_count": 9,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 250,
            },
            **fields,
        }
        self.tweets.append(tweet)
        return tweet

    def lose_next_answer(self, how: str = "hang up") -> None:
        """Store the next post, then lose the answer: hang up, or answer too late."""
        self._lost.append(Response(hang_up=True) if how == "hang up" else Response(delay=1.5))

    def ours(self) -> list[dict[str, Any]]:
        return [t for t in self.tweets if t["author_id"] == US]

    def replies_to(self, tweet_id: str) -> list[dict[str, Any]]:
        return [
            t
            for t in self.tweets
            if {"type": "replied_to", "id": tweet_id} in t.get("referenced_tweets", [])
        ]

    def _signed(self, request: Request) -> Response | None:
        """A problem unless the request carries a valid OAuth 1.0a signature of our account."""
        header = request.headers.get("authorization", "")
        if not header.startswith("OAuth "):
            if request.bearer == BEARER:
                return problem(
                    403,
                    "Unsupported Authentication",
                    "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
                    "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
                    "OAuth 2.0 User Context].",
                    "https://api.x.com/2/problems/unsupported-authentication",
                )
            return unauthorized()
        given = {k: unquote(v) for k, v in _HEADER_PARAM.findall(header)}
        secrets = {ACCESS_TOKEN: ACCESS_TOKEN_SECRET, READ_ONLY_TOKEN: "readonly-secret"}
        token_secret = secrets.get(given.get("oauth_token", ""))
        if given.get("oauth_consumer_key") != API_KEY or token_secret is None:
            return unauthorized()
        if (
            given["oauth_nonce"] in self.nonces
            or abs(time.time() - int(given["oauth_timestamp"])) > 300
        ):
            return unauthorized()
        signed = [(k, v) for k, v in given.items() if k != "oauth_signature"]
        signed += [(k, v) for k, values in request.query.items() for v in values]

        def pct(value: str) -> str:
            return quote(value, safe="-._~")

        pairs = "&".join(sorted(f"{pct(k)}={pct(v)}" for k, v in signed))
        url = f"{self.url}{request.path}"
        base = f"{request.method}&{pct(url)}&{pct(pairs)}"
        key = f"{pct(API_KEY_SECRET)}&{pct(token_secret)}"
        wanted = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest())
        if given.get("oauth_signature") != wanted.decode():
            return unauthorized()
        self.nonces.add(given["oauth_nonce"])
        if given["oauth_token"] == READ_ONLY_TOKEN and request.method == "POST":
            return problem(
                403,
                "Forbidden",
                "Your client app is not configured with the appropriate oauth1 app permissions "
                "for this endpoint.",
                "https://api.x.com/2/problems/oauth1-permissions",
            )
        return None

    def _create(self, request: Request) -> Response:
        refused = self._signed(request)
        if refused:
            return refused
        if self.write_remaining <= 0:
            return self._write_budget(problem(429, "Too Many Requests", "Too Many Requests"))
        body = request.json() or {}
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
            return json_response(
                {
                    "errors": [
                        {
                            "parameters": {"text": [str(text)]},
                            "message": "Your Post text is too long or empty.",
                        }
                    ],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.x.com/2/problems/invalid-request",
                },
                400,
            )
        if any(t["text"] == text and t["author_id"] == US for t in self.tweets):
            return problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        parent = next((t for t in self.tweets if t["id"] == reply_to), None)
        if reply_to and parent is None:
            return problem(400, "Invalid Request", "The post you are replying to does not exist.")
        self.write_remaining -= 1
        fields: dict[str, Any] = {"created_at": _now()}
        if parent is not None:
            handle = self.users[parent["author_id"]]["username"]
            fields["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            fields["conversation_id"] = parent["conversation_id"]
            fields["in_reply_to_user_id"] = parent["author_id"]
            text = f"@{handle} {text}"  # X shows the handles answered in front
        stored = self.post(_shown(text), author_id=US, **fields)
        if self._lost:
            return self._lost.pop(0)
        answer = {
            "id": stored["id"],
            "text": stored["text"],
            "edit_history_tweet_ids": [stored["id"]],
        }
        return self._write_budget(json_response({"data": answer}, 201))

    def _write_budget(self, response: Response) -> Response:
        response.headers.update(
            {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": str(self.write_remaining),
                "x-rate-limit-reset": str(int(time.time()) + 900),
            }
        )
        return response

    def _me(self, request: Request) -> Response:
        refused = self._signed(request)
        if refused:
            return refused
        user = self.users[US]
        return json_response(
            {"data": {"id": US, "name": user["name"], "username": user["username"]}}
        )

    def _timeline(self, request: Request) -> Response:
        refused = self._signed(request)
        if refused and request.bearer != BEARER:
            return refused
        author = request.match["id"] if request.match else ""
        since = request.arg("since_id")
        start = request.arg("start_time")
        found = [
            t
            for t in reversed(self.tweets)
            if t["author_id"] == author
            and (since is None or int(t["id"]) > int(since))
            and (start is None or t["created_at"] >= start.replace("Z", ".000Z"))
        ]
        limit = int(request.arg("max_results", "10") or 10)
        offset = int((request.arg("pagination_token") or "p0").lstrip("p"))
        page = found[offset : offset + limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            meta.update({"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]})
            if offset + limit < len(found):
                meta["next_token"] = f"p{offset + limit}"
        return json_response(body)

    def _budget(self, response: Response) -> Response:
        response.headers.update(
            {
                "x-rate-limit-limit": str(self.limit),
                "x-rate-limit-remaining": str(self.remaining),
                "x-rate-limit-reset": str(self.reset),
            }
        )
        return response

    def _search(self, request: Request) -> Response:
        if request.bearer != BEARER:
            return unauthorized()
        if not self.enrolled:
            return problem(
                403,
                "Client Forbidden",
                "When authenticating requests to the X API v2 endpoints, you must use keys and "
                "tokens from an X developer App that is attached to a Project.",
                "https://api.x.com/2/problems/client-forbidden",
                reason="client-not-enrolled",
                required_enrollment="Appropriate Level of API Access",
                registration_url="https://developer.x.com/en/portal/product",
            )
        if self.retired:
            return problem(410, "Gone", "This endpoint has been retired.")
        if self.usage_capped:
            return problem(
                429,
                "UsageCapExceeded",
                "Usage cap exceeded: Monthly product cap",
                "https://api.x.com/2/problems/usage-capped",
                period="Monthly",
                scope="Product",
            )
        if self.remaining <= 0:
            return self._budget(problem(429, "Too Many Requests", "Too Many Requests"))
        self.remaining -= 1
        max_results = int(request.arg("max_results", "10") or 10)
        if not 10 <= max_results <= 100:
            return self._budget(
                json_response(
                    {
                        "errors": [
                            {
                                "parameters": {"max_results": [str(max_results)]},
                                "message": f"The `max_results` query parameter value "
                                f"[{max_results}] is not between 10 and 100",
                            }
                        ],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.x.com/2/problems/invalid-request",
                    },
                    400,
                )
            )
        words = (request.arg("query") or "").lower()
        since = request.arg("since_id")
        found = [
            t
            for t in reversed(self.tweets)
            if words in t["text"].lower() and (since is None or int(t["id"]) > int(since))
        ]
        start = int((request.arg("next_token") or "b0").lstrip("b"))
        page = found[start : start + max_results]
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = page
            authors = dict.fromkeys(t["author_id"] for t in page)
            body["includes"] = {"users": [self.users[a] for a in authors if a in self.users]}
            meta.update({"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]})
            if start + max_results < len(found):
                meta["next_token"] = f"b{start + max_results}"
        return self._budget(json_response(body))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _shown(text: str) -> str:
    """Text as X gives it back: &, < and > escaped, links shortened."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"https?://\S+", "https://t.co/AbCdEf123", escaped)
