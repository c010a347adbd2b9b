"""A Facebook Page post or comment -> Lyssna's import record. Pure.

The raw item is the Graph object as Facebook sent it, with the list it came from:
`{"edge": "feed" | "tagged", "post": {...}}` or
`{"edge": "comments", "post_id": "<page>_<post>", "comment": {...}}`.
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

KIND = "facebook"
VERSION = "1"

POST_EDGES = frozenset({"feed", "tagged"})
POST_ITEM_FIELDS = frozenset({"edge", "post"})
COMMENT_ITEM_FIELDS = frozenset({"edge", "post_id", "comment"})
POST_FIELDS = frozenset(
    {
        "id", "message", "story", "created_time", "updated_time", "permalink_url", "from",
        "status_type", "shares", "reactions", "comments", "likes", "attachments",
        "message_tags", "story_tags", "full_picture", "picture", "icon", "is_published",
        "is_hidden", "is_expired", "is_popular", "is_spherical", "is_instagram_eligible",
        "is_eligible_for_promotion", "privacy", "place", "to", "actions", "properties",
        "parent_id", "promotable_id", "child_attachments", "event", "feed_targeting",
        "targeting", "scheduled_publish_time", "call_to_action", "coordinates",
        "instagram_eligibility", "multi_share_end_card", "multi_share_optimized",
        "admin_creator", "application", "backdated_time", "can_reply_privately", "expanded_height",
        "expanded_width", "height", "width", "timeline_visibility", "video_buying_eligibility",
        "allowed_advertising_objectives", "sponsor_tags", "subscribed", "is_app_share",
        "tagged_time",
    }
)  # fmt: skip
COMMENT_FIELDS = frozenset(
    {
        "id", "message", "created_time", "from", "parent", "like_count", "comment_count",
        "permalink_url", "attachment", "message_tags", "can_comment", "can_remove", "can_hide",
        "can_like", "can_reply_privately", "is_hidden", "is_private", "object", "user_likes",
        "private_reply_conversation", "reactions", "comments", "likes",
        "live_broadcast_timestamp", "application", "admin_creator",
    }
)  # fmt: skip


def map_item(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    edge = payload.get("edge")
    if edge in POST_EDGES and isinstance(payload.get("post"), dict):
        return _post(item, retrieved_at)
    if edge == "comments" and isinstance(payload.get("comment"), dict):
        return _comment(item, retrieved_at)
    return MappedItem(None, f"not a Facebook post or comment (edge {edge!r})")


def _post(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    post = payload["post"]
    identifier = graph_id(post.get("id"))
    if identifier is None:
        return MappedItem(None, "the post has no id")
    # A post without words of its own ("… updated their cover photo") has a generated story.
    text = graph_text(post.get("message")) or graph_text(post.get("story"))
    record = _record(
        item,
        retrieved_at,
        identifier=identifier,
        text=text,
        created_at=iso_time(post.get("created_time")),
        author=post.get("from"),
        url=post.get("permalink_url"),
        reply_to=None,
        metrics={
            "likes": _summary_count(post.get("reactions")),
            "shares": graph_count(as_object(post.get("shares")).get("count")),
            "replies": _summary_count(post.get("comments")),
            "views": None,  # views are Page Insights, not part of the post
        },
    )
    record["connector"]["edge"] = payload["edge"]
    unknown = unknown_fields(payload, POST_ITEM_FIELDS) + unknown_fields(post, POST_FIELDS, "post.")
    return with_unknown(record, unknown)


def _comment(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    comment = payload["comment"]
    identifier = graph_id(comment.get("id"))
    if identifier is None:
        return MappedItem(None, "the comment has no id")
    # A reply names the comment it answers; a top-level comment answers the post.
    parent = graph_id(as_object(comment.get("parent")).get("id"))
    record = _record(
        item,
        retrieved_at,
        identifier=identifier,
        text=graph_text(comment.get("message")),
        created_at=iso_time(comment.get("created_time")),
        author=comment.get("from"),
        url=comment.get("permalink_url"),
        reply_to=parent or graph_id(payload.get("post_id")),
        metrics={
            "likes": graph_count(comment.get("like_count")),
            "shares": None,  # comments cannot be shared
            "replies": graph_count(comment.get("comment_count")),
            "views": None,
        },
    )
    record["connector"]["edge"] = "comments"
    record["connector"]["post_id"] = graph_id(payload.get("post_id"))
    unknown = unknown_fields(payload, COMMENT_ITEM_FIELDS) + unknown_fields(
        comment, COMMENT_FIELDS, "comment."
    )
    return with_unknown(record, unknown)


def _record(item: RawItem, retrieved_at: datetime, **fields: Any) -> dict[str, Any]:
    who = as_object(fields.pop("author"))
    name = graph_text(who.get("name"))
    # Facebook shows people by name; the numeric id is kept in provenance. Without the
    # pages_read_user_content permission Facebook leaves `from` out: the author is unknown.
    author = {"handle": name, "name": name, "followers": None} if name else None
    record = graph_record(KIND, VERSION, item, retrieved_at, author=author, **fields)
    if graph_id(who.get("id")):
        record["connector"]["author_id"] = graph_id(who.get("id"))
    return record


def _summary_count(edge: Any) -> int | None:
    """`reactions.summary(total_count)` answers {"data": [], "summary": {"total_count": 5}}."""
    return graph_count(as_object(as_object(edge).get("summary")).get("total_count"))
