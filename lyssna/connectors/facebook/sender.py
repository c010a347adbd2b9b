"""Comments and Page posts on Facebook, at most once.

A reply is `POST /{id}/comments` with `message`: on a post (a top-level comment) or on a comment
(a reply in its thread). Facebook threads are two deep, so an answer to a reply goes under the
comment that reply is in. A new post is `POST /{page}/feed`. Graph takes no idempotency key:
the shared client never repeats a POST that may have reached Meta, and `find_sent` reads the
answers under the target (newest first) for one from the Page with the same text, or the Page's
own posts, back to a little before the first attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import ConnectorError, Outgoing, Sent
from lyssna.connectors.facebook.config import FacebookConfig
from lyssna.connectors.facebook.graph import GraphClient, as_object, graph_time
from lyssna.connectors.sending import MAX_PAGES, cannot_tell, checked_text, floor, same_text

MAX_COMMENT = 8000  # characters Facebook takes in a comment
MAX_POST = 63206  # ... and in a Page post


class FacebookSender:
    def __init__(self, config: FacebookConfig, graph: GraphClient) -> None:
        self.config = config
        self.graph = graph

    async def send(self, message: Outgoing) -> Sent:
        if message.reply_to_id is None:
            text = checked_text(message.text, MAX_POST, "Facebook")
            body = await self.graph.create(f"{self.config.page}/feed", {"message": text})
        else:
            text = checked_text(message.text, MAX_COMMENT, "Facebook")
            body = await self.graph.create(f"{reply_target(message)}/comments", {"message": text})
        identifier = str(body["id"])
        return Sent(identifier, await self._permalink(identifier))

    async def find_sent(self, message: Outgoing) -> Sent | None:
        params: dict[str, Any] = {"fields": "id,message,from,permalink_url,created_time"}
        if message.reply_to_id is None:  # the Page's own posts: every one is the Page's
            path, author, since = f"{self.config.page}/published_posts", None, floor(message)
            params["limit"] = 25
        else:  # the answers under the target: the Page's are ours
            path, author = f"{reply_target(message)}/comments", self.config.page
            since = floor(message, answered_at(message))
            params.update(filter="stream", order="reverse_chronological", limit=100)
        below: str | None = None
        for _ in range(MAX_PAGES):
            found, below, _url = await self.graph.page(path, params, below)
            for obj in found:
                by = as_object(obj.get("from"))
                if (author is None or str(by.get("id")) == author) and same_text(
                    obj.get("message") or "", message.text
                ):
                    url = obj.get("permalink_url")
                    return Sent(str(obj["id"]), url if isinstance(url, str) else None)
            times = [graph_time(o.get("created_time")) for o in found]
            if since is not None and any(t is not None and t < since for t in times):
                return None  # read back past the first attempt
            if below is None:
                return None  # read everything there is
        raise cannot_tell(f"the Facebook Page {self.config.page}", since)

    async def _permalink(self, identifier: str) -> str | None:
        """Where the new comment or post is shown; failing to learn it does not undo the send."""
        try:
            body, _ = await self.graph.get(identifier, {"fields": "permalink_url"})
        except ConnectorError:
            return None
        url = body.get("permalink_url") if isinstance(body, dict) else None
        return url if isinstance(url, str) else None


def reply_target(message: Outgoing) -> str:
    """Where an answer goes: under the comment a reply is in, else under what is answered."""
    assert message.reply_to_id is not None
    comment = (message.reply_to_raw or {}).get("comment")
    parent = comment.get("parent") if isinstance(comment, dict) else None
    if isinstance(parent, dict) and parent.get("id"):
        return str(parent["id"])
    return message.reply_to_id


def answered_at(message: Outgoing) -> datetime | None:
    """When the answered post or comment was written (an answer is newer), from its payload."""
    raw = message.reply_to_raw or {}
    for key in ("comment", "post", "media"):  # Facebook's and Instagram's raw items
        answered = raw.get(key)
        if isinstance(answered, dict):
            return graph_time(answered.get("created_time") or answered.get("timestamp"))
    return None
