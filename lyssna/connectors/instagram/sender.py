"""Replies on Instagram, at most once.

An answer to a comment is `POST /{comment}/replies` with `message`; Instagram threads are two deep
(a reply to a reply joins the top-level comment), so an answer to a reply goes to the comment it
is under. An answer to one of the account's own posts is `POST /{media}/comments`. Instagram's
API cannot comment on posts found by hashtag or on others' posts that tag the account, and cannot
publish text (a post needs a photo or video): those raise SendingNotSupportedError.

Graph takes no idempotency key: the shared client never repeats a POST that may have reached
Meta, and `find_sent` reads the answers under the target for one by the account with the text.
"""

from __future__ import annotations

from typing import Any

from lyssna.connectors.base import (
    MalformedResponseError,
    Outgoing,
    SendingNotSupportedError,
    Sent,
)
from lyssna.connectors.facebook.graph import GraphClient, as_object, graph_time
from lyssna.connectors.facebook.sender import answered_at
from lyssna.connectors.instagram.config import InstagramConfig
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_publish,
    cannot_tell,
    checked_text,
    floor,
    same_text,
)

MAX_COMMENT = 2200  # characters Instagram takes in a comment
NO_PUBLISHING = (
    "an Instagram post needs a photo or a video, and Lyssna's messages are text; publish it "
    "in Instagram or Meta Business Suite"
)
_UNANSWERABLE = {
    "hashtag": "Instagram's API does not allow comments on posts found by hashtag",
    "tags": (
        "Instagram's API does not allow comments on others' posts that tag the account; "
        "answer in the Instagram app"
    ),
}


class InstagramSender:
    def __init__(self, config: InstagramConfig, graph: GraphClient) -> None:
        self.config = config
        self.graph = graph
        self._username: str | None = None

    async def username(self) -> str:
        """The account's @name: its answers carry it."""
        if self._username is None:
            body, url = await self.graph.get(self.config.account, {"fields": "username"})
            name = as_object(body).get("username")
            if not isinstance(name, str) or not name:
                raise MalformedResponseError(f"{url} did not say the account's username")
            self._username = name
        return self._username

    async def send(self, message: Outgoing) -> Sent:
        path = target(message)
        text = checked_text(message.text, MAX_COMMENT, "Instagram")
        body = await self.graph.create(path, {"message": text})
        return Sent(str(body["id"]), _link(message))

    async def find_sent(self, message: Outgoing) -> Sent | None:
        path = target(message)
        me = await self.username()
        since = floor(message, answered_at(message))
        params: dict[str, Any] = {"fields": "id,text,username,timestamp", "limit": 50}
        below: str | None = None
        for _ in range(MAX_PAGES):
            found, below, _url = await self.graph.page(path, params, below)
            for answer in found:
                if answer.get("username") == me and same_text(
                    answer.get("text") or "", message.text
                ):
                    return Sent(str(answer["id"]), _link(message))
            times = [graph_time(a.get("timestamp")) for a in found]
            if since is not None and any(t is not None and t < since for t in times):
                return None  # read back past the first attempt
            if below is None:
                return None  # read every answer there is
        raise cannot_tell(f"the Instagram account {self.config.account}", since)


def target(message: Outgoing) -> str:
    """The Graph edge an answer is posted to (and found under again)."""
    if message.reply_to_id is None:
        raise cannot_publish("instagram", NO_PUBLISHING)
    raw = message.reply_to_raw or {}
    edge = raw.get("edge")
    if edge in _UNANSWERABLE:
        raise SendingNotSupportedError(_UNANSWERABLE[edge])
    if edge == "media":  # one of the account's own posts
        return f"{message.reply_to_id}/comments"
    parent = as_object(raw.get("comment")).get("parent_id")
    return f"{parent or message.reply_to_id}/replies"


def _link(message: Outgoing) -> str | None:
    """The post the answer is on (Instagram gives comments no link of their own)."""
    link = as_object((message.reply_to_raw or {}).get("media")).get("permalink")
    return link if isinstance(link, str) and link else None
