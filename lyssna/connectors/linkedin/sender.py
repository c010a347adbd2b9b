"""Comments and posts on LinkedIn as the organization, at most once.

A reply is a comment created with `POST /rest/socialActions/{urn}/comments`, `actor` the
organization: on the post, or, for an answer to a comment, on that comment with `parentComment`
(LinkedIn threads are two deep, so an answer to a reply goes under the comment it is in). A new
post is `POST /rest/posts` (text only, public, main feed), its URN in the `x-restli-id` header;
its text is escaped into LinkedIn's little text format, `#word` becoming a hashtag.

LinkedIn takes no idempotency key: the shared client never repeats a POST that may have reached
it, and `find_sent` reads the comments under the target for one by the organization with the
text (all of them: LinkedIn does not say in what order it lists them), or the organization's
posts back to a little before the first attempt.
"""

from __future__ import annotations

from typing import Any

import httpx

from lyssna.connectors.base import MalformedResponseError, Outgoing, Sent
from lyssna.connectors.http import parse_json
from lyssna.connectors.linkedin.api import LinkedInApi, encoded, little_text, plain_text
from lyssna.connectors.linkedin.config import LinkedInConfig
from lyssna.connectors.linkedin.mapping import FEED, comment_urn
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_tell,
    checked_text,
    floor,
    same_text,
    unreadable_answer,
)

MAX_COMMENT = 1250  # characters LinkedIn takes in a comment
MAX_POST = 3000  # ... and in a post's commentary


class LinkedInSender:
    def __init__(self, config: LinkedInConfig, api: LinkedInApi) -> None:
        self.config = config
        self.api = api

    async def send(self, message: Outgoing) -> Sent:
        if message.reply_to_id is None:
            return await self._publish(message)
        target, body = self._comment(message, checked_text(message.text, MAX_COMMENT, "LinkedIn"))
        response = await self.api.create(f"socialActions/{encoded(target)}/comments", body)
        return _sent_comment(response, body)

    async def _publish(self, message: Outgoing) -> Sent:
        body = {
            "author": self.config.organization,
            "commentary": little_text(checked_text(message.text, MAX_POST, "LinkedIn")),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        response = await self.api.create("posts", body)
        urn = response.headers.get("x-restli-id", "").strip()
        if not urn.startswith("urn:li:"):
            raise unreadable_answer(self.api.url("posts"))
        return Sent(urn, f"{FEED}{urn}/")

    def _comment(self, message: Outgoing, text: str) -> tuple[str, dict[str, Any]]:
        """Where an answer goes and what is sent: on the post, or under the top comment."""
        assert message.reply_to_id is not None
        raw = message.reply_to_raw or {}
        body: dict[str, Any] = {"actor": self.config.organization, "message": {"text": text}}
        comment = raw.get("comment") if raw.get("edge") == "comments" else None
        if not isinstance(comment, dict):  # a post
            body["object"] = message.reply_to_id
            return message.reply_to_id, body
        top = comment.get("parentComment") or comment_urn(comment) or message.reply_to_id
        body["object"] = comment.get("object") or raw.get("post")
        body["parentComment"] = top
        return str(top), body

    async def find_sent(self, message: Outgoing) -> Sent | None:
        if message.reply_to_id is None:
            return await self._find_post(message)
        target, _ = self._comment(message, message.text)
        start: int | None = 0
        for _ in range(MAX_PAGES):
            assert start is not None
            found, start, _url = await self.api.page(
                f"socialActions/{encoded(target)}/comments", {}, start, 100
            )
            for comment in found:
                text = (
                    comment.get("message", {}).get("text")
                    if isinstance(comment.get("message"), dict)
                    else None
                )
                if comment.get("actor") == self.config.organization and same_text(
                    text or "", message.text
                ):
                    return _found_comment(comment)
            if start is None:
                return None  # every comment there was read
        raise cannot_tell(f"LinkedIn ({self.config.organization})", floor(message))

    async def _find_post(self, message: Outgoing) -> Sent | None:
        since = floor(message)
        query = {"q": "author", "author": self.config.organization, "sortBy": "LAST_MODIFIED"}
        start: int | None = 0
        for _ in range(MAX_PAGES):
            assert start is not None
            posts, start, _url = await self.api.page("posts", query, start, 50)
            for post in posts:
                commentary = post.get("commentary")
                if isinstance(commentary, str) and same_text(plain_text(commentary), message.text):
                    urn = str(post.get("id"))
                    return Sent(urn, f"{FEED}{urn}/")
            # Newest change first: past the first attempt, nothing can be the message.
            changed = [p.get("lastModifiedAt") for p in posts]
            if since is not None and any(
                isinstance(t, int) and t < since.timestamp() * 1000 for t in changed
            ):
                return None
            if start is None:
                return None
        raise cannot_tell(f"LinkedIn ({self.config.organization})", since)


def _sent_comment(response: httpx.Response, sent: dict[str, Any]) -> Sent:
    """The new comment's URN: from the created comment LinkedIn answers with, else made from
    the `x-restli-id` header."""
    try:
        body = parse_json(response) if response.content else None
    except MalformedResponseError:
        body = None
    if isinstance(body, dict) and comment_urn(body):
        return _found_comment(body)
    ident = response.headers.get("x-restli-id", "").strip()
    if ident.startswith("urn:li:comment:"):
        return _found_comment({"commentUrn": ident, "object": sent.get("object")})
    if ident and sent.get("object"):
        return _found_comment({"object": sent["object"], "id": ident})
    raise unreadable_answer(str(response.request.url))


def _found_comment(comment: dict[str, Any]) -> Sent:
    urn = comment_urn(comment)
    assert urn is not None
    on = comment.get("object")
    url = f"{FEED}{on}/?commentUrn={encoded(urn)}" if isinstance(on, str) else None
    return Sent(urn, url)


def _text(comment: dict[str, Any]) -> str:
    message = comment.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return text if isinstance(text, str) else ""
