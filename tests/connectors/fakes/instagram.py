"""The Instagram Graph API (Facebook Login) as documented: media, tags, hashtag search and
recent media, comments with replies, replying, errors and usage; on `FakeGraph`."""

from __future__ import annotations

from typing import Any

from tests.connectors.fakes.facebook import FakeGraph, graph_error, only, requested, stamp
from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

ACCOUNT_ID = "17841400000000001"
USERNAME = "elvara_ab"
TOKEN = "EAAGfakeInstagramToken0123456789abcdefZZ"
FAN = {"id": "17841400000000777", "username": "kari.nordmann"}
HASHTAG_LIMIT = 30


class FakeInstagram(FakeGraph):
    usage_type = "instagram"
    throttle_code = 80002
    throttle_message = (
        "There have been too many calls to this Instagram account. Wait a bit and try again."
    )

    def __init__(self, server: FakeServer) -> None:
        super().__init__(server, TOKEN, ACCOUNT_ID)
        self.media: list[dict[str, Any]] = []  # the account's posts, oldest first
        self.tagged: list[dict[str, Any]] = []  # others' posts tagging it, oldest first
        self.hashtag_media: dict[str, list[dict[str, Any]]] = {}  # hashtag id -> media
        self.hashtags: dict[str, str] = {}  # name -> id
        self.searched: list[str] = []  # hashtag ids searched this week
        self.comments: list[dict[str, Any]] = []  # comments and replies, oldest first
        self.comment_media: dict[str, str] = {}  # comment id -> media id
        self._ids = 17_900_000_000_000_000
        self.route("GET", "ig_hashtag_search", self._search)
        self.route("GET", rf"({ACCOUNT_ID})/recently_searched_hashtags", self._recently_searched)
        self.route("GET", rf"({ACCOUNT_ID})/(media|tags)", self._account_list)
        self.route("GET", r"(\d+)/recent_media", self._recent_media)
        self.route("GET", r"(\d+)/comments", self._read_comments)
        self.route("GET", r"(\d+)/replies", self._read_replies)
        self.route("POST", r"(\d+)/comments", self._comment)
        self.route("POST", r"(\d+)/replies", self._reply)
        self.route("GET", r"(\d+)", self._node)

    def _id(self) -> str:
        self._ids += 1
        return str(self._ids)

    # --- content --------------------------------------------------------------------------

    def _media(self, caption: str, username: str | None, **fields: Any) -> dict[str, Any]:
        ident, when = self._id(), self.tick()
        media = {
            "id": ident,
            "caption": caption,
            "media_type": "IMAGE",
            "media_product_type": "FEED",
            "permalink": f"https://www.instagram.com/p/C{ident[-8:]}/",
            "shortcode": f"C{ident[-8:]}",
            "timestamp": stamp(when),
            "like_count": 12,
            "comments_count": 0,
            **fields,
        }
        if username is not None:
            media["username"] = username
        return media

    def post(self, caption: str, **fields: Any) -> dict[str, Any]:
        media = self._media(caption, USERNAME, **fields)
        self.media.append(media)
        return media

    def tag(self, caption: str) -> dict[str, Any]:
        media = self._media(caption, FAN["username"])
        self.tagged.append(media)
        return media

    def hashtagged(self, hashtag: str, caption: str) -> dict[str, Any]:
        ident = self.hashtags.setdefault(hashtag, self._id())
        media = self._media(caption, FAN["username"])
        self.hashtag_media.setdefault(ident, []).append(media)
        return media

    def comment(
        self, media_id: str, text: str, *, parent: str | None = None, author: dict | None = None
    ) -> dict[str, Any]:
        who = author or FAN
        comment = {
            "id": self._id(),
            "text": text,
            "timestamp": stamp(self.tick()),
            "username": who["username"],
            "from": dict(who),
            "like_count": 0,
            "hidden": False,
        }
        if parent is not None:
            comment["parent_id"] = parent
        self.comments.append(comment)
        self.comment_media[comment["id"]] = media_id
        for media in self.media:
            if media["id"] == media_id:
                media["comments_count"] += 1
        return comment

    def sent(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["username"] == USERNAME]

    # --- endpoints ------------------------------------------------------------------------

    def _search(self, request: Request) -> Response:
        refused = self.needs("instagram_basic")
        if refused:
            return refused
        if request.arg("user_id") != ACCOUNT_ID:
            return graph_error(400, 100, "(#100) The parameter user_id is required")
        name = (request.arg("q") or "").lower()
        ident = self.hashtags.setdefault(name, self._id())
        if ident not in self.searched:
            self.searched.append(ident)
        return json_response({"data": [{"id": ident}]})

    def _recently_searched(self, request: Request) -> Response:
        return self.paged(request, [{"id": i} for i in self.searched])

    def _account_list(self, request: Request) -> Response:
        assert request.match is not None
        refused = self.needs("instagram_basic")
        if refused:
            return refused
        found = self.media if request.match.group(2) == "media" else self.tagged
        return self.paged(request, list(reversed(found)))

    def _recent_media(self, request: Request) -> Response:
        assert request.match is not None
        found = self.hashtag_media.get(request.match.group(1))
        if found is None:
            return self.unknown_object(request.match.group(1))
        if request.arg("user_id") != ACCOUNT_ID:
            return graph_error(400, 100, "(#100) The parameter user_id is required")
        if "username" in (requested(request.arg("fields")) or set()):
            return graph_error(
                400,
                100,
                "(#100) Tried accessing nonexisting field (username) on node type (IGMedia)",
            )
        return self.paged(request, list(reversed(found)), default_limit=25)

    def _read_comments(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        if ident not in {m["id"] for m in self.media}:
            return self.unknown_object(ident)
        refused = self.needs("instagram_manage_comments")
        if refused:
            return refused
        fields = requested(request.arg("fields"))
        found = []
        for comment in reversed(self.comments):  # newest first
            if self.comment_media[comment["id"]] != ident or "parent_id" in comment:
                continue
            shown = only(comment, fields)
            if fields and "replies" in fields:
                replies = [only(r, fields) for r in self._replies(comment["id"])]
                if replies:
                    shown["replies"] = {"data": replies}
            found.append(shown)
        return self.paged(request, found)

    def _replies(self, comment_id: str) -> list[dict[str, Any]]:
        return [c for c in self.comments if c.get("parent_id") == comment_id]

    def _read_replies(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        if ident not in self.comment_media:
            return self.unknown_object(ident)
        return self.paged(request, self._replies(ident))

    def _comment(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        refused = self.needs("instagram_manage_comments", code=200)
        if refused:
            return refused
        if ident not in {m["id"] for m in self.media}:
            return graph_error(
                400, 100, "(#100) Comments on this media are not allowed through the API"
            )
        made = self.comment(ident, self.form(request).get("message", ""), author=_me())
        return self.created(made["id"])

    def _reply(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        refused = self.needs("instagram_manage_comments", code=200)
        if refused:
            return refused
        parent = next((c for c in self.comments if c["id"] == ident), None)
        if parent is None:
            return self.unknown_object(ident)
        # Replies to a reply are added to the top-level comment.
        top = parent.get("parent_id") or ident
        message = self.form(request).get("message", "")
        made = self.comment(self.comment_media[ident], message, parent=top, author=_me())
        return self.created(made["id"])

    def _node(self, request: Request) -> Response:
        assert request.match is not None
        ident = request.match.group(1)
        if ident == ACCOUNT_ID:
            account = {
                "id": ACCOUNT_ID,
                "username": USERNAME,
                "followers_count": 1234,
                "media_count": len(self.media),
            }
            return json_response(only(account, requested(request.arg("fields"))))
        return self.unknown_object(ident)


def _me() -> dict[str, str]:
    return {"id": "17841400000000999", "username": USERNAME}
