"""The YouTube Data API v3 as documented: search, commentThreads, keys, quota and its errors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

API_KEY = "AIzaSyD-fake-key-0123456789abcdefghij"
START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
COSTS = {"search": 100, "commentThreads": 1, "videos": 1}


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
        self._n = 0
        for name in ("search", "commentThreads", "videos"):
            server.route("GET", f"/youtube/v3/{name}")(self._endpoint(name))

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

    def _endpoint(self, name: str):
        def handler(request: Request) -> Response:
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
        items = [{"kind": "youtube#video", "etag": "e", "id": "vid00000001"}]
        return json_response({"kind": "youtube#videoListResponse", "etag": "e", "items": items})
