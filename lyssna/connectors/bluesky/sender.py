"""Replies and new posts on Bluesky, at most once.

A post is an `app.bsky.feed.post` record written to the account's repository with
`com.atproto.repo.createRecord`. Its record key is not left to the server: it is made from the
message's key, so the message has one place in the repository whatever happens. A second
attempt cannot make a second post (the server refuses a key that is taken), and `find_sent` is
one `com.atproto.repo.getRecord` of that key: there, or certainly not sent.

A reply carries strong references (uri and cid) to the post it answers (`parent`) and to the
first post of the thread (`root`), from the mention's stored post view; a reply to a reply keeps
its thread's root. Links in the text are made clickable with link facets (Bluesky does not find
links in the text itself).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from lyssna.connectors.base import (
    ConnectorError,
    MalformedResponseError,
    Outgoing,
    RequestRejectedError,
    Sent,
)
from lyssna.connectors.bluesky.mapping import post_web_url
from lyssna.connectors.bluesky.xrpc import Session, Xrpc
from lyssna.connectors.sending import not_configured, unreadable_answer

POST = "app.bsky.feed.post"
CREATE_RECORD = "com.atproto.repo.createRecord"
GET_RECORD = "com.atproto.repo.getRecord"
GET_POSTS = "app.bsky.feed.getPosts"

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# A record key's time part is made up from the message key; it is kept within 2023 so that it
# is a valid, plausible timestamp identifier (TID) and never sorts ahead of real ones.
_TID_EPOCH_US = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)
_TID_SPAN_US = 2**44  # about 203 days
_URL = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)]}'\""


def record_key(key: str) -> str:
    """The record key of the message with this key: a TID, the same for the same key."""
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = _TID_EPOCH_US + (digest >> 20) % _TID_SPAN_US
    value = (micros << 10) | (digest & 0x3FF)  # the top bit stays 0
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def link_facets(text: str) -> list[dict[str, Any]]:
    """Link facets for the URLs in `text`; positions are UTF-8 byte offsets."""
    facets = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_TRAILING)
        start = len(text[: match.start()].encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(url.encode("utf-8"))},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


class BlueskySender:
    def __init__(self, xrpc: Xrpc) -> None:
        self.xrpc = xrpc
        self.config = xrpc.config

    async def _account(self) -> Session:
        if not self.config.identifier or not self.config.app_password:
            raise not_configured(
                "bluesky",
                "account",
                "create an app password for the company's account and add --identifier and "
                "--password-env",
            )
        return await self.xrpc.account()

    async def send(self, message: Outgoing) -> Sent:
        account = await self._account()
        record: dict[str, Any] = {
            "$type": POST,
            "text": message.text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        facets = link_facets(message.text)
        if facets:
            record["facets"] = facets
        if message.reply_to_id is not None:
            record["reply"] = await self._reply_refs(message)
        body = {
            "repo": account.did,
            "collection": POST,
            "rkey": record_key(message.key),
            "record": record,
        }
        try:
            created = await self.xrpc.call(CREATE_RECORD, body=body)
        except MalformedResponseError as exc:
            raise unreadable_answer(f"{self.config.base_url}/xrpc/{CREATE_RECORD}") from exc
        except RequestRejectedError:
            # An earlier attempt may hold the key already: then this one is that post.
            found = await self.find_sent(message)
            if found is None:
                raise
            return found
        uri = created.get("uri") if isinstance(created, dict) else None
        if not isinstance(uri, str):
            raise unreadable_answer(f"{self.config.base_url}/xrpc/{CREATE_RECORD}")
        return Sent(uri, post_web_url(uri, account.handle))

    async def find_sent(self, message: Outgoing) -> Sent | None:
        account = await self._account()
        params = {"repo": account.did, "collection": POST, "rkey": record_key(message.key)}
        try:
            found = await self.xrpc.call(GET_RECORD, params=params)
        except ConnectorError as exc:
            if "RecordNotFound" in exc.reason:
                return None
            raise
        uri = found.get("uri") if isinstance(found, dict) else None
        if not isinstance(uri, str):
            raise MalformedResponseError(f"{self.config.base_url} sent a record without a uri")
        return Sent(uri, post_web_url(uri, account.handle))

    async def _reply_refs(self, message: Outgoing) -> dict[str, Any]:
        """{root, parent} strong refs: the answered post, and the root of its thread."""
        view = message.reply_to_raw or {}
        if not (_ref(view) and view.get("uri") == message.reply_to_id):
            posts = await self.xrpc.call(GET_POSTS, params={"uris": message.reply_to_id})
            found = posts.get("posts") if isinstance(posts, dict) else None
            view = next(
                (p for p in found or [] if isinstance(p, dict) and _ref(p)),
                {},
            )
        parent = _ref(view)
        if parent is None:
            raise RequestRejectedError(
                f"{self.config.base_url} cannot find the post to answer ({message.reply_to_id}):"
                " it may have been deleted"
            )
        root = _ref(_object(_object(_object(view.get("record")).get("reply")).get("root")))
        return {"root": root or parent, "parent": parent}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _ref(value: dict[str, Any]) -> dict[str, str] | None:
    uri, cid = value.get("uri"), value.get("cid")
    if isinstance(uri, str) and uri and isinstance(cid, str) and cid:
        return {"uri": uri, "cid": cid}
    return None
