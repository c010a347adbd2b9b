"""The YouTube Data API v3 as documented: search, commentThreads, keys, quota and its errors;
replying as a channel: Google's OAuth token endpoint (refresh tokens), comments.insert,
commentThreads.insert, comments.list and channels.list?mine=true.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

API_KEY = "AIzaSyD-fake-key-0123456789abcdefghij"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
COSTS = {"search": 100, "commentThreads": 1, "videos": 1, "comments": 1, "channels": 1}
INSERT_COST = 50
CLIENT_ID = "123-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-secret"
REFRESH_TOKEN = "1//0fake-refresh-token"  # granted youtube.force-ssl
READONLY_REFRESH_TOKEN = "1//0fake-readonly-refresh"  # granted youtube.readonly only
CHANNEL = "UCelvara0000000000000000"  # the channel the refresh tokens act as
MAX_TEXT = 10_000


def google_error(status: int, reason: str, message: str, domain: str = "youtube") -> Response:
    return json_response(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
            }
        },
        status,
    )


def _stamp(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


class FakeYouTube:
    def __init__(self, server: FakeServer, *, quota: int = 10_000) -> None:
        self.server = server
        self.videos: list[dict[str, Any]] = []  # search results, oldest first
        self.threads: list[dict[str, Any]] = []  # comment threads, oldest first
        self.quota = quota
        self.used = 0
        self.comments_disabled: set[str] = set()
        self.retired = False
        self.replies: dict[str, list[dict[str, Any]]] = {}  # by top-level comment id
        self.access_tokens: dict[str, str] = {}  # token -> scope
        self._lost: list[Response] = []
        self._n = 0
        for name in ("search", "commentThreads", "videos", "comments", "channels"):
            server.route("GET", f"/youtube/v3/{name}")(self._endpoint(name))
        server.route("POST", "/youtube/v3/comments")(self._endpoint("comments", write=True))
        server.route("POST", "/youtube/v3/commentThreads")(
            self._endpoint("commentThreads", write=True)
        )
        server.route("POST", "/token")(self._token)

    @property
    def url(self) -> str:
        return self.server.url

    def _next(self) -> tuple[int, datetime]:
        self._n += 1
        return self._n, START + timedelta(minutes=self._n)

    def video(self, title: str, description: str = "", **snippet: Any) -> dict[str, Any]:
        n, when = self._next()
        result = {
            "kind": "youtube#searchResult",
            "etag": f"etag-v{n}",
            "id": {"kind": "youtube#video", "videoId": f"vid{n:08d}"},
            "snippet": {
                "publishedAt": _stamp(when),
                "channelId": "UCelvara0000000000000000",
                "title": title,
                "description": description,
                "thumbnails": {"default": {"url": "https://i.ytimg.com/vi/x/default.jpg"}},
                "channelTitle": "Elvåra Kanal",
                "liveBroadcastContent": "none",
                "publishTime": _stamp(when),
                **snippet,
            },
        }
        self.videos.append(result)
        return result

    def comment(self, text: str, video_id: str = "vid00000001", **snippet: Any) -> dict[str, Any]:
        n, when = self._next()
        ident = f"UgzComment{n:06d}"
        thread = {
            "kind": "youtube#commentThread",
            "etag": f"etag-c{n}",
            "id": ident,
            "snippet": {
                "channelId": "UCelvara0000000000000000",
                "videoId": video_id,
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "etag": f"etag-tc{n}",
                    "id": ident,
                    "snippet": {
                        "channelId": "UCelvara0000000000000000",
                        "videoId": video_id,
                        "textDisplay": text.replace("&", "&amp;"),
                        "textOriginal": text,
                        "authorDisplayName": "@kari",
                        "authorProfileImageUrl": "https://yt3.ggpht.com/x",
                        "authorChannelUrl": "http://www.youtube.com/@kari",
                        "authorChannelId": {"value": "UCkari"},
                        "canRate": True,
                        "viewerRating": "none",
                        "likeCount": 4,
                        "publishedAt": _stamp(when),
                        "updatedAt": _stamp(when),
                        **snippet,
                    },
                },
                "canReply": True,
                "totalReplyCount": 2,
                "isPublic": True,
            },
        }
        self.threads.append(thread)
        return thread

    def lose_next_answer(self, how: str = "hang up") -> None:
        """Store the next comment, then lose the answer: hang up, or answer too late."""
        self._lost.append(Response(hang_up=True) if how == "hang up" else Response(delay=1.5))

    def ours(self) -> list[dict[str, Any]]:
        """Comments our channel wrote: replies and top-level comments."""
        replies = [c for cs in self.replies.values() for c in cs]
        tops = [t["snippet"]["topLevelComment"] for t in self.threads]
        return [c for c in tops + replies if _author(c) == CHANNEL]

    def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return json_response(
                {"error": "invalid_client", "error_description": "Unauthorized"}, 401
            )
        scopes = {
            REFRESH_TOKEN: "https://www.googleapis.com/auth/youtube.force-ssl",
            READONLY_REFRESH_TOKEN: "https://www.googleapis.com/auth/youtube.readonly",
        }
        scope = scopes.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or scope is None:
            return json_response(
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
                400,
            )
        token = f"ya29.fake-{len(self.access_tokens) + 1}"
        self.access_tokens[token] = scope
        return json_response(
            {"access_token": token, "expires_in": 3599, "scope": scope, "token_type": "Bearer"}
        )

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def _oauth_problem(self, request: Request, write: bool) -> Response | None:
        scope = self.access_tokens.get(request.bearer or "")
        if scope is None:
            return google_error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "global",
            )
        if write and not scope.endswith("force-ssl"):
            return google_error(
                403,
                "insufficientPermissions",
                "Request had insufficient authentication scopes.",
                "global",
            )
        return None

    def _endpoint(self, name: str, write: bool = False):
        def handler(request: Request) -> Response:
            if request.bearer is not None or write or name == "channels":
                problem = self._oauth_problem(request, write)
                if problem:
                    return problem
                cost = INSERT_COST if write else COSTS[name]
                if self.used + cost > self.quota:
                    return google_error(403, "quotaExceeded", "You have exceeded your quota.")
                self.used += cost
                return getattr(self, f"_{name}{'_insert' if write else ''}")(request)
            key = request.arg("key")
            if not key:
                return google_error(
                    403,
                    "forbidden",
                    "Method doesn't allow unregistered callers (callers without established "
                    "identity). Please use API Key or other form of API consumer identity.",
                    "global",
                )
            if key != API_KEY:
                return google_error(
                    400, "keyInvalid", "API key not valid. Please pass a valid API key.", "global"
                )
            if self.retired:
                return google_error(410, "gone", "This API is no longer available.", "global")
            if self.used + COSTS[name] > self.quota:
                return google_error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your "
                    '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                )
            self.used += COSTS[name]
            return getattr(self, f"_{name}")(request)

        return handler

    def _paged(self, found: list[dict[str, Any]], request: Request, kind: str) -> Response:
        limit = int(request.arg("maxResults", "5") or 5)
        token = request.arg("pageToken")
        try:
            start = int(base64.urlsafe_b64decode(token).decode()) if token else 0
        except ValueError:
            return google_error(
                400, "invalidPageToken", "The request specifies an invalid page token."
            )
        page = found[start : start + limit]
        body: dict[str, Any] = {
            "kind": kind,
            "etag": "etag-page",
            "pageInfo": {"totalResults": len(found), "resultsPerPage": limit},
            "items": page,
        }
        if start + limit < len(found):
            body["nextPageToken"] = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        return json_response(body)

    def _search(self, request: Request) -> Response:
        words = (request.arg("q") or "").lower()
        after = request.arg("publishedAfter")
        found = [
            v
            for v in reversed(self.videos)
            if words in f"{v['snippet']['title']} {v['snippet']['description']}".lower()
            and (after is None or v["snippet"]["publishedAt"] >= after)
        ]
        response = self._paged(found, request, "youtube#searchListResponse")
        if isinstance(response.body, dict):
            response.body["regionCode"] = "NO"
        return response

    def _commentThreads(self, request: Request) -> Response:  # noqa: N802 (the API's name)
        video = request.arg("videoId")
        channel = request.arg("allThreadsRelatedToChannelId")
        terms = (request.arg("searchTerms") or "").lower()
        if video is not None and video in self.comments_disabled:
            return google_error(
                403,
                "commentsDisabled",
                'The video identified by the <code><a href="/youtube/v3/docs/commentThreads/'
                'list#videoId">videoId</a></code> parameter has disabled comments.',
            )
        if video is not None and not video.startswith("vid"):
            return google_error(
                404,
                "videoNotFound",
                "The video identified by the <code>videoId</code> parameter could not be found.",
            )

        def wanted(thread: dict[str, Any]) -> bool:
            snippet = thread["snippet"]
            text = snippet["topLevelComment"]["snippet"]["textOriginal"].lower()
            return (
                (video is None or snippet["videoId"] == video)
                and (channel is None or snippet["channelId"] == channel)
                and terms in text
            )

        found = [t for t in reversed(self.threads) if wanted(t)]
        return self._paged(found, request, "youtube#commentThreadListResponse")

    def _videos(self, request: Request) -> Response:
        wanted = request.arg("id")
        if wanted is None:
            items = [{"kind": "youtube#video", "etag": "e", "id": "vid00000001"}]
        else:
            items = [
                {
                    "kind": "youtube#video",
                    "etag": "e",
                    "id": v["id"]["videoId"],
                    "snippet": v["snippet"],
                }
                for v in self.videos
                if v["id"]["videoId"] == wanted
            ]
        return json_response({"kind": "youtube#videoListResponse", "etag": "e", "items": items})

    def _channels(self, request: Request) -> Response:
        if request.arg("mine") != "true":
            return google_error(400, "missingRequiredParameter", "No filter selected.")
        items = [{"kind": "youtube#channel", "etag": "e", "id": CHANNEL}]
        return json_response({"kind": "youtube#channelListResponse", "etag": "e", "items": items})

    def _comments(self, request: Request) -> Response:
        parent = request.arg("parentId") or ""
        found = self.replies.get(parent, [])
        return self._paged(found, request, "youtube#commentListResponse")

    def _new_comment(self, text: str, video_id: str, parent: str | None = None) -> dict[str, Any]:
        n, when = self._next()
        ident = f"{parent}.Ours{n:04d}" if parent else f"UgzOurs{n:06d}"
        snippet: dict[str, Any] = {
            "channelId": CHANNEL,
            "videoId": video_id,
            "textDisplay": text.replace("&", "&amp;"),
            "textOriginal": text,
            "authorDisplayName": "@elvara",
            "authorChannelId": {"value": CHANNEL},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": _stamp(datetime.now(UTC)),
            "updatedAt": _stamp(datetime.now(UTC)),
        }
        if parent:
            snippet["parentId"] = parent
        return {"kind": "youtube#comment", "etag": f"etag-o{n}", "id": ident, "snippet": snippet}

    def _text_problem(self, text: Any) -> Response | None:
        if not isinstance(text, str) or not text.strip():
            return google_error(
                400,
                "commentTextRequired",
                "The comment resource that is being inserted must specify a value for the "
                "snippet.textOriginal property. Comments cannot be empty.",
            )
        if len(text) > MAX_TEXT:
            return google_error(
                400,
                "commentTextTooLong",
                "The comment resource that is being inserted contains too many characters in "
                "the snippet.textOriginal property.",
            )
        return None

    def _answer(self, body: dict[str, Any]) -> Response:
        return self._lost.pop(0) if self._lost else json_response(body)

    def _comments_insert(self, request: Request) -> Response:
        snippet = (request.json() or {}).get("snippet") or {}
        parent = snippet.get("parentId")
        thread = next((t for t in self.threads if t["id"] == parent), None)
        if not parent:
            return google_error(400, "parentIdMissing", "The comment must be linked to a parent.")
        if thread is None:
            return google_error(404, "commentNotFound", "The specified comment could not be found.")
        problem = self._text_problem(snippet.get("textOriginal"))
        if problem:
            return problem
        video = thread["snippet"]["videoId"]
        comment = self._new_comment(snippet["textOriginal"], video, parent)
        self.replies.setdefault(parent, []).append(comment)
        thread["snippet"]["totalReplyCount"] += 1
        return self._answer(comment)

    def _commentThreads_insert(self, request: Request) -> Response:  # noqa: N802 (the API's name)
        snippet = (request.json() or {}).get("snippet") or {}
        video = snippet.get("videoId")
        if video in self.comments_disabled:
            return google_error(
                403, "commentsDisabled", "The video has disabled comments.", "youtube.commentThread"
            )
        if not any(v["id"]["videoId"] == video for v in self.videos):
            return google_error(404, "videoNotFound", "The specified video could not be found.")
        text = ((snippet.get("topLevelComment") or {}).get("snippet") or {}).get("textOriginal")
        problem = self._text_problem(text)
        if problem:
            return problem
        top = self._new_comment(str(text), str(video))
        thread = {
            "kind": "youtube#commentThread",
            "etag": "etag-ot",
            "id": top["id"],
            "snippet": {
                "channelId": snippet.get("channelId"),
                "videoId": video,
                "topLevelComment": top,
                "canReply": True,
                "totalReplyCount": 0,
                "isPublic": True,
            },
        }
        self.threads.append(thread)
        return self._answer(thread)


def _author(comment: dict[str, Any]) -> str | None:
    return (comment["snippet"].get("authorChannelId") or {}).get("value")
