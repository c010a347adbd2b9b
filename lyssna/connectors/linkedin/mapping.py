"""A LinkedIn organization post or comment -> Lyssna's import record. Pure.

The raw item is the element as LinkedIn sent it, with the list it came from:
`{"edge": "posts", "post": {...}}`, or
`{"edge": "comments", "post": "<post URN>", "comment": {...}}`.
LinkedIn names people and organizations by URN only (`urn:li:person:…`); their names need
further permissions, so the URN is the author's handle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from lyssna.connectors.base import MappedItem, RawItem, provenance, unknown_fields
from lyssna.connectors.linkedin.api import iso_millis, plain_text

KIND = "linkedin"
VERSION = "1"
FEED = "https://www.linkedin.com/feed/update/"

POST_ITEM_FIELDS = frozenset({"edge", "post"})
COMMENT_ITEM_FIELDS = frozenset({"edge", "post", "comment"})
POST_FIELDS = frozenset(
    {
        "id", "author", "commentary", "visibility", "distribution", "content",
        "contentLandingPage", "contentCallToActionLabel", "lifecycleState", "lifecycleStateInfo",
        "isReshareDisabledByAuthor", "createdAt", "lastModifiedAt", "publishedAt",
        "reshareContext", "adContext", "container", "feedDistribution", "isDarkPost",
    }
)  # fmt: skip
COMMENT_FIELDS = frozenset(
    {
        "id", "$URN", "commentUrn", "actor", "agent", "created", "lastModified", "deleted",
        "message", "object", "parentComment", "content", "likesSummary", "commentsSummary",
    }
)  # fmt: skip


def map_item(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    edge = payload.get("edge")
    if edge == "posts" and isinstance(payload.get("post"), dict):
        return _post(item, retrieved_at)
    if edge == "comments" and isinstance(payload.get("comment"), dict):
        return _comment(item, retrieved_at)
    return MappedItem(None, f"not a LinkedIn post or comment (edge {edge!r})")


def _post(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    post = payload["post"]
    urn = _urn(post.get("id"))
    if urn is None:
        return MappedItem(None, "the post has no URN")
    commentary = post.get("commentary")
    record = _record(
        item,
        retrieved_at,
        identifier=urn,
        text=plain_text(commentary).strip() if isinstance(commentary, str) else "",
        created_at=iso_millis(post.get("publishedAt")) or iso_millis(post.get("createdAt")),
        author=post.get("author"),
        url=f"{FEED}{urn}/",
        reply_to=None,
        # The Posts API gives no counts (they are in socialMetadata, another permission).
        metrics={"likes": None, "shares": None, "replies": None, "views": None},
    )
    record["connector"]["edge"] = "posts"
    unknown = unknown_fields(payload, POST_ITEM_FIELDS) + unknown_fields(post, POST_FIELDS, "post.")
    return _with_unknown(record, unknown)


def _comment(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    comment = payload["comment"]
    urn = comment_urn(comment)
    if urn is None:
        return MappedItem(None, "the comment has no URN")
    post = _urn(payload.get("post"))
    message = _object(comment.get("message")).get("text")
    on = _urn(comment.get("object")) or post
    record = _record(
        item,
        retrieved_at,
        identifier=urn,
        text=message.strip() if isinstance(message, str) else "",
        created_at=iso_millis(_object(comment.get("created")).get("time")),
        author=comment.get("actor"),
        url=f"{FEED}{on}/?commentUrn={quote(urn, safe='')}" if on else None,
        # A reply names the comment it answers; a comment answers the post.
        reply_to=_urn(comment.get("parentComment")) or post,
        metrics={
            "likes": _count(_object(comment.get("likesSummary")).get("totalLikes")),
            "shares": None,
            "replies": _count(
                _object(comment.get("commentsSummary")).get("totalFirstLevelComments")
            ),
            "views": None,
        },
    )
    record["connector"]["edge"] = "comments"
    record["connector"]["post"] = post
    unknown = unknown_fields(payload, COMMENT_ITEM_FIELDS) + unknown_fields(
        comment, COMMENT_FIELDS, "comment."
    )
    return _with_unknown(record, unknown)


def comment_urn(comment: dict[str, Any]) -> str | None:
    """`urn:li:comment:(<object>,<id>)`, as LinkedIn names a comment (older answers leave
    `commentUrn` out: it is made from `object` and `id`)."""
    given = _urn(comment.get("commentUrn")) or _urn(comment.get("$URN"))
    if given:
        return given
    on, ident = _urn(comment.get("object")), comment.get("id")
    if on and isinstance(ident, str | int) and not isinstance(ident, bool) and str(ident):
        return f"urn:li:comment:({on},{ident})"
    return None


def _record(
    item: RawItem,
    retrieved_at: datetime,
    *,
    identifier: str,
    text: str,
    created_at: str | None,
    author: Any,
    url: str | None,
    reply_to: str | None,
    metrics: dict[str, int | None],
) -> dict[str, Any]:
    who = _urn(author)
    return {
        "id": identifier,
        "channel": KIND,
        "text": text,
        "created_at": created_at,
        "author": {"handle": who, "name": None, "followers": None} if who else None,
        "url": url,
        "lang": None,  # LinkedIn does not say
        "reply_to": reply_to,
        "metrics": metrics,
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": item.payload,
    }


def _with_unknown(record: dict[str, Any], unknown: list[str]) -> MappedItem:
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _urn(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip().startswith("urn:li:") else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
