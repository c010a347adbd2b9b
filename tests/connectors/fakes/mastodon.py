"""A Mastodon server as its API documents it: tag timelines, v2 search, tokens, rate limits,
and posting: statuses with replies, Idempotency-Key, scopes, validation, the account's own
statuses and a status's context.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

TOKEN = "mastodon-secret-token-1234"  # read scopes only
WRITE_TOKEN = "mastodon-write-token-5678"  # read and write:statuses
HOST = "social.example"
US = {
    "id": "2",
    "username": "elvara",
    "acct": "elvara",
    "display_name": "Elvåra",
    "followers_count": 500,
}
MAX_CHARS = 500
_MENTION = re.compile(r"(?<![\w@])@([\w.-]+)(?:@([\w.-]+))?")


class FakeMastodon:
    def __init__(self, server: FakeServer, *, token: str = TOKEN, rate_limit: int = 300) -> None:
        self.server = server
        self.token = token
        self.scopes = {token: {"read"}, WRITE_TOKEN: {"read", "write"}}
        self.statuses: list[dict[str, Any]] = []  # oldest first
        self.remote: dict[str, dict[str, Any]] = {}  # statuses of other servers, by URI
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self.post_budget = 300  # statuses per window (Mastodon: 300 per 3 hours)
        self.idempotency: dict[tuple[str, str], str] = {}  # (account, key) -> status id
        self._lost: list[Response] = []  # answers to drop after storing the next statuses
        self._next_id = 109_000_000_000_000_000
        server.route("GET", "/api/v2/instance")(self._instance)
        server.route("GET", "/api/v1/apps/verify_credentials")(self._verify)
        server.route("GET", "/api/v1/timelines/tag/(?P<tag>[^/]+)")(self._tag)
        server.route("GET", "/api/v2/search")(self._search)
        server.route("POST", "/api/v1/statuses")(self._create)
        server.route("GET", "/api/v1/accounts/verify_credentials")(self._account)
        server.route("GET", "/api/v1/accounts/(?P<id>[^/]+)/statuses")(self._account_statuses)
        server.route("GET", "/api/v1/statuses/(?P<id>[^/]+)")(self._status)
        server.route("GET", "/api/v1/statuses/(?P<id>[^/]+)/context")(self._context)

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, text: str, *, tags: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
        sid = self._new_id()
        created = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=len(self.statuses))
        status: dict[str, Any] = {
            "id": sid,
            "created_at": created.isoformat().replace("+00:00", ".000Z"),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "sv",
            "uri": f"https://social.example/users/anna/statuses/{sid}",
            "url": f"https://social.example/@anna/{sid}",
            "replies_count": 1,
            "reblogs_count": 2,
            "favourites_count": 3,
            "edited_at": None,
            "content": f"<p>{text}</p>",
            "reblog": None,
            "application": None,
            "account": {
                "id": "1",
                "username": "anna",
                "acct": "anna",
                "display_name": "Anna Andersson",
                "followers_count": 120,
            },
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": t, "url": f"https://social.example/tags/{t}"} for t in tags],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        status.update(overrides)
        self.statuses.append(status)
        return status

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def remote_status(self, text: str, server: str = "other.example") -> dict[str, Any]:
        """A status on another server, which this one fetches when a search resolves its URI."""
        n = len(self.remote) + 1
        status = {
            "id": f"remote-{n}",
            "uri": f"https://{server}/users/kari/statuses/{n}",
            "url": f"https://{server}/@kari/{n}",
            "created_at": "2026-11-20T09:00:00.000Z",
            "in_reply_to_id": None,
            "visibility": "public",
            "content": f"<p>{html.escape(text)}</p>",
            "account": {"id": "77", "username": "kari", "acct": f"kari@{server}"},
        }
        self.remote[status["uri"]] = status
        return status

    def lose_next_answer(self, how: str = "hang up") -> None:
        """Lose the next answer to a status posted (or repeated by key): hang up, or answer
        too late. The status is stored all the same."""
        self._lost.append(Response(hang_up=True) if how == "hang up" else Response(delay=1.5))

    def ours(self) -> list[dict[str, Any]]:
        """The statuses our account posted, oldest first."""
        return [s for s in self.statuses if s["account"]["id"] == US["id"]]

    def replies_to(self, status_id: str) -> list[dict[str, Any]]:
        return [s for s in self.statuses if s["in_reply_to_id"] == status_id]

    def _auth_problem(
        self, request: Request, required: bool, scope: str = "read"
    ) -> Response | None:
        given = request.bearer
        if given is not None and given not in self.scopes:
            return json_response({"error": "The access token is invalid"}, 401)
        if required and given is None:
            return json_response({"error": "The access token is invalid"}, 401)
        if given is not None and scope not in self.scopes[given]:
            return json_response({"error": "This action is outside the authorized scopes"}, 403)
        return None

    def _limited(self, response: Response) -> Response:
        self.remaining = max(0, self.remaining - 1)
        reset = datetime.now(UTC) + timedelta(minutes=5)
        response.headers.update(
            {
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z"),
            }
        )
        return response

    def _instance(self, request: Request) -> Response:
        return json_response({"domain": "social.example", "title": "Social", "version": "4.3.2"})

    def _verify(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=True)
        return problem or json_response({"name": "Lyssna", "website": None})

    def _window(self, statuses: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
        """Mastodon's id window: since_id/min_id below, max_id above; newest first."""
        limit = min(int(request.arg("limit", "20") or 20), 40)
        since = request.arg("since_id")
        min_id = request.arg("min_id")
        max_id = request.arg("max_id")
        chosen = [
            s
            for s in statuses
            if (since is None or int(s["id"]) > int(since))
            and (min_id is None or int(s["id"]) > int(min_id))
            and (max_id is None or int(s["id"]) < int(max_id))
        ]
        if min_id is not None and since is None:
            return list(reversed(chosen[:limit]))  # the page right after min_id
        return list(reversed(chosen))[:limit]

    def _tag(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=False)
        if problem:
            return problem
        tag = request.match["tag"].lower() if request.match else ""
        tag = unquote(tag)
        tagged = [s for s in self.statuses if tag in {t["name"].lower() for t in s["tags"]}]
        page = self._window(tagged, request)
        response = json_response(page)
        if page:
            base = f"{self.url}{request.path}"
            limit = request.arg("limit", "20")
            older = urlencode({"limit": limit, "max_id": page[-1]["id"]})
            newer = urlencode({"limit": limit, "min_id": page[0]["id"]})
            response.headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
        return self._limited(response)

    def _search(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=True)
        if problem:
            return problem
        if request.arg("type") != "statuses":
            return json_response({"accounts": [], "statuses": [], "hashtags": []})
        query = request.arg("q") or ""
        if request.arg("resolve") == "true" and query.startswith(("https://", "http://")):
            return self._limited(
                json_response({"accounts": [], "statuses": self._resolve(query), "hashtags": []})
            )
        words = query.lower()
        found = [s for s in self.statuses if words in s["content"].lower()]
        page = self._window(found, request)
        return self._limited(json_response({"accounts": [], "statuses": page, "hashtags": []}))

    def _resolve(self, url: str) -> list[dict[str, Any]]:
        """A status by URI or URL: known here, or fetched from its server with a new local id."""
        for status in self.statuses:
            if url in (status["uri"], status["url"]):
                return [status]
        remote = next((r for r in self.remote.values() if url in (r["uri"], r["url"])), None)
        if remote is None:
            return []
        local = {**remote, "id": self._new_id()}
        self.statuses.append(local)
        return [local]

    # --- posting ------------------------------------------------------------------------------

    def _create(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=True, scope="write")
        if problem:
            return problem
        key = request.headers.get("idempotency-key")
        if key and (US["id"], key) in self.idempotency:
            return self._answer(self._find(self.idempotency[(US["id"], key)]))
        if self.post_budget <= 0:
            reset = (datetime.now(UTC) + timedelta(hours=3)).isoformat().replace("+00:00", "Z")
            return json_response(
                {"error": "Too many requests"},
                429,
                **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0"},
                **{"X-RateLimit-Reset": reset},
            )
        fields = request.fields()
        text = str(fields.get("status") or "")
        if not text.strip():
            return json_response({"error": "Validation failed: Text can't be blank"}, 422)
        if len(text) > MAX_CHARS:
            return json_response(
                {"error": f"Validation failed: Text character limit of {MAX_CHARS} exceeded"},
                422,
            )
        parent_id = fields.get("in_reply_to_id")
        parent = self._find(str(parent_id)) if parent_id else None
        if parent_id and parent is None:
            return json_response({"error": "Record not found"}, 404)
        self.post_budget -= 1
        sid = self._new_id()
        status = {
            "id": sid,
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": fields.get("visibility") or "public",
            "language": None,
            "uri": f"https://{HOST}/users/{US['username']}/statuses/{sid}",
            "url": f"https://{HOST}/@{US['username']}/{sid}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "content": _render(text),
            "reblog": None,
            "application": {"name": "Lyssna", "website": None},
            "account": dict(US),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        self.statuses.append(status)
        if key:
            self.idempotency[(US["id"], key)] = sid
        return self._answer(status)

    def _answer(self, status: dict[str, Any] | None) -> Response:
        return self._lost.pop(0) if self._lost else json_response(status)

    def _find(self, status_id: str) -> dict[str, Any] | None:
        return next((s for s in self.statuses if s["id"] == status_id), None)

    def _account(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=True)
        if problem:
            return problem
        if request.bearer != WRITE_TOKEN:
            return json_response({"id": "9", "username": "reader", "acct": "reader"})
        return json_response({**US, "statuses_count": len(self.ours())})

    def _account_statuses(self, request: Request) -> Response:
        problem = self._auth_problem(request, required=False)
        if problem:
            return problem
        account = request.match["id"] if request.match else ""
        chosen = [s for s in self.statuses if s["account"]["id"] == account]
        if request.arg("exclude_replies") == "true":
            chosen = [s for s in chosen if s["in_reply_to_id"] is None]
        page = self._window(chosen, request)
        response = json_response(page)
        if page:
            base = f"{self.url}{request.path}"
            older = urlencode({"limit": request.arg("limit", "20"), "max_id": page[-1]["id"]})
            response.headers["Link"] = f'<{base}?{older}>; rel="next"'
        return self._limited(response)

    def _status(self, request: Request) -> Response:
        status = self._find(request.match["id"] if request.match else "")
        return (
            json_response(status) if status else json_response({"error": "Record not found"}, 404)
        )

    def _context(self, request: Request) -> Response:
        status = self._find(request.match["id"] if request.match else "")
        if status is None:
            return json_response({"error": "Record not found"}, 404)
        ancestors = []
        parent = self._find(str(status["in_reply_to_id"])) if status["in_reply_to_id"] else None
        while parent is not None:
            ancestors.insert(0, parent)
            parent = self._find(str(parent["in_reply_to_id"])) if parent["in_reply_to_id"] else None
        descendants: list[dict[str, Any]] = []
        frontier = [status["id"]]
        while frontier:
            children = [s for s in self.statuses if s["in_reply_to_id"] in frontier]
            descendants += children
            frontier = [c["id"] for c in children]
        return json_response({"ancestors": ancestors, "descendants": descendants})


def _render(text: str) -> str:
    """Status HTML as Mastodon makes it: paragraphs, line breaks, mentions showing @name only."""

    def mention(match: re.Match[str]) -> str:
        name, server = match[1], match[2] or HOST
        return (
            f'<span class="h-card" translate="no"><a href="https://{server}/@{name}" '
            f'class="u-url mention">@<span>{name}</span></a></span>'
        )

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = [
        _MENTION.sub(mention, html.escape(p, quote=False)).replace("\n", "<br />")
        for p in paragraphs
    ]
    return "".join(f"<p>{p}</p>" for p in rendered)
