"""LinkedIn's Community Management API as documented: versioned `/rest` with `LinkedIn-Version`
and Rest.li 2.0, posts by author, socialActions comments, creating both, start/count paging,
Rest.li error bodies (401 tokens, 403 scopes and roles, 426 retired versions, 429 daily limits).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlencode

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

ORG_ID = "2414183"
ORG = f"urn:li:organization:{ORG_ID}"
TOKEN = "AQVfakeLinkedInMemberToken0123456789abcdef"
MEMBER = "urn:li:person:K4r1N0rdm4nn"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
OLDEST_VERSION = "202512"  # versions before this are sunset
NEWEST_VERSION = "202611"
ALL_SCOPES = frozenset({"r_organization_social", "w_organization_social"})


def restli_error(status: int, code: str, message: str, service_code: int | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return json_response(body, status)


class FakeLinkedIn:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.posts: list[dict[str, Any]] = []  # the organization's posts, oldest first
        self.comments: list[dict[str, Any]] = []  # comments and replies, oldest first
        self.scopes = set(ALL_SCOPES)
        self.expired = False
        self.day_limit_reached = False
        self.fail_after_create = False  # store what is posted, then answer 500
        self._n = 0
        server.route("GET", "/rest/posts")(self._guarded(self._find_posts))
        server.route("POST", "/rest/posts")(self._guarded(self._create_post))
        server.route("GET", "/rest/socialActions/([^/]+)/comments")(self._guarded(self._comments))
        server.route("POST", "/rest/socialActions/([^/]+)/comments")(self._guarded(self._comment))

    @property
    def url(self) -> str:
        return self.server.url

    def _tick(self) -> tuple[int, int]:
        self._n += 1
        return self._n, int((START + timedelta(minutes=self._n)).timestamp() * 1000)

    # --- content --------------------------------------------------------------------------

    def post(self, commentary: str, **fields: Any) -> dict[str, Any]:
        n, when = self._tick()
        post = {
            "id": f"urn:li:share:70000000000000{n:05d}",
            "author": ORG,
            "commentary": commentary,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "lifecycleStateInfo": {"isEditedByAuthor": False},
            "isReshareDisabledByAuthor": False,
            "createdAt": when,
            "lastModifiedAt": when,
            "publishedAt": when,
            **fields,
        }
        self.posts.append(post)
        return post

    @staticmethod
    def activity(post_urn: str) -> str:
        return f"urn:li:activity:{post_urn.rsplit(':', 1)[-1]}"

    def comment(
        self, post_urn: str, text: str, *, parent: str | None = None, actor: str = MEMBER
    ) -> dict[str, Any]:
        n, when = self._tick()
        ident = f"71000000000000{n:05d}"
        on = self.activity(post_urn)
        comment: dict[str, Any] = {
            "actor": actor,
            "commentUrn": f"urn:li:comment:({on},{ident})",
            "created": {"actor": actor, "time": when},
            "lastModified": {"actor": actor, "time": when},
            "id": ident,
            "message": {"attributes": [], "text": text},
            "object": on,
            "likesSummary": {
                "likedByCurrentUser": False,
                "totalLikes": 2,
                "aggregatedTotalLikes": 2,
            },
            "commentsSummary": {"totalFirstLevelComments": 0, "aggregatedTotalComments": 0},
        }
        if parent is not None:
            comment["parentComment"] = parent
            for other in self.comments:
                if other["commentUrn"] == parent:
                    other["commentsSummary"]["totalFirstLevelComments"] += 1
                    other["commentsSummary"]["aggregatedTotalComments"] += 1
        self.comments.append(comment)
        return comment

    def sent(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["actor"] == ORG]

    # --- the protocol around every request ------------------------------------------------

    def _guarded(self, handler: Any) -> Any:
        def serve(request: Request) -> Response:
            return self._check(request) or handler(request)

        return serve

    def _check(self, request: Request) -> Response | None:
        if request.bearer != TOKEN:
            return restli_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
        if self.expired:
            return restli_error(
                401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65602
            )
        version = request.headers.get("linkedin-version")
        if not version:
            return restli_error(
                400,
                "VERSION_MISSING",
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
            )
        if not (OLDEST_VERSION <= version <= NEWEST_VERSION):
            return restli_error(
                426, "NONEXISTENT_VERSION", f"Requested version {version} is not active"
            )
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return restli_error(
                400, "ILLEGAL_ARGUMENT", "Rest.li protocol version 2.0.0 is required"
            )
        if self.day_limit_reached:
            return restli_error(
                429,
                "TOO_MANY_REQUESTS",
                "Resource level throttle APPLICATION DAY limit for calls to this resource is "
                "reached.",
                101,
            )
        return None

    def _needs(self, scope: str, resource: str) -> Response | None:
        if scope in self.scopes:
            return None
        return restli_error(
            403, "ACCESS_DENIED", f"Not enough permissions to access: {resource}.20260501", 100
        )

    def _paged(self, request: Request, found: list[dict[str, Any]], *, total: bool) -> Response:
        start = int(request.arg("start", "0") or 0)
        count = min(int(request.arg("count", "10") or 10), 100)
        page = found[start : start + count]
        links = []
        if start + count < len(found):
            query = {k: v[0] for k, v in request.query.items()}
            query.update(start=str(start + count), count=str(count))
            links.append(
                {
                    "type": "application/json",
                    "rel": "next",
                    "href": f"{quote(request.path)}?{urlencode(query)}",
                }
            )
        paging: dict[str, Any] = {"start": start, "count": count, "links": links}
        if total:
            paging["total"] = len(found)
        return json_response({"paging": paging, "elements": page})

    # --- endpoints ------------------------------------------------------------------------

    def _find_posts(self, request: Request) -> Response:
        if request.arg("q") != "author":
            return restli_error(400, "ILLEGAL_ARGUMENT", "Unsupported finder")
        refused = self._needs("r_organization_social", "partnerApiPostsExternal.FINDER-author")
        if refused:
            return refused
        if request.arg("author") != ORG:
            return restli_error(
                403,
                "ACCESS_DENIED",
                "Not enough permissions to access: partnerApiPostsExternal",
                100,
            )
        found = sorted(self.posts, key=lambda p: p["lastModifiedAt"], reverse=True)
        return self._paged(request, found, total=False)

    def _create_post(self, request: Request) -> Response:
        refused = self._needs("w_organization_social", "partnerApiPostsExternal.CREATE")
        if refused:
            return refused
        body = request.json()
        if body.get("author") != ORG:
            return restli_error(
                403, "ACCESS_DENIED", "Not enough permissions to post as the author", 100
            )
        if not body.get("commentary") or body.get("lifecycleState") != "PUBLISHED":
            return restli_error(422, "UNPROCESSABLE_ENTITY", "ERROR :: /commentary :: missing")
        if re.search(
            r"(?<!\\)[()\[\]<>|~_*]", re.sub(r"\{hashtag\|\\#\|[^}]*\}", "", body["commentary"])
        ):
            return restli_error(
                422, "UNPROCESSABLE_ENTITY", "ERROR :: /commentary :: unescaped reserved character"
            )
        post = self.post(body["commentary"])
        if self.fail_after_create:
            return restli_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
        return Response(201, b"", {"x-restli-id": post["id"]})

    def _target(self, request: Request) -> str:
        assert request.match is not None
        return unquote(request.match.group(1))

    def _comments(self, request: Request) -> Response:
        target = self._target(request)
        refused = self._needs("r_organization_social", "partnerApiSocialActions.GET_ALL")
        if refused:
            return refused
        if target.startswith("urn:li:comment:"):
            if target not in {c["commentUrn"] for c in self.comments}:
                return restli_error(404, "NOT_FOUND", "Not Found")
            found = [c for c in self.comments if c.get("parentComment") == target]
        else:
            if target not in {p["id"] for p in self.posts}:
                return restli_error(404, "NOT_FOUND", "Not Found")
            on = self.activity(target)
            found = [c for c in self.comments if c["object"] == on and "parentComment" not in c]
        return self._paged(request, found, total=True)  # oldest first: LinkedIn does not say

    def _comment(self, request: Request) -> Response:
        target = self._target(request)
        refused = self._needs("w_organization_social", "partnerApiSocialActions.CREATE")
        if refused:
            return refused
        body = request.json()
        text = (body.get("message") or {}).get("text")
        if body.get("actor") != ORG:
            return restli_error(
                403, "ACCESS_DENIED", "Not enough permissions to comment as the actor", 100
            )
        if not text:
            return restli_error(422, "UNPROCESSABLE_ENTITY", "ERROR :: /message/text :: missing")
        if target.startswith("urn:li:comment:"):
            parent = next((c for c in self.comments if c["commentUrn"] == target), None)
            if parent is None or body.get("parentComment") != target:
                return restli_error(400, "ILLEGAL_ARGUMENT", "parentComment must be the target")
            post = next(p["id"] for p in self.posts if self.activity(p["id"]) == parent["object"])
            made = self.comment(post, text, parent=target, actor=ORG)
        else:
            if target not in {p["id"] for p in self.posts}:
                return restli_error(404, "NOT_FOUND", "Not Found")
            made = self.comment(target, text, actor=ORG)
        if self.fail_after_create:
            return restli_error(500, "INTERNAL_SERVER_ERROR", "Internal Server Error")
        return json_response(made, 201, **{"x-restli-id": made["id"]})
