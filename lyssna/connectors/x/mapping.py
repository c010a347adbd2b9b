"""An X post (with its author from `includes.users`) -> Lyssna's import record. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import (
    MappedItem,
    RawItem,
    language_code,
    provenance,
    unknown_fields,
)

KIND = "x"
VERSION = "1"

# The raw item: {"tweet": <an element of data[]>, "author": <its user from includes.users>},
# and from the filtered stream the rules it matched ("matching_rules": [{"id", "tag"}]).
ITEM_FIELDS = frozenset({"tweet", "author", "matching_rules"})
TWEET_FIELDS = frozenset(
    {
        "id", "text", "edit_history_tweet_ids", "created_at", "lang", "public_metrics",
        "conversation_id", "in_reply_to_user_id", "referenced_tweets", "author_id",
        "attachments", "context_annotations", "entities", "geo", "possibly_sensitive",
        "reply_settings", "source", "withheld", "note_tweet", "edit_controls",
        "non_public_metrics", "organic_metrics", "promoted_metrics", "display_text_range",
        "media_metadata", "scopes", "article", "card_uri", "community_id",
    }
)  # fmt: skip
USER_FIELDS = frozenset(
    {
        "id", "name", "username", "public_metrics", "created_at", "description", "entities",
        "location", "pinned_tweet_id", "profile_image_url", "protected", "url", "verified",
        "verified_type", "withheld", "most_recent_tweet_id", "affiliation", "connection_status",
        "is_identity_verified", "parody", "profile_banner_url", "subscription",
        "subscription_type", "receives_your_dm",
    }
)  # fmt: skip
# X's codes for "no language": undetermined, media only, hashtags only, and the like.
NO_LANGUAGE = frozenset({"und", "qme", "qht", "qam", "qct", "qst", "zxx", "art"})


def map_post(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    tweet = _object(payload.get("tweet"))
    identifier = tweet.get("id")
    if not isinstance(identifier, str) or not identifier:
        return MappedItem(None, "the post has no id")
    author = _object(payload.get("author"))
    username = author.get("username") if isinstance(author.get("username"), str) else None
    metrics = _object(tweet.get("public_metrics"))
    replied = [
        ref.get("id")
        for ref in tweet.get("referenced_tweets") or []
        if isinstance(ref, dict) and ref.get("type") == "replied_to"
    ]
    lang = tweet.get("lang")
    record: dict[str, Any] = {
        "id": identifier,
        "channel": KIND,
        "text": tweet.get("text") if isinstance(tweet.get("text"), str) else "",
        "created_at": tweet.get("created_at"),
        "author": (
            {
                "handle": username,
                "name": author.get("name") or None,
                "followers": _object(author.get("public_metrics")).get("followers_count"),
            }
            if username
            else None
        ),
        "url": f"https://x.com/{username or 'i/web'}/status/{identifier}",
        "lang": None if lang in NO_LANGUAGE else language_code(lang),
        "reply_to": replied[0] if replied else None,
        "metrics": {
            "likes": metrics.get("like_count"),
            "shares": metrics.get("retweet_count"),
            "replies": metrics.get("reply_count"),
            "views": metrics.get("impression_count"),
        },
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": payload,
    }
    if tweet.get("conversation_id"):
        record["connector"]["conversation_id"] = tweet["conversation_id"]
    unknown = (
        unknown_fields(payload, ITEM_FIELDS)
        + unknown_fields(tweet, TWEET_FIELDS, "tweet.")
        + unknown_fields(author, USER_FIELDS, "author.")
    )
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
