"""A Mastodon server as its API documents it: tag timelines, v2 search, tokens, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

TOKEN = "mastodon-secret-token-1234"


class FakeMastodon:
    def __init__(self, server: FakeServer, *, token: str = TOKEN, rate_limit: int = 300) -> None:
        self.server = server
        self.token = token
        self.statuses: list[dict[str, Any]] = []  # oldest first
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self._next_id = 109_000_000_000_000_000
        server.route("GET", "/api/v2/instance")(self._instance)
        server.route("GET", "/api/v1/apps/verify_credentials")(self._verify)
        server.route("GET", "/api/v1/timelines/tag/(?P<tag>[^/]+)")(self._tag)
        server.route("GET", "/api/v2/search")(self._search)

    @property
    def url(self) -> str:
        return self.server.url

    def post(self, text: str, *, tags: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
        self._next_id += 1
        sid = str(self._next_id)
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

    def _auth_problem(self, request: Request, required: bool) -> Response | None:
        given = request.bearer
        if given is not None and given != self.token:
            return json_response({"error": "The access token is invalid"}, 401)
        if required and given is None:
            return json_response({"error": "This action is outside the authorized scopes"}, 401)
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
        from urllib.parse import unquote

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
        words = (request.arg("q") or "").lower()
        found = [s for s in self.statuses if words in s["content"].lower()]
        page = self._window(found, request)
        return self._limited(json_response({"accounts": [], "statuses": page, "hashtags": []}))
