"""A Reddit listing child (a `t3` post or a `t1` comment) -> Lyssna's import record. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lyssna.connectors.base import MappedItem, RawItem, provenance, unknown_fields

KIND = "reddit"
VERSION = "1"
WEB = "https://www.reddit.com"

CHILD_FIELDS = frozenset({"kind", "data"})
# Fields Reddit sends on posts and comments (it sends many; these are the ones it documents or
# has sent for years). Anything else is reported as unknown.
KNOWN_FIELDS = frozenset(
    {
        "id", "name", "title", "selftext", "selftext_html", "body", "body_html", "author",
        "author_fullname", "author_flair_text", "author_flair_css_class", "author_flair_type",
        "author_flair_richtext", "author_flair_template_id", "author_flair_text_color",
        "author_flair_background_color", "author_patreon_flair", "author_premium",
        "author_is_blocked", "created", "created_utc", "edited", "permalink", "url",
        "subreddit", "subreddit_id", "subreddit_name_prefixed", "subreddit_type",
        "subreddit_subscribers", "score", "ups", "downs", "upvote_ratio", "num_comments",
        "num_crossposts", "link_id", "parent_id", "link_title", "link_author", "link_url",
        "link_permalink", "domain", "is_self", "is_video", "over_18", "spoiler", "locked",
        "stickied", "archived", "distinguished", "gilded", "gildings", "all_awardings",
        "total_awards_received", "awarders", "thumbnail", "thumbnail_width",
        "thumbnail_height", "preview", "media", "media_embed", "secure_media",
        "secure_media_embed", "media_only", "media_metadata", "gallery_data", "is_gallery",
        "link_flair_text", "link_flair_css_class", "link_flair_type", "link_flair_richtext",
        "link_flair_template_id", "link_flair_text_color", "link_flair_background_color",
        "post_hint", "crosspost_parent", "crosspost_parent_list", "contest_mode",
        "suggested_sort", "send_replies", "can_gild", "can_mod_post", "hidden", "hide_score",
        "clicked", "visited", "saved", "likes", "score_hidden", "controversiality", "depth",
        "replies", "collapsed", "collapsed_reason", "collapsed_reason_code",
        "collapsed_because_crowd_control", "is_submitter", "no_follow", "quarantine",
        "pinned", "is_original_content", "is_reddit_media_domain", "is_meta",
        "is_crosspostable", "is_robot_indexable", "allow_live_comments", "pwls", "wls",
        "parent_whitelist_status", "whitelist_status", "num_reports", "mod_reports",
        "user_reports", "report_reasons", "mod_note", "mod_reason_by", "mod_reason_title",
        "removal_reason", "removed_by", "removed_by_category", "banned_by", "banned_at_utc",
        "approved_by", "approved_at_utc", "view_count", "category", "content_categories",
        "discussion_type", "treatment_tags", "top_awarded_type", "is_created_from_ads_ui",
        "rte_mode", "unrepliable_reason", "associated_award", "comment_type", "steward_reports",
        "author_cakeday", "call_to_action", "retrieved_on", "subreddit_name",
    }
)  # fmt: skip


def map_thing(item: RawItem, retrieved_at: datetime) -> MappedItem:
    child = item.payload
    kind = child.get("kind")
    data = child.get("data")
    if kind not in ("t3", "t1") or not isinstance(data, dict):
        return MappedItem(None, f"not a Reddit post or comment (kind {kind!r})")
    name = data.get("name") or (f"{kind}_{data['id']}" if data.get("id") else None)
    if not isinstance(name, str) or not name:
        return MappedItem(None, "the item has neither name nor id")
    if kind == "t3":
        title = _text(data.get("title"))
        body = _text(data.get("selftext"))
        text = f"{title}\n\n{body}" if title and body else title or body
    else:
        text = _text(data.get("body"))
    author = data.get("author")
    permalink = data.get("permalink")
    record: dict[str, Any] = {
        "id": name,
        "channel": KIND,
        "text": text,
        "created_at": _time(data.get("created_utc")),
        "author": (
            {"handle": author, "name": None, "followers": None}
            if isinstance(author, str) and author and author != "[deleted]"
            else None
        ),
        "url": f"{WEB}{permalink}" if isinstance(permalink, str) and permalink else None,
        "lang": None,  # Reddit does not say
        "reply_to": data.get("parent_id") if kind == "t1" else None,
        "metrics": {
            "likes": data.get("score"),
            "shares": None,  # crossposts are not shares of the mention itself
            "replies": data.get("num_comments") if kind == "t3" else None,
            "views": None,  # Reddit does not give views
        },
        "connector": provenance(KIND, VERSION, retrieved_at, item.source_url),
        "payload": child,
    }
    if isinstance(data.get("subreddit"), str):
        record["connector"]["subreddit"] = data["subreddit"]
    linked = data.get("url")
    if kind == "t3" and not data.get("is_self") and isinstance(linked, str) and linked:
        record["connector"]["linked_url"] = linked
    unknown = unknown_fields(child, CHILD_FIELDS) + unknown_fields(data, KNOWN_FIELDS, "data.")
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _time(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return None
