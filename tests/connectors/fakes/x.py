"""The X API v2 recent search as documented: bearer tokens, pages, budgets and problem JSON."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

BEARER = "AAAAAAAAAAAAAAAAAAAAAFake%2Bbearer%3Dtoken"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


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
        self._next = 1_861_000_000_000_000_000
        server.route("GET", "/2/tweets/search/recent")(self._search)
        self.user("1001", "kari_n", "Kari Nordmann", followers=321)

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
