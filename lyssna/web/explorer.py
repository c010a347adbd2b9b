"""Searching mentions for the explorer page and the API: filters, pages, highlighted text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import Connection

from lyssna.core.errors import UserError
from lyssna.core.records import SENTIMENTS
from lyssna.explanations import with_explanations
from lyssna.query import Query, parse
from lyssna.query.parser import And
from lyssna.storage.mentions import topic_names_for
from lyssna.storage.search import MentionFilter, StoredMention, iter_matching

MAX_PAGE = 500  # deeper pages walk too many rows; narrow the search instead
EXPORT_LIMIT = 100_000
_FIELD_VALUE = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    q: str = ""
    topic_id: int | None = None
    channel: str | None = None
    lang: str | None = None
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 25


@dataclass(slots=True)
class Hit:
    mention: StoredMention
    # The text cut into pieces; True marks a piece the query matched.
    segments: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(slots=True)
class SearchResult:
    hits: list[Hit]
    page: int
    per_page: int
    has_next: bool


def _field(name: str, value: str | None) -> Query | None:
    if not value:
        return None
    if not _FIELD_VALUE.match(value):
        raise UserError(f"{value!r} is not a valid {name}")
    return parse(f"{name}:{value}")


def compile_request(req: SearchRequest) -> tuple[MentionFilter, Query | None]:
    """The database filter and the user's own query (for highlighting).

    The user's query is parsed alone, so a syntax error's column points into what they typed;
    the dropdown filters are then ANDed to it as field conditions.
    """
    user_query = parse(req.q) if req.q.strip() else None
    if req.sentiment and req.sentiment not in SENTIMENTS:
        raise UserError(f"unknown sentiment {req.sentiment!r}")
    parts = [
        q
        for q in (
            user_query,
            _field("channel", req.channel),
            _field("lang", req.lang),
            _field("sentiment", req.sentiment),
        )
        if q is not None
    ]
    combined: Query | None
    if not parts:
        combined = None
    elif len(parts) == 1:
        combined = parts[0]
    else:
        combined = Query(And(tuple(p.root for p in parts)))
    flt = MentionFilter(query=combined, topic_id=req.topic_id, since=req.since, until=req.until)
    return flt, user_query


def segments(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`text` cut at the spans (merged, in order); escaping is left to the template."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def hit(mention: StoredMention, user_query: Query | None) -> Hit:
    spans = user_query.highlight(mention.match_document()) if user_query else []
    return Hit(mention, segments(mention.text, spans))


def search(conn: Connection, workspace_id: int, req: SearchRequest) -> SearchResult:
    page = min(max(req.page, 1), MAX_PAGE)
    per_page = min(max(req.per_page, 1), 100)
    flt, user_query = compile_request(req)
    found = list(
        islice(iter_matching(conn, workspace_id, flt), (page - 1) * per_page, page * per_page + 1)
    )
    has_next = len(found) > per_page
    found = with_explanations(conn, workspace_id, found[:per_page])
    names = topic_names_for(conn, [m.id for m in found])
    for m in found:
        m.topics = names[m.id]
    return SearchResult([hit(m, user_query) for m in found], page, per_page, has_next)


def export(conn: Connection, workspace_id: int, req: SearchRequest) -> Iterator[StoredMention]:
    flt, _ = compile_request(req)
    return islice(iter_matching(conn, workspace_id, flt), EXPORT_LIMIT)


def find_mention(conn: Connection, workspace_id: int, mention_id: int) -> StoredMention | None:
    """One mention of this workspace (None for another workspace's id), with its topics."""
    from sqlalchemy import select

    from lyssna.storage.schema import mentions
    from lyssna.storage.search import _COLUMNS, _stored

    row = conn.execute(
        select(*_COLUMNS).where(
            mentions.c.id == mention_id, mentions.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        return None
    mention = with_explanations(conn, workspace_id, [_stored(row)])[0]
    mention.topics = topic_names_for(conn, [mention.id])[mention.id]
    return mention
