"""The Graph API's Pages endpoints as documented: feed, tagged, comments, posting, errors, usage.

`FakeGraph` is what the Facebook and Instagram fakes share: the pinned version in the path, the
token in `Authorization: Bearer`, only the requested `fields` in answers, cursor paging whose
`next` URL carries the access token (as Graph's does), error bodies with codes and subcodes, and
the usage headers (`X-App-Usage`, `X-Business-Use-Case-Usage`) on every answer.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

VERSION = "v26.0"
PAGE_ID = "100000000000001"
PAGE_NAME = "Elvåra AB"
PAGE_TOKEN = "EAAGfakePageToken0123456789abcdefZZZZ"
VISITOR = {"name": "Kari Nordmann", "id": "2300000000000001"}
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ALL_PERMISSIONS = frozenset(
    {
        "pages_show_list", "pages_read_engagement", "pages_read_user_content",
        "pages_manage_engagement", "pages_manage_posts", "instagram_basic",
        "instagram_manage_comments", "instagram_content_publish",
    }
)  # fmt: skip
_TOP_LEVEL = re.compile(r",(?![^({]*[)}])")  # commas outside (...) and {...}


def stamp(when: datetime) -> str:
    """Graph's time format: 2026-11-20T08:01:00+0000."""
    return when.strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(
    status: int,
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    type_: str = "OAuthException",
) -> Response:
    error: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status)


def requested(fields: str | None) -> set[str] | None:
    """Top-level names in `fields=a,b.summary(x).limit(0),c{d,e}`; None: the default set."""
    if not fields:
        return None
    return {re.split(r"[.{(]", part.strip(), maxsplit=1)[0] for part in _TOP_LEVEL.split(fields)}


def only(obj: dict[str, Any], fields: set[str] | None) -> dict[str, Any]:
    if fields is None:
        return {k: obj[k] for k in ("id", "message", "created_time", "name") if k in obj}
    return {k: v for k, v in obj.items() if k in fields or k == "id"}


class FakeGraph:
    """Token, permissions, usage and paging: everything Graph does around the data."""

    usage_type = "pages"
    throttle_code = 80001
    throttle_message = (
        "There have been too many calls to this Page account. Wait a bit and try again."
    )

    def __init__(self, server: FakeServer, token: str, business_id: str) -> None:
        self.server = server
        self.token = token
        self.business_id = business_id
        self.permissions = set(ALL_PERMISSIONS)
        self.expired = False
        self.usage = 12  # percent of the budget used, as the headers say
        self.regain_minutes = 0
        self.throttled = False
        self.fail_after_create = False  # store what is posted, then answer 500
        self._n = 0

    @property
    def url(self) -> str:
        return self.server.url

    def tick(self) -> datetime:
        self._n += 1
        return START + timedelta(minutes=self._n)

    def route(self, method: str, pattern: str, handler: Callable[[Request], Response]) -> None:
        self.server.route(method, f"/{re.escape(VERSION)}/{pattern}")(self._guarded(handler))

    def _headers(self) -> dict[str, str]:
        app = {"call_count": self.usage, "total_cputime": 3, "total_time": 4}
        business = {
            self.business_id: [
                {
                    "type": self.usage_type,
                    "call_count": self.usage,
                    "total_cputime": 2,
                    "total_time": 2,
                    "estimated_time_to_regain_access": self.regain_minutes,
                }
            ]
        }
        return {"X-App-Usage": json.dumps(app), "X-Business-Use-Case-Usage": json.dumps(business)}

    def _guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def serve(request: Request) -> Response:
            response = self._check(request) or handler(request)
            response.headers.update(self._headers())
            return response

        return serve

    def _check(self, request: Request) -> Response | None:
        token = request.bearer or request.arg("access_token")
        if not token:
            return graph_error(400, 104, "An access token is required to request this resource.")
        if token != self.token:
            return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if self.expired:
            return graph_error(
                400,
                190,
                "Error validating access token: Session has expired on Friday, 20-Nov-26 "
                "08:00:00 PST. The current time is Monday, 23-Nov-26 04:00:00 PST.",
                subcode=463,
            )
        if self.throttled:
            self.usage, self.regain_minutes = 100, 30
            return graph_error(400, self.throttle_code, self.throttle_message)
        return None

    def needs(self, permission: str, code: int = 10) -> Response | None:
        if permission in self.permissions:
            return None
        if code == 10:
            text = (
                f"(#10) This endpoint requires the '{permission}' permission or the 'Page "
                "Public Content Access' feature."
            )
        else:
            text = f"(#{code}) The permission(s) {permission} are not available."
        return graph_error(403 if code == 10 else 400, code, text)

    def form(self, request: Request) -> dict[str, str]:
        fields = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8")).items()}
        return {**{k: v[0] for k, v in request.query.items()}, **fields}

    def paged(
        self, request: Request, found: list[dict[str, Any]], default_limit: int = 25
    ) -> Response:
        """`found` newest first as Graph pages it: cursors, and a `next` URL with the token."""
        limit = min(int(request.arg("limit", str(default_limit)) or default_limit), 100)
        after = request.arg("after")
        start = int(base64.b64decode(after).decode()) if after else 0
        page = found[start : start + limit]
        fields = requested(request.arg("fields"))
        body: dict[str, Any] = {"data": [only(o, fields) for o in page]}
        if page:
            cursors = {
                "before": base64.b64encode(str(start).encode()).decode(),
                "after": base64.b64encode(str(start + len(page)).encode()).decode(),
            }
            body["paging"] = {"cursors": cursors}
            if start + limit < len(found):
                query = {k: v[0] for k, v in request.query.items() if k not in ("after",)}
                query.update(access_token=self.token, after=cursors["after"])
                body["paging"]["next"] = f"{self.url}{request.path}?{urlencode(query)}"
        return json_response(body)

    def created(self, ident: str) -> Response:
        """The answer to a POST that made something (or, scripted, a 500 after making it)."""
        if self.fail_after_create:
            return graph_error(
                500, 2, "Service temporarily unavailable", type_="FacebookApiException"
            )
        return json_response({"id": ident})

    def unknown_object(self, ident: str) -> Response:
        return graph_error(
            400,
            100,
            f"Unsupported get request. Object with ID '{ident}' does not exist, cannot be loaded "
            "due to missing permissions, or does not support this operation. Please read the "
            "Graph API documentation at https://developers.facebook.com/docs/graph-api",
            subcode=33,
            type_="GraphMethodException",
        )


class FakeFacebook(FakeGraph):
    def __init__(self, server: FakeServer) -> None:
        super().__init__(server, PAGE_TOKEN, PAGE_ID)
        self.posts: list[dict[str, Any]] = []  # the Page's feed, oldest first
        self.tagged: list[dict[str, Any]] = []  # others' posts tagging the Page, oldest first
        self.comments: list[dict[str, Any]] = []  # every comment and reply, oldest first
        self.comment_post: dict[str, str] = {}  # comment id -> post id
        self.route("GET", rf"({PAGE_ID})/(feed|published_posts)", self._feed)
        self.route("GET", rf"({PAGE_ID})/tagged", self._tagged)
        self.route("GET", r"([\w]+)/comments", self._read_comments)
        self.route("POST", r"([\w]+)/comments", self._comment)
        self.route("POST", rf"({PAGE_ID})/feed", self._publish)
        self.route("GET", r"([\w]+)", self._node)

    # --- content --------------------------------------------------------------------------

    def post(self, message: str, *, author: dict[str, str] | None = None, **fields: Any) -> dict:
        when = self.tick()
        suffix = f"{self._n:015d}"
        post = {
            "id": f"{PAGE_ID}_{suffix}",
            "message": message,
            "created_time": stamp(when),
            "updated_time": stamp(when),
            "permalink_url": f"https://www.facebook.com/{PAGE_ID}/posts/{suffix}",
            "from": author or {"name": PAGE_NAME, "id": PAGE_ID},
            "status_type": "mobile_status_update",
            "shares": {"count": 2},
            "reactions": {"data": [], "summary": {"total_count": 7, "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"total_count": 0, "can_comment": True}},
            **fields,
        }
        self.posts.append(post)
        return post

    def tag(self, message: str) -> dict[str, Any]:
        when = self.tick()
        suffix = f"{self._n:015d}"
        post = {
            "id": f"{VISITOR['id']}_{suffix}",
            "message": message,
            "created_time": stamp(when),
            "updated_time": stamp(when),
            "permalink_url": f"https://www.facebook.com/{VISITOR['id']}/posts/{suffix}",
            "from": dict(VISITOR),
        }
        self.tagged.append(post)
        return post

    def comment(
        self,
        post_id: str,
        message: str,
        *,
        parent: str | None = None,
        author: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        when = self.tick()
        ident = f"{post_id.split('_')[-1]}_{9000 + len(self.comments) + 1}"
        post_suffix = post_id.split("_")[-1]
        comment: dict[str, Any] = {
            "id": ident,
            "message": message,
            "created_time": stamp(when),
            "from": author or dict(VISITOR),
            "like_count": 1,
            "comment_count": 0,
            "permalink_url": (
                f"https://www.facebook.com/{PAGE_ID}/posts/{post_suffix}?comment_id={ident}"
            ),
        }
        if parent is not None:
            comment["parent"] = {"id": parent}
            for other in self.comments:
                if other["id"] == parent:
                    other["comment_count"] += 1
        self.comments.append(comment)
        self.comment_post[ident] = post_id
        for post in self.posts:
            if post["id"] == post_id:
                post["comments"]["summary"]["total_count"] += 1
        return comment

    def sent(self) -> list[dict[str, Any]]:
        """What the Page posted: its comments and posts made through the API."""
        return [c for c in self.comments if c["from"]["id"] == PAGE_ID]

    # --- endpoints ------------------------------------------------------------------------

    def _feed(self, request: Request) -> Response:
        refused = self.needs("pages_read_engagement")
        if refused:
            return refused
        since = request.arg("since")
        found = [
            p
            for p in reversed(self.posts)
            if since is None or _when(p["created_time"]) >= datetime.fromtimestamp(int(since), UTC)
        ]
        return self.paged(request, found)

    def _tagged(self, request: Request) -> Response:
        refused = self.needs("pages_read_engagement")
        return refused or self.paged(request, list(reversed(self.tagged)))

    def _read_comments(self, request: Request) -> Response:
        assert request.match is not None
        target = request.match.group(1)
        if target not in {p["id"] for p in self.posts} | set(self.comment_post):
            return self.unknown_object(target)
        refused = self.needs("pages_read_user_content")
        if refused:
            return refused
        if target in self.comment_post:  # a comment's replies
            found = [c for c in self.comments if c.get("parent", {}).get("id") == target]
        else:
            stream = request.arg("filter") == "stream"
            found = [
                c
                for c in self.comments
                if self.comment_post[c["id"]] == target and (stream or "parent" not in c)
            ]
        if request.arg("order") == "reverse_chronological":
            found.reverse()
        return self.paged(request, found)

    def _comment(self, request: Request) -> Response:
        assert request.match is not None
        target = request.match.group(1)
        refused = self.needs("pages_manage_engagement", code=200)
        if refused:
            return refused
        message = self.form(request).get("message", "")
        if not message.strip():
            return graph_error(400, 100, "(#100) The parameter message is required")
        page = {"name": PAGE_NAME, "id": PAGE_ID}
        if target in self.comment_post:
            made = self.comment(self.comment_post[target], message, parent=target, author=page)
        elif target in {p["id"] for p in self.posts}:
            made = self.comment(target, message, author=page)
        else:
            return self.unknown_object(target)
        return self.created(made["id"])

    def _publish(self, request: Request) -> Response:
        refused = self.needs("pages_manage_posts", code=200)
        if refused:
            return refused
        message = self.form(request).get("message", "")
        return self.created(self.post(message)["id"])

    def _node(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        fields = requested(request.arg("fields"))
        if ident == PAGE_ID:
            return json_response(only({"id": PAGE_ID, "name": PAGE_NAME}, fields))
        for obj in [*self.posts, *self.comments, *self.tagged]:
            if obj["id"] == ident:
                return json_response(only(obj, fields))
        return self.unknown_object(ident)


def _when(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
