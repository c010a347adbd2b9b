"""Replies to YouTube comments and videos, at most once, as the channel.

Writing needs the channel's OAuth authorisation, not the API key: an access token from Google's
token endpoint, got with the project's OAuth client and the refresh token the channel's owner
granted (scope `youtube.force-ssl`). A reply to a comment is `comments.insert` (`parentId`: the
thread's top-level comment, the mention's id); an answer to a video is a new top-level comment,
`commentThreads.insert`. Each costs 50 quota units. YouTube takes no idempotency key, so a
request that may have got through is not sent again (the shared client's rule); `find_sent`
reads the thread's replies (`comments.list`), or the video's newest comment threads, for the
channel's comment with the text. Publishing (uploading videos) is out of scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lyssna.connectors.base import (
    AuthError,
    MalformedResponseError,
    Outgoing,
    RequestRejectedError,
    Sent,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import (
    Hints,
    HttpClient,
    parse_json,
    platform_message,
    with_hint,
    with_token,
)
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_publish,
    cannot_tell,
    floor,
    not_configured,
    parse_time,
    same_text,
    unreadable_answer,
)
from lyssna.connectors.text import html_to_text
from lyssna.connectors.youtube.api import REFUSALS, refusal
from lyssna.connectors.youtube.config import YouTubeConfig
from lyssna.connectors.youtube.mapping import THREAD, VIDEO, WATCH
from lyssna.core.clock import utcnow

COMMENTS = "/youtube/v3/comments"
THREADS = "/youtube/v3/commentThreads"
CHANNELS = "/youtube/v3/channels"
VIDEOS = "/youtube/v3/videos"
TOKEN_PATH = "/token"
_VIDEO_ID_LENGTH = 11

# Access tokens by (token server, refresh token): they last an hour.
_tokens: dict[tuple[str, str], tuple[str, datetime]] = {}


@dataclass(frozen=True, slots=True)
class Target:
    """What a reply answers: a comment thread (`comment_id` set) or a video."""

    video_id: str | None
    comment_id: str | None = None
    channel_id: str | None = None  # the video's channel (commentThreads.insert wants it)
    published: datetime | None = None


class YouTubeSender:
    def __init__(self, config: YouTubeConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._channel: str | None = None
        self.hints: Hints = {
            AuthError: (
                f"Check the OAuth client in {redact(config.oauth_client_id)} and "
                f"{redact(config.oauth_client_secret)} and the refresh token in "
                f"{redact(config.refresh_token)}: the channel's owner must have granted the "
                "youtube.force-ssl scope (see docs/connectors.md, YouTube)"
            )
        }

    async def describe(self) -> str:
        """What this source can send, for `check()`."""
        if self.config.refresh_token is None:
            return "OAuth authorisation: none (cannot reply)"
        return f"OAuth authorisation: accepted, replies as channel {await self.channel()}"

    async def send(self, message: Outgoing) -> Sent:
        self._require()
        if message.reply_to_id is None:
            raise cannot_publish("youtube", "uploading videos is not supported; reply instead")
        target = await self._target(message)
        if target.comment_id is not None:
            body = {"snippet": {"parentId": target.comment_id, "textOriginal": message.text}}
            made = await self._write(COMMENTS, body)
            comment_id = made.get("id")
        else:
            top = {"snippet": {"textOriginal": message.text}}
            snippet = {"channelId": target.channel_id, "videoId": target.video_id}
            made = await self._write(THREADS, {"snippet": {**snippet, "topLevelComment": top}})
            comment_id = _object(_object(made.get("snippet")).get("topLevelComment")).get("id")
            comment_id = comment_id or made.get("id")
        if not isinstance(comment_id, str) or not comment_id:
            raise unreadable_answer(f"{self.config.service}{COMMENTS}")
        return _sent(comment_id, target.video_id)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        self._require()
        if message.reply_to_id is None:
            return None  # nothing is ever published
        target = await self._target(message)
        me = await self.channel()
        since = floor(message, target.published)
        if target.comment_id is not None:
            params: dict[str, Any] = {"parentId": target.comment_id}
            path, newest_first = COMMENTS, False
        else:
            params = {"videoId": target.video_id, "order": "time"}
            path, newest_first = THREADS, True
        params.update({"part": "snippet", "maxResults": 100, "textFormat": "plainText"})
        for _ in range(MAX_PAGES):
            body = await self._call("GET", path, params=params)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise MalformedResponseError(f"{self.config.service}{path} sent no items")
            comments = [_comment(i) for i in items if isinstance(i, dict)]
            for comment in comments:
                if _written_by(comment, me, message.text):
                    return _sent(str(comment["id"]), target.video_id)
            times = [parse_time(_object(c.get("snippet")).get("publishedAt")) for c in comments]
            if newest_first and since and any(t is not None and t < since for t in times):
                return None  # read back past the floor
            token = body.get("nextPageToken")
            if not isinstance(token, str) or not token:
                return None  # every reply, or the video's first comment
            params["pageToken"] = token
        raise cannot_tell(f"{self.config.service}{path}", since)

    async def channel(self) -> str:
        """The id of the channel the authorisation acts as."""
        if self._channel is None:
            body = await self._call("GET", CHANNELS, params={"part": "id", "mine": "true"})
            items = body.get("items") if isinstance(body, dict) else None
            first = items[0] if isinstance(items, list) and items else None
            if not isinstance(first, dict) or not isinstance(first.get("id"), str):
                raise RequestRejectedError(
                    f"{self.config.service}{CHANNELS}: the authorised Google account has no "
                    "YouTube channel to reply as"
                )
            self._channel = first["id"]
        return self._channel

    def _require(self) -> None:
        if self.config.refresh_token is None:
            raise not_configured(
                "youtube",
                "OAuth authorisation",
                "create an OAuth client and a refresh token for the channel, and add "
                "oauth_client_id, oauth_client_secret and refresh_token",
            )

    async def _target(self, message: Outgoing) -> Target:
        raw = message.reply_to_raw or {}
        wanted = str(message.reply_to_id)
        if raw.get("kind") == THREAD:
            snippet = _object(raw.get("snippet"))
            top = _object(snippet.get("topLevelComment"))
            inner = _object(top.get("snippet"))
            return Target(
                video_id=inner.get("videoId") or snippet.get("videoId"),
                comment_id=top.get("id") or raw.get("id") or wanted,
                published=parse_time(inner.get("publishedAt")),
            )
        if raw.get("kind") == VIDEO:
            snippet = _object(raw.get("snippet"))
            return Target(
                video_id=_object(raw.get("id")).get("videoId") or wanted,
                channel_id=snippet.get("channelId"),
                published=parse_time(snippet.get("publishedAt")),
            )
        if len(wanted) != _VIDEO_ID_LENGTH:
            return Target(video_id=None, comment_id=wanted)
        body = await self._call("GET", VIDEOS, params={"part": "snippet", "id": wanted})
        items = body.get("items") if isinstance(body, dict) else None
        video = items[0] if isinstance(items, list) and items else None
        if not isinstance(video, dict):
            raise RequestRejectedError(f"YouTube has no video {wanted} to answer")
        snippet = _object(video.get("snippet"))
        return Target(
            video_id=wanted,
            channel_id=snippet.get("channelId"),
            published=parse_time(snippet.get("publishedAt")),
        )

    async def _write(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            made = await self._call("POST", path, params={"part": "snippet"}, body=body)
        except MalformedResponseError as exc:
            raise unreadable_answer(f"{self.config.service}{path}") from exc
        if not isinstance(made, dict):
            raise unreadable_answer(f"{self.config.service}{path}")
        return made

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any],
        body: dict[str, Any] | None = None,
    ) -> Any:
        """A request as the channel; an access token that was refused (401) is renewed once."""

        async def call(bearer: str) -> Any:
            response = await self.http.request(
                method,
                f"{self.config.service}{path}",
                params=params,
                json=body,
                headers={"Authorization": f"Bearer {bearer}"},
                ok_statuses=REFUSALS,
                hints=self.hints,
            )
            if response.status_code != 200:
                raise refusal(response, self.hints, credential="channel's authorisation")
            return parse_json(response)

        return await with_token(self._token, call)

    async def _token(self, renew: bool) -> str:
        assert self.config.refresh_token is not None
        assert self.config.oauth_client_id and self.config.oauth_client_secret
        refresh = resolve_secret(self.config.refresh_token, "refresh token")
        key = (self.config.token_service, refresh)
        cached = _tokens.get(key)
        if cached and not renew and cached[1] > utcnow():
            return cached[0]
        url = f"{self.config.token_service}{TOKEN_PATH}"
        response = await self.http.request(
            "POST",
            url,
            form={
                "grant_type": "refresh_token",
                "refresh_token": refresh,
                "client_id": resolve_secret(self.config.oauth_client_id, "OAuth client id"),
                "client_secret": resolve_secret(
                    self.config.oauth_client_secret, "OAuth client secret"
                ),
            },
            ok_statuses=frozenset({200, 400, 401}),
            hints=self.hints,
            idempotent=True,  # a token request creates nothing
        )
        body = parse_json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(token, str):
            said = platform_message(response)
            raise with_hint(
                AuthError(
                    f"{url} refused the OAuth client or refresh token ({response.status_code}"
                    f"{f': {said}' if said else ''})"
                ),
                self.hints,
            )
        lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 3600
        _tokens[key] = (token, utcnow() + timedelta(seconds=max(60, lifetime - 60)))
        return token


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _comment(item: dict[str, Any]) -> dict[str, Any]:
    """A comment, from a comment or from a thread (its top-level comment)."""
    top = _object(item.get("snippet")).get("topLevelComment")
    return top if isinstance(top, dict) else item


def _written_by(comment: dict[str, Any], channel: str, text: str) -> bool:
    snippet = _object(comment.get("snippet"))
    author = _object(snippet.get("authorChannelId")).get("value")
    original = snippet.get("textOriginal")
    written = original if isinstance(original, str) else html_to_text(snippet.get("textDisplay"))
    return author == channel and same_text(written, text)


def _sent(comment_id: str, video_id: str | None) -> Sent:
    url = f"{WATCH.format(video_id)}&lc={comment_id}" if video_id else None
    return Sent(comment_id, url)
