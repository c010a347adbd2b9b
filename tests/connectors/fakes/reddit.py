"""Reddit as its API documents it: application-only OAuth, listings paged by fullname, budgets;
a script app acting as its account (password grant), commenting and submitting with errors in
`json.errors`, and the account's own comments and posts.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

CLIENT_ID = "p-jcoLKBynTLew"
CLIENT_SECRET = "gko_LXELoV07ZBNUXrvWZfzE3aI"
USERNAME = "lyssna_bot"  # the account that owns the script app
PASSWORD = "correct-horse-battery-staple"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MAX_BODY = 10_000
MAX_TITLE = 300


def _errors(*errors: list[Any], **extra: Any) -> Response:
    """A refusal as Reddit gives it with api_type=json: 200, and the reasons in json.errors."""
    return json_response({"json": {"errors": list(errors), **extra}})


def _unauthorized() -> Response:
    return json_response({"message": "Unauthorized", "error": 401}, 401)


class FakeReddit:
    """www.reddit.com (the token) and oauth.reddit.com (the listings) on one fake server."""

    def __init__(self, server: FakeServer, *, budget: float = 1000.0) -> None:
        self.server = server
        self.things: list[dict[str, Any]] = []  # listing children, oldest first
        self.subreddits = {"elvara": "public", "hemligt": "private"}
        self.valid_tokens: set[str] = set()
        self.user_tokens: set[str] = set()  # tokens that act as USERNAME
        self.comment_budget = 100  # comments and posts before RATELIMIT
        self._lost: list[Response] = []
        self.tokens_issued = 0
        self.budget = budget
        self.used = 0.0
        self.retired = False
        self._next = 36**5
        server.route("POST", "/api/v1/access_token")(self._access_token)
        server.route("GET", "/search")(self._search)
        server.route("GET", "/r/(?P<sub>[^/]+)/comments")(self._comments)
        server.route("POST", "/api/comment")(self._comment)
        server.route("POST", "/api/submit")(self._submit)
        server.route("GET", "/user/(?P<user>[^/]+)/comments")(self._user_things("t1"))
        server.route("GET", "/user/(?P<user>[^/]+)/submitted")(self._user_things("t3"))

    @property
    def url(self) -> str:
        return self.server.url

    def _data(self, prefix: str, **fields: Any) -> tuple[str, dict[str, Any]]:
        self._next += 1
        ident = _base36(self._next)
        created = START + timedelta(minutes=len(self.things))
        return ident, {
            "id": ident,
            "name": f"{prefix}_{ident}",
            "author": "anna_a",
            "author_fullname": "t2_abc123",
            "created": created.timestamp(),
            "created_utc": created.timestamp(),
            "score": 7,
            "ups": 7,
            "downs": 0,
            "subreddit": "elvara",
            "subreddit_id": "t5_2qh1i",
            "subreddit_name_prefixed": "r/elvara",
            "stickied": False,
            "distinguished": None,
            "edited": False,
            "gilded": 0,
            "archived": False,
            "locked": False,
            **fields,
        }

    def post(self, title: str, selftext: str = "", **overrides: Any) -> dict[str, Any]:
        ident, data = self._data("t3", title=title, selftext=selftext)
        data.update(
            {
                "permalink": f"/r/elvara/comments/{ident}/{title[:20].lower().replace(' ', '_')}/",
                "url": f"https://www.reddit.com/r/elvara/comments/{ident}/",
                "is_self": True,
                "domain": "self.elvara",
                "num_comments": 2,
                "upvote_ratio": 0.9,
                "over_18": False,
                "thumbnail": "self",
                "link_flair_text": None,
            }
        )
        data.update(overrides)
        child = {"kind": "t3", "data": data}
        self.things.append(child)
        return child

    def comment(self, body: str, parent: str, **overrides: Any) -> dict[str, Any]:
        ident, data = self._data("t1", body=body)
        link = parent if parent.startswith("t3_") else "t3_zzzzz"
        data.update(
            {
                "link_id": link,
                "parent_id": parent,
                "permalink": f"/r/elvara/comments/{link[3:]}/x/{ident}/",
                "body_html": f'&lt;div class="md"&gt;&lt;p&gt;{body}&lt;/p&gt;&lt;/div&gt;',
                "is_submitter": False,
                "score_hidden": False,
                "controversiality": 0,
                "depth": 0,
                "replies": "",
                "link_title": "Elvåra",
            }
        )
        data.update(overrides)
        child = {"kind": "t1", "data": data}
        self.things.append(child)
        return child

    # --- www.reddit.com ----------------------------------------------------------------------

    def _access_token(self, request: Request) -> Response:
        form = parse_qs(request.body.decode("utf-8")) if request.body else {}
        grant = (form.get("grant_type") or [None])[0]  # a form body, as Reddit documents
        auth = request.headers.get("authorization", "")
        try:
            given = base64.b64decode(auth.removeprefix("Basic ")).decode() if auth else ""
        except ValueError:
            given = ""
        if given != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return _unauthorized()
        if grant not in ("client_credentials", "password"):
            return json_response({"error": "unsupported_grant_type"})  # Reddit says so with 200
        user = grant == "password"
        if user and ((form.get("username") or [None])[0], (form.get("password") or [None])[0]) != (
            USERNAME,
            PASSWORD,
        ):
            return json_response({"error": "invalid_grant"})
        self.tokens_issued += 1
        token = f"eyJhbGciOi-{self.tokens_issued}"
        self.valid_tokens.add(token)
        if user:
            self.user_tokens.add(token)
        return json_response(
            {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        )

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()
        self.user_tokens.clear()

    def lose_next_answer(self, how: str = "hang up") -> None:
        """Store the next comment or post, then lose the answer: hang up, or answer too late."""
        self._lost.append(Response(hang_up=True) if how == "hang up" else Response(delay=1.5))

    def ours(self, kind: str | None = None) -> list[dict[str, Any]]:
        """What our account wrote (listing children), oldest first."""
        return [
            c
            for c in self.things
            if c["data"]["author"] == USERNAME and (kind is None or c["kind"] == kind)
        ]

    def replies_to(self, fullname: str) -> list[dict[str, Any]]:
        return [c for c in self.things if c["data"].get("parent_id") == fullname]

    # --- oauth.reddit.com --------------------------------------------------------------------

    def _budgeted(self, response: Response) -> Response:
        self.used += 1
        response.headers.update(
            {
                "X-Ratelimit-Used": str(int(self.used)),
                "X-Ratelimit-Remaining": f"{max(0.0, self.budget - self.used):.1f}",
                "X-Ratelimit-Reset": "412",
            }
        )
        return response

    def _refused(self, request: Request) -> Response | None:
        if request.bearer not in self.valid_tokens:
            return self._budgeted(_unauthorized())
        if self.retired:
            return json_response({"message": "Gone", "error": 410}, 410)
        return None

    def _listing(self, found: list[dict[str, Any]], request: Request) -> Response:
        newest_first = list(reversed(found))
        limit = min(int(request.arg("limit", "25") or 25), 100)
        after = request.arg("after")
        start = 0
        if after:
            names = [c["data"]["name"] for c in newest_first]
            start = names.index(after) + 1 if after in names else len(names)
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        body = {
            "kind": "Listing",
            "data": {
                "after": page[-1]["data"]["name"] if page and more else None,
                "dist": len(page),
                "modhash": "",
                "geo_filter": "",
                "children": page,
                "before": None,
            },
        }
        return self._budgeted(json_response(body))

    def _search(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused:
            return refused
        words = (request.arg("q") or "").lower()
        found = [
            c
            for c in self.things
            if c["kind"] == "t3"
            and words in f"{c['data']['title']} {c['data']['selftext']}".lower()
        ]
        return self._listing(found, request)

    def _comments(self, request: Request) -> Response:
        refused = self._refused(request)
        if refused:
            return refused
        sub = (request.match["sub"] if request.match else "").lower()
        kind = self.subreddits.get(sub)
        if kind is None:
            return self._budgeted(json_response({"message": "Not Found", "error": 404}, 404))
        if kind == "private":
            return self._budgeted(
                json_response({"reason": "private", "message": "Forbidden", "error": 403}, 403)
            )
        found = [
            c for c in self.things if c["kind"] == "t1" and c["data"]["subreddit"].lower() == sub
        ]
        return self._listing(found, request)

    # --- writing, as the account ---------------------------------------------------------------

    def _as_account(self, request: Request) -> Response | None:
        if request.bearer not in self.valid_tokens:
            return self._budgeted(_unauthorized())
        if request.bearer not in self.user_tokens:  # an app-only token cannot post
            return self._budgeted(json_response({"message": "Forbidden", "error": 403}, 403))
        return None

    def _spend(self) -> Response | None:
        if self.comment_budget > 0:
            self.comment_budget -= 1
            return None
        return _errors(
            [
                "RATELIMIT",
                "Looks like you've been doing that a lot. Take a break for 9 minutes before "
                "trying again.",
                "ratelimit",
            ],
            ratelimit=540.0,
        )

    def _answer(self, body: dict[str, Any]) -> Response:
        return self._lost.pop(0) if self._lost else self._budgeted(json_response(body))

    def _comment(self, request: Request) -> Response:
        refused = self._as_account(request)
        if refused:
            return refused
        form = request.form()
        if form.get("api_type") != "json":
            return Response(200, b"<html>jquery</html>", {"Content-Type": "text/html"})
        parent_name, text = form.get("thing_id", ""), form.get("text", "")
        parent = next((c for c in self.things if c["data"]["name"] == parent_name), None)
        if parent is None:
            return _errors(["INVALID_ID", "that is not a valid id", "thing_id"])
        if parent["data"].get("archived"):
            return _errors(
                ["TOO_OLD", "that's a piece of history now; it's too late to reply to it", "parent"]
            )
        if parent["data"].get("locked"):
            return _errors(["THREAD_LOCKED", "Comments are locked.", "parent"])
        if not text.strip():
            return _errors(["NO_TEXT", "we need something here", "text"])
        if len(text) > MAX_BODY:
            return _errors(["TOO_LONG", f"this is too long (max: {MAX_BODY})", "text"])
        limited = self._spend()
        if limited:
            return limited
        child = self.comment(
            text, parent_name, author=USERNAME, created_utc=time.time(), created=time.time()
        )
        if parent_name.startswith("t1_"):
            child["data"]["link_id"] = parent["data"]["link_id"]
        return self._answer({"json": {"errors": [], "data": {"things": [child]}}})

    def _submit(self, request: Request) -> Response:
        refused = self._as_account(request)
        if refused:
            return refused
        form = request.form()
        sub = form.get("sr", "").lower()
        if self.subreddits.get(sub) != "public":
            return _errors(["SUBREDDIT_NOEXIST", "that community doesn't exist", "sr"])
        if form.get("kind") != "self":
            return _errors(["NO_URL", "a url is required", "url"])
        title = form.get("title", "")
        if not title.strip():
            return _errors(["NO_TEXT", "we need something here", "title"])
        if len(title) > MAX_TITLE:
            return _errors(["TOO_LONG", f"this is too long (max: {MAX_TITLE})", "title"])
        limited = self._spend()
        if limited:
            return limited
        child = self.post(
            title,
            form.get("text", ""),
            author=USERNAME,
            subreddit=sub,
            created_utc=time.time(),
            created=time.time(),
        )
        data = child["data"]
        return self._answer(
            {
                "json": {
                    "errors": [],
                    "data": {
                        "url": f"https://www.reddit.com{data['permalink']}",
                        "drafts_count": 0,
                        "id": data["id"],
                        "name": data["name"],
                    },
                }
            }
        )

    def _user_things(self, kind: str):
        def handler(request: Request) -> Response:
            refused = self._refused(request)
            if refused:
                return refused
            user = request.match["user"] if request.match else ""
            found = [c for c in self.things if c["kind"] == kind and c["data"]["author"] == user]
            return self._listing(sorted(found, key=lambda c: c["data"]["created_utc"]), request)

        return handler


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
