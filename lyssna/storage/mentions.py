"""Mentions: storing prepared batches (new, edited, duplicate) and reading them back.

Every function takes a connection inside a transaction the caller owns; nothing here commits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, delete, func, select, tuple_, update

from lyssna.core.clock import utcnow
from lyssna.storage import events
from lyssna.storage.dialect import bulk_insert, reserve_ids
from lyssna.storage.schema import mention_topics, mentions

if TYPE_CHECKING:
    from lyssna.pipeline.prepare import PreparedMention

# Parameters per statement stay well under SQLite's limit (32,766).
_CHUNK = 500


@dataclass(slots=True)
class StoreOutcome:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    matched: Counter[int] = field(default_factory=Counter)  # topic id -> mentions matched

    def add(self, other: StoreOutcome) -> None:
        self.new += other.new
        self.updated += other.updated
        self.duplicates += other.duplicates
        self.matched.update(other.matched)


def _row(
    p: PreparedMention, workspace_id: int, source_id: int | None, now: datetime
) -> dict[str, Any]:
    m, a = p.mention, p.analysis
    return {
        "workspace_id": workspace_id,
        "channel": m.channel,
        "external_id": m.external_id,
        "source_id": source_id,
        "text": m.text,
        "search_terms": p.search_terms,
        "text_hash": m.text_hash,
        "fingerprint": m.fingerprint,
        "near_duplicate": False,
        "created_at": m.created_at,
        "collected_at": now,
        "updated_at": now,
        "author_handle": m.author.handle if m.author else None,
        "author_name": m.author.name if m.author else None,
        "author_followers": m.author.followers if m.author else None,
        "url": m.url,
        "host": m.host,
        "reply_to": m.reply_to,
        "lang": a.lang,
        "lang_variant": a.lang_variant,
        "lang_confidence": a.lang_confidence,
        "sentiment": a.sentiment,
        "sentiment_score": a.sentiment_score,
        "explanation": [
            {"kind": r.kind, "text": r.text, "weight": r.weight} for r in a.explanation
        ],
        "likes": m.metrics.likes,
        "shares": m.metrics.shares,
        "replies": m.metrics.replies,
        "views": m.metrics.views,
        "raw": m.raw,
    }


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def store_batch(
    conn: Connection, workspace_id: int, source_id: int | None, batch: Sequence[PreparedMention]
) -> StoreOutcome:
    """Insert new mentions, update edited ones, skip exact repeats; topics, flags and events too."""
    outcome = StoreOutcome()
    # Within one batch the last version of a record wins, as if they had come one by one.
    latest: dict[tuple[str, str], PreparedMention] = {}
    for p in batch:
        key = (p.mention.channel, p.mention.external_id)
        if key in latest:
            outcome.duplicates += 1
        latest[key] = p
    existing: dict[tuple[str, str], tuple[int, str]] = {}
    keys = list(latest)
    for chunk in _chunks(keys):
        rows = conn.execute(
            select(mentions.c.id, mentions.c.channel, mentions.c.external_id, mentions.c.text_hash)
            .where(mentions.c.workspace_id == workspace_id)
            .where(tuple_(mentions.c.channel, mentions.c.external_id).in_(chunk))
        )
        for r in rows:
            existing[(r.channel, r.external_id)] = (r.id, r.text_hash)

    now = utcnow()
    fresh: list[PreparedMention] = []
    edited: list[tuple[int, PreparedMention]] = []
    for key, p in latest.items():
        found = existing.get(key)
        if found is None:
            fresh.append(p)
        elif found[1] == p.mention.text_hash:
            outcome.duplicates += 1
        else:
            edited.append((found[0], p))

    new_ids: list[int] = []
    if fresh:
        new_ids = reserve_ids(conn, mentions, len(fresh))
        rows = [_row(p, workspace_id, source_id, now) for p in fresh]
        for mention_id, row in zip(new_ids, rows, strict=True):
            row["id"] = mention_id
        bulk_insert(conn, mentions, rows)
    if edited:
        _update_edited(conn, workspace_id, source_id, edited, now)

    matches: list[dict[str, Any]] = []
    for mention_id, p in [*zip(new_ids, fresh, strict=True), *edited]:
        for topic_id in p.topic_ids:
            matches.append(
                {"topic_id": topic_id, "mention_id": mention_id, "created_at": p.mention.created_at}
            )
            outcome.matched[topic_id] += 1
    bulk_insert(conn, mention_topics, matches)

    _flag_near_duplicates(conn, workspace_id, {p.mention.fingerprint for p in latest.values()})
    events.emit_many(conn, workspace_id, events.MENTION_NEW, [(i, None) for i in new_ids])
    events.emit_many(conn, workspace_id, events.MENTION_UPDATED, [(i, None) for i, _ in edited])
    outcome.new = len(new_ids)
    outcome.updated = len(edited)
    return outcome


def _update_edited(
    conn: Connection,
    workspace_id: int,
    source_id: int | None,
    edited: list[tuple[int, PreparedMention]],
    now: datetime,
) -> None:
    keep = {"collected_at"}  # first collection time stays; everything else follows the edit
    params = []
    for mention_id, p in edited:
        row = {k: v for k, v in _row(p, workspace_id, source_id, now).items() if k not in keep}
        row = {f"new_{k}": v for k, v in row.items()}
        row["target_id"] = mention_id
        params.append(row)
    columns = [k.removeprefix("new_") for k in params[0] if k != "target_id"]
    statement = (
        update(mentions)
        .where(mentions.c.id == bindparam("target_id"))
        .values({c: bindparam(f"new_{c}") for c in columns})
    )
    conn.execute(statement, params)
    ids = [i for i, _ in edited]
    for chunk in _chunks(ids):
        conn.execute(delete(mention_topics).where(mention_topics.c.mention_id.in_(chunk)))


def _flag_near_duplicates(conn: Connection, workspace_id: int, fingerprints: set[str]) -> None:
    """Flag every mention whose words (links and handles aside) another mention repeats."""
    candidates = sorted(f for f in fingerprints if f)
    for chunk in _chunks(candidates):
        repeated = (
            select(mentions.c.fingerprint)
            .where(mentions.c.workspace_id == workspace_id, mentions.c.fingerprint.in_(chunk))
            .group_by(mentions.c.fingerprint)
            .having(func.count() > 1)
        )
        conn.execute(
            update(mentions)
            .where(
                mentions.c.workspace_id == workspace_id,
                mentions.c.fingerprint.in_(repeated),
                mentions.c.near_duplicate.is_(False),
            )
            .values(near_duplicate=True)
        )


def count(conn: Connection, workspace_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(mentions)
            .where(mentions.c.workspace_id == workspace_id)
        ).scalar_one()
    )


def topic_names_for(conn: Connection, mention_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the topics each mention matched."""
    from lyssna.storage.schema import topics

    names: dict[int, list[str]] = {i: [] for i in mention_ids}
    for chunk in _chunks(list(mention_ids)):
        rows = conn.execute(
            select(mention_topics.c.mention_id, topics.c.name)
            .join(topics, topics.c.id == mention_topics.c.topic_id)
            .where(mention_topics.c.mention_id.in_(chunk))
            .order_by(topics.c.name)
        )
        for r in rows:
            names[r.mention_id].append(r.name)
    return names
