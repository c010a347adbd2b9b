"""Replies and new posts on Mastodon, at most once.

`POST /api/v1/statuses` with the message's key as `Idempotency-Key`: Mastodon keeps the key for an
hour and answers a repeat with the status it already made, so the shared client may retry it.
A reply needs the answered status's id on *this* server: a mention's id is the status's global
URI, its stored payload carries the id on the server it was read from, which is checked; a
status from elsewhere is looked up with `GET /api/v2/search?resolve=true`. The reply mentions
the author (as Mastodon's own apps do), or they are never told, and is no more public than the
status it answers.

`find_sent` reads the answered status's replies (`/api/v1/statuses/:id/context`) for a reply,
and the account's own statuses back to a little before the first attempt for a new post.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from lyssna.connectors.base import (
    AuthError,
    MalformedResponseError,
    Outgoing,
    RequestRejectedError,
    Sent,
    SourceNotFoundError,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import Hints, HttpClient, parse_json, parse_link_header, query_param
from lyssna.connectors.mastodon.config import MastodonConfig
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_tell,
    floor,
    not_configured,
    parse_time,
    same_text,
    unreadable_answer,
)
from lyssna.connectors.text import html_to_text

_NARROW = ("private", "direct")  # a reply to these stays as narrow
# A mention as written (@name, @name@server); Mastodon shows remote ones as @name only.
_MENTION = re.compile(r"(?<!\S)@[\w.-]+(?:@[\w.-]+)?")


class MastodonSender:
    def __init__(self, config: MastodonConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._me: dict[str, Any] | None = None
        name = redact(config.write_token) if config.write_token else "the write token"
        self.hints: Hints = {
            AuthError: (
                f"Check the write token in {name}: it needs the scopes write:statuses and read "
                "(see docs/connectors.md, Mastodon)"
            ),
        }

    def headers(self) -> dict[str, str]:
        if self.config.write_token is None:
            raise not_configured(
                "mastodon",
                "write token",
                "create an access token with the scopes write:statuses and read on "
                f"{self.config.instance} and add it as write_token",
            )
        return {"Authorization": f"Bearer {resolve_secret(self.config.write_token, 'write token')}"}

    async def me(self) -> dict[str, Any]:
        """The account the write token posts as."""
        if self._me is None:
            body, _ = await self.http.get_json(
                f"{self.config.instance}/api/v1/accounts/verify_credentials",
                headers=self.headers(),
                hints=self.hints,
            )
            if not isinstance(body, dict) or not body.get("id"):
                raise MalformedResponseError(
                    f"{self.config.instance} did not say which account the write token is for"
                )
            self._me = body
        return self._me

    async def send(self, message: Outgoing) -> Sent:
        headers = self.headers()
        form = {"status": message.text}
        if message.reply_to_id is not None:
            target = await self._target(message)
            form["status"] = _addressed(message.text, target, await self.me())
            form["in_reply_to_id"] = str(target["id"])
            if target.get("visibility") in _NARROW:
                form["visibility"] = str(target["visibility"])
        url = f"{self.config.instance}/api/v1/statuses"
        response = await self.http.request(
            "POST",
            url,
            form=form,
            headers={**headers, "Idempotency-Key": message.key},
            hints=self.hints,
            idempotent=True,  # Mastodon answers a repeated key with the status it made
        )
        return _sent(_status(response, url))

    async def find_sent(self, message: Outgoing) -> Sent | None:
        me = await self.me()
        if message.reply_to_id is not None:
            target = await self._target(message)
            text = _addressed(message.text, target, me)
            body, _ = await self.http.get_json(
                f"{self.config.instance}/api/v1/statuses/{quote(str(target['id']), safe='')}"
                "/context",
                headers=self.headers(),
                hints=self.hints,
            )
            replies = body.get("descendants") if isinstance(body, dict) else None
            for status in replies if isinstance(replies, list) else []:
                if _is(status, me, str(target["id"]), text):
                    return _sent(status)
            return None
        return await self._find_post(message, me)

    async def _find_post(self, message: Outgoing, me: dict[str, Any]) -> Sent | None:
        """A new post among the account's own statuses, newest first, back to the floor."""
        since = floor(message)
        url = f"{self.config.instance}/api/v1/accounts/{quote(str(me['id']), safe='')}/statuses"
        params: dict[str, Any] = {"limit": 40, "exclude_replies": "true", "exclude_reblogs": "true"}
        for _ in range(MAX_PAGES):
            body, response = await self.http.get_json(
                url, params=params, headers=self.headers(), hints=self.hints
            )
            statuses = [s for s in body if isinstance(s, dict)] if isinstance(body, list) else []
            for status in statuses:
                if _is(status, me, None, message.text):
                    return _sent(status)
            times = [parse_time(s.get("created_at")) for s in statuses]
            if since is not None and any(t is not None and t < since for t in times):
                return None  # read back past the first attempt
            next_url = parse_link_header(response.headers.get("Link")).get("next")
            below = query_param(next_url, "max_id")
            if len(statuses) < params["limit"] or not below:
                return None  # the account's first status
            params["max_id"] = below
        raise cannot_tell(self.config.instance, since)

    async def _target(self, message: Outgoing) -> dict[str, Any]:
        """The answered status as this server knows it (its `id` is this server's)."""
        wanted = message.reply_to_id
        raw = message.reply_to_raw or {}
        status = raw["reblog"] if isinstance(raw.get("reblog"), dict) else raw
        local = status.get("id")
        if isinstance(local, str | int) and str(local):
            try:
                body, _ = await self.http.get_json(
                    f"{self.config.instance}/api/v1/statuses/{quote(str(local), safe='')}",
                    headers=self.headers(),
                    hints=self.hints,
                )
            except SourceNotFoundError:
                body = None  # read through another server, or deleted: look it up by URI
            if isinstance(body, dict) and wanted in (body.get("uri"), str(body.get("id"))):
                return body
        if wanted and wanted.startswith(("https://", "http://")):
            body, _ = await self.http.get_json(
                f"{self.config.instance}/api/v2/search",
                params={"q": wanted, "type": "statuses", "resolve": "true", "limit": 5},
                headers=self.headers(),
                hints=self.hints,
            )
            found = body.get("statuses") if isinstance(body, dict) else None
            for candidate in found if isinstance(found, list) else []:
                if isinstance(candidate, dict) and wanted in (
                    candidate.get("uri"),
                    candidate.get("url"),
                ):
                    return candidate
        raise RequestRejectedError(
            f"{self.config.instance} cannot find the post to answer ({wanted}): it may have "
            "been deleted or made private"
        )


def _addressed(text: str, target: dict[str, Any], me: dict[str, Any]) -> str:
    """The reply's text, starting with the author's handle unless it names them already."""
    account = _object(target.get("account"))
    acct = account.get("acct") if isinstance(account.get("acct"), str) else None
    if not acct or str(account.get("id")) == str(me.get("id")):
        return text
    if f"@{acct}".lower() in text.lower():
        return text
    return f"@{acct} {text}"


def _is(status: Any, me: dict[str, Any], reply_to: str | None, text: str) -> bool:
    if not isinstance(status, dict):
        return False
    account = _object(status.get("account"))
    in_reply_to = status.get("in_reply_to_id")
    return (
        str(account.get("id")) == str(me.get("id"))
        and (str(in_reply_to) if in_reply_to is not None else None) == reply_to
        and same_text(
            _MENTION.sub("", html_to_text(status.get("content") or "")), _MENTION.sub("", text)
        )
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _status(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        body = parse_json(response)
    except MalformedResponseError as exc:
        raise unreadable_answer(url) from exc
    if not isinstance(body, dict) or not body.get("id"):
        raise unreadable_answer(url)
    return body


def _sent(status: dict[str, Any]) -> Sent:
    # The URI, as the mapping uses it: when the reply is collected later, it is the same item.
    identifier = status.get("uri") or status.get("id")
    return Sent(str(identifier), status.get("url") or status.get("uri"))
