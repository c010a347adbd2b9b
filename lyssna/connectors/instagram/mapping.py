"""An Instagram post (IG Media) or comment -> Lyssna's import record. Pure.

The raw item is the Graph object as Instagram sent it, with the list it came from:
`{"edge": "media" | "tags", "media": {...}}`, `{"edge": "hashtag", "hashtag": "elvara",
"media": {...}}`, or `{"edge": "comments", "media": {"id", "permalink"}, "comment": {...}}`
(the post a comment is on: comments have no link of their own).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import MappedItem, RawItem, unknown_fields
from lyssna.connectors.facebook.graph import (
    as_object,
    graph_count,
    graph_id,
    graph_record,
    graph_text,
    iso_time,
    with_unknown,
)

KIND = "instagram"
VERSION = "1"

MEDIA_EDGES = frozenset({"media", "tags", "hashtag"})
MEDIA_ITEM_FIELDS = frozenset({"edge", "media", "hashtag"})
COMMENT_ITEM_FIELDS = frozenset({"edge", "media", "comment"})
MEDIA_FIELDS = frozenset(
    {
        "id", "caption", "media_type", "media_product_type", "media_url", "permalink",
        "shortcode", "thumbnail_url", "timestamp", "username", "like_count", "comments_count",
        "owner", "is_comment_enabled", "is_shared_to_feed", "children", "alt_text",
        "boost_ads_list", "boost_eligibility_info", "copyright_check_information",
        "legacy_instagram_media_id", "comments", "insights", "collaborators", "view_count",
    }
)  # fmt: skip
COMMENT_FIELDS = frozenset(
    {
        "id", "text", "timestamp", "username", "from", "like_count", "parent_id", "hidden",
        "replies", "media", "user", "legacy_instagram_comment_id",
    }
)  # fmt: skip


def map_item(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    edge = payload.get("edge")
    if edge in MEDIA_EDGES and isinstance(payload.get("media"), dict):
        return _media(item, retrieved_at)
    if edge == "comments" and isinstance(payload.get("comment"), dict):
        return _comment(item, retrieved_at)
    return MappedItem(None, f"not an Instagram post or comment (edge {edge!r})")


def _media(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    media = payload["media"]
    identifier = graph_id(media.get("id"))
    if identifier is None:
        return MappedItem(None, "the post has no id")
    record = _record(
        item,
        retrieved_at,
        identifier=identifier,
        text=graph_text(media.get("caption")),
        created_at=iso_time(media.get("timestamp")),
        # Hashtag lists never say who posted: the author is unknown there.
        username=graph_text(media.get("username")),
        url=media.get("permalink"),
        reply_to=None,
        metrics={
            "likes": graph_count(media.get("like_count")),  # left out when the owner hides it
            "shares": None,  # Instagram does not give shares
            "replies": graph_count(media.get("comments_count")),
            "views": graph_count(media.get("view_count")),
        },
    )
    record["connector"]["edge"] = payload["edge"]
    if isinstance(payload.get("hashtag"), str):
        record["connector"]["hashtag"] = payload["hashtag"]
    if isinstance(media.get("media_type"), str):
        record["connector"]["media_type"] = media["media_type"]
    unknown = unknown_fields(payload, MEDIA_ITEM_FIELDS) + unknown_fields(
        media, MEDIA_FIELDS, "media."
    )
    return with_unknown(record, unknown)


def _comment(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    comment = payload["comment"]
    on = as_object(payload.get("media"))
    identifier = graph_id(comment.get("id"))
    if identifier is None:
        return MappedItem(None, "the comment has no id")
    username = graph_text(comment.get("username")) or graph_text(
        as_object(comment.get("from")).get("username")
    )
    record = _record(
        item,
        retrieved_at,
        identifier=identifier,
        text=graph_text(comment.get("text")),
        created_at=iso_time(comment.get("timestamp")),
        username=username,
        url=on.get("permalink"),
        # A reply names the comment it answers; a comment answers the post.
        reply_to=graph_id(comment.get("parent_id")) or graph_id(on.get("id")),
        metrics={
            "likes": graph_count(comment.get("like_count")),
            "shares": None,
            "replies": None,  # Instagram gives the replies, not their number
            "views": None,
        },
    )
    record["connector"]["edge"] = "comments"
    record["connector"]["media_id"] = graph_id(on.get("id"))
    unknown = unknown_fields(payload, COMMENT_ITEM_FIELDS) + unknown_fields(
        comment, COMMENT_FIELDS, "comment."
    )
    return with_unknown(record, unknown)


def _record(item: RawItem, retrieved_at: datetime, **fields: Any) -> dict[str, Any]:
    username = fields.pop("username")
    author = {"handle": username, "name": None, "followers": None} if username else None
    return graph_record(KIND, VERSION, item, retrieved_at, author=author, **fields)
