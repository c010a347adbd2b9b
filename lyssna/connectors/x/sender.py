"""Replies and new posts on X, at most once, as the account (OAuth 1.0a user context).

`POST /2/tweets` with `reply.in_reply_to_tweet_id` for a reply. Every request is signed with the
app's API key and secret and the account's access token and secret (`oauth1.py`); the app's
bearer token only reads. X takes no idempotency key, so a request that may have got through is
not sent again (the shared client's rule); `find_sent` reads the account's own posts
(`GET /2/users/:id/tweets`) newer than the post answered (`since_id`) or than a little before the
first attempt (`start_time`), so the listing ends where the message could not be.

X gives text back with `&`, `<` and `>` escaped, links shortened to t.co and, on a reply, the
handles it answers in front; the comparison allows for all three.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    Outgoing,
    RequestRejectedError,
    Sent,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import Hints, HttpClient, parse_json, platform_message, with_hint
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_tell,
    floor,
    not_configured,
    same_text,
    unreadable_answer,
)
from lyssna.connectors.x.config import XConfig
from lyssna.connectors.x.oauth1 import OAuth1

TWEETS = "/2/tweets"
ME = "/2/users/me"
_LINK = re.compile(r"https?://\S+")
_LEADING_HANDLES = re.compile(r"^(?:@\w+\s+)+")
# Problem types of a 403 that mean the credentials, not the post.
_CREDENTIAL_PROBLEMS = frozenset(
    {"oauth1-permissions", "unsupported-authentication", "client-forbidden"}
)


class XSender:
    def __init__(self, config: XConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._me: str | None = None
        self.hints: Hints = {
            AuthError: (
                f"Check the API key and secret in {redact(config.api_key)} and "
                f"{redact(config.api_key_secret)} and the access token and secret in "
                f"{redact(config.access_token)} and {redact(config.access_token_secret)}; a 403 "
                "can also mean the app's permissions are read-only (set Read and write, then "
                "generate the access token again)"
            )
        }

    async def describe(self) -> str:
        if self.config.access_token is None:
            return "access token: none (cannot reply or post)"
        return f"access token: accepted, posts as user {await self.me()}"

    async def send(self, message: Outgoing) -> Sent:
        body: dict[str, Any] = {"text": message.text}
        if message.reply_to_id is not None:
            body["reply"] = {"in_reply_to_tweet_id": message.reply_to_id}
        url = f"{self.config.service}{TWEETS}"
        response = await self.http.request(
            "POST",
            url,
            json=body,
            auth=self._auth(),
            ok_statuses=frozenset({200, 201, 403}),
            hints=self.hints,
        )
        if response.status_code == 403:
            raise self._forbidden(response, url)
        try:
            data = parse_json(response).get("data")
        except (MalformedResponseError, AttributeError) as exc:
            raise unreadable_answer(url) from exc
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise unreadable_answer(url)
        return _sent(data["id"])

    async def find_sent(self, message: Outgoing) -> Sent | None:
        url = f"{self.config.service}/2/users/{await self.me()}/tweets"
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": "created_at,referenced_tweets",
            "exclude": "retweets",
        }
        since = floor(message)
        if message.reply_to_id is not None:
            params["since_id"] = message.reply_to_id  # a reply is newer than what it answers
        elif since is not None:
            params["start_time"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        for _ in range(MAX_PAGES):
            body = await self._get(url, params)
            posts = body.get("data") or []
            if not isinstance(posts, list):
                raise MalformedResponseError(f"{url} sent posts that are not a list")
            for post in posts:
                if isinstance(post, dict) and _is(post, message):
                    return _sent(str(post["id"]))
            meta = body.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not isinstance(token, str) or not token:
                return None  # every post in the window was read
            params["pagination_token"] = token
        raise cannot_tell(url, since)

    def _forbidden(self, response: httpx.Response, url: str) -> ConnectorError:
        """A 403 to a post: the credentials (AuthError), or the post itself (a duplicate, a reply
        X does not allow: RequestRejectedError), as X's problem type says."""
        said = platform_message(response)
        try:
            kind = str(parse_json(response).get("type") or "")
        except (MalformedResponseError, AttributeError):
            kind = ""
        if kind.rsplit("/", 1)[-1] in _CREDENTIAL_PROBLEMS:
            return with_hint(AuthError(f"{url} refused the credentials (403): {said}"), self.hints)
        return RequestRejectedError(f"{url} refused the post (403): {said}")

    async def me(self) -> str:
        """The id of the account the access token acts for."""
        if self._me is None:
            body = await self._get(f"{self.config.service}{ME}", {})
            data = body.get("data")
            if not isinstance(data, dict) or not isinstance(data.get("id"), str):
                raise MalformedResponseError(f"{self.config.service}{ME} did not name the user")
            self._me = data["id"]
        return self._me

    async def _get(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.request(
            "GET", url, params=params, auth=self._auth(), hints=self.hints
        )
        body = parse_json(response)
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{url} did not answer with an object")
        return body

    def _auth(self) -> httpx.Auth:
        c = self.config
        if not (c.api_key and c.api_key_secret and c.access_token and c.access_token_secret):
            raise not_configured(
                "x",
                "access token",
                "generate the account's access token and secret (read and write) in the app's "
                "Keys and tokens, and add api_key, api_key_secret, access_token and "
                "access_token_secret",
            )
        return OAuth1(
            resolve_secret(c.api_key, "API key"),
            resolve_secret(c.api_key_secret, "API key secret"),
            resolve_secret(c.access_token, "access token"),
            resolve_secret(c.access_token_secret, "access token secret"),
        )


def _comparable(text: str) -> str:
    """Text as X would give it back, for comparison: unescaped, links and leading handles out."""
    return _LINK.sub("<link>", _LEADING_HANDLES.sub("", unescape(text).strip()))


def _is(post: dict[str, Any], message: Outgoing) -> bool:
    replied = {
        r.get("id")
        for r in post.get("referenced_tweets") or []
        if isinstance(r, dict) and r.get("type") == "replied_to"
    }
    if replied != ({message.reply_to_id} if message.reply_to_id else set()):
        return False  # answers another post, or is not the new post wanted
    text = post.get("text")
    return isinstance(text, str) and same_text(_comparable(text), _comparable(message.text))


def _sent(post_id: str) -> Sent:
    return Sent(post_id, f"https://x.com/i/web/status/{post_id}")
