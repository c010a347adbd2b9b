"""Mentions: storing prepared batches (new, edited, duplicate) and reading them back.

Every function takes a connection inside a transaction the caller owns; nothing here commits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from lyssna.core.clock import utcnow
from lyssna.core.records import IncomingMention, TextAnalysis
from lyssna.storage import events, rollups
from lyssna.storage.dialect import db_json, db_time, insert_sql, reserve_ids, update_by_id_sql
from lyssna.storage.schema import mention_topics, mentions

# Parameters per statement stay well under SQLite's limit (32,766).
_CHUNK = 500


@dataclass(slots=True)
class StoreOutcome:
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    matched: Counter[int] = field(default_factory=Counter)  # topic id -> mentions matched


# What a prepared mention brings, in this order, already in the driver's form for its database
# (see `storable`); the store adds the batch columns in front.
VALUE_COLUMNS = (
    "channel", "external_id", "text", "search_terms", "text_hash", "fingerprint",
    "near_duplicate", "created_at", "author_handle", "author_name", "author_followers", "url",
    "host", "reply_to", "lang", "lang_variant", "lang_confidence", "sentiment", "sentiment_score",
    "explanation", "likes", "shares", "replies", "views", "raw",
)  # fmt: skip
BATCH_COLUMNS = ("id", "workspace_id", "source_id", "collected_at", "updated_at")
JSON_COLUMNS = ("explanation", "raw")
_SENTIMENT = VALUE_COLUMNS.index("sentiment")
_LANG = VALUE_COLUMNS.index("lang")
_SEARCH_TERMS = VALUE_COLUMNS.index("search_terms")


@dataclass(slots=True)
class StorableMention:
    """A mention ready for the database, small enough to send between processes cheaply."""

    channel: str
    external_id: str
    text_hash: str
    fingerprint: str
    created_at: Any  # in the driver's form for the target database
    topic_ids: list[int]
    values: tuple[Any, ...]  # VALUE_COLUMNS, in the driver's form

    def __reduce__(self) -> tuple[Any, ...]:
        # As a plain tuple of fields: half the cost of the dataclass's default pickling, paid
        # for every mention a worker sends to the writer.
        return (
            StorableMention,
            (
                self.channel,
                self.external_id,
                self.text_hash,
                self.fingerprint,
                self.created_at,
                self.topic_ids,
                self.values,
            ),
        )


def storable(
    m: IncomingMention,
    a: TextAnalysis,
    search_terms: str,
    topic_ids: list[int],
    dialect: str,
    raw_json: str | None = None,
) -> StorableMention:
    """Convert once, where the CPU is to spare (a worker process), what the writer will insert."""
    created_at = db_time(m.created_at, dialect)
    author = m.author
    explanation = (
        None
        if a.explanation is None  # worked out when a person looks (lyssna.explanations)
        else [{"kind": r.kind, "text": r.text, "weight": r.weight} for r in a.explanation]
    )
    values = (
        m.channel, m.external_id, m.text, search_terms, m.text_hash, m.fingerprint,
        False, created_at,
        author.handle if author else None, author.name if author else None,
        author.followers if author else None,
        m.url, m.host, m.reply_to,
        a.lang, a.lang_variant, a.lang_confidence, a.sentiment, a.sentiment_score,
        db_json(explanation),
        m.metrics.likes, m.metrics.shares, m.metrics.replies, m.metrics.views,
        db_json(m.raw, raw_json),
    )  # fmt: skip
    return StorableMention(
        m.channel, m.external_id, m.text_hash, m.fingerprint, created_at, topic_ids, values
    )


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def store_batch(
    conn: Connection, workspace_id: int, source_id: int | None, batch: Sequence[StorableMention]
) -> StoreOutcome:
    """Insert new mentions, update edited ones, skip exact repeats; topics, flags and events too."""
    outcome = StoreOutcome()
    dialect = conn.dialect.name
    # Within one batch the last version of a record wins, as if they had come one by one.
    latest: dict[tuple[str, str], StorableMention] = {}
    for p in batch:
        key = (p.channel, p.external_id)
        if key in latest:
            outcome.duplicates += 1
        latest[key] = p
    # Looked up one channel at a time, so that each lookup walks the unique index
    # (workspace_id, channel, external_id); SQLite would scan the workspace for a row-value IN.
    by_channel: dict[str, list[str]] = defaultdict(list)
    for channel, external_id in latest:
        by_channel[channel].append(external_id)
    existing: dict[tuple[str, str], tuple[int, str]] = {}
    for channel, external_ids in by_channel.items():
        for chunk in _chunks(external_ids):
            rows = conn.execute(
                select(mentions.c.id, mentions.c.external_id, mentions.c.text_hash).where(
                    mentions.c.workspace_id == workspace_id,
                    mentions.c.channel == channel,
                    mentions.c.external_id.in_(chunk),
                )
            )
            for r in rows:
                existing[(channel, r.external_id)] = (r.id, r.text_hash)

    fresh: list[StorableMention] = []
    edited: list[tuple[int, StorableMention]] = []
    repeated: list[tuple[int, StorableMention]] = []
    for key, p in latest.items():
        found = existing.get(key)
        if found is None:
            fresh.append(p)
        elif found[1] == p.text_hash:
            outcome.duplicates += 1
            repeated.append((found[0], p))
        else:
            edited.append((found[0], p))

    # Dashboard counts (lyssna.storage.rollups): edited mentions out as stored, then every new
    # and edited version in; written once for the batch.
    tally = rollups.Tally(dialect)
    tally.add_stored(conn, [i for i, _ in edited], -1)

    now = db_time(utcnow(), dialect)
    new_ids: list[int] = []
    if fresh:
        new_ids = reserve_ids(conn, mentions, len(fresh))
        head = (workspace_id, source_id, now, now)
        conn.exec_driver_sql(
            insert_sql(dialect, "mentions", BATCH_COLUMNS + VALUE_COLUMNS, JSON_COLUMNS),
            [(i, *head, *p.values) for i, p in zip(new_ids, fresh, strict=True)],
        )
        if dialect == "sqlite":
            # The full-text index, filled here for the whole batch: an AFTER INSERT trigger
            # doing the same costs three times the rest of the insert (migration 0008).
            conn.exec_driver_sql(
                "INSERT INTO mentions_fts(rowid, search_terms) VALUES (?, ?)",
                [(i, p.values[_SEARCH_TERMS]) for i, p in zip(new_ids, fresh, strict=True)],
            )
    if edited:
        # The first collection time stays; everything else follows the edit.
        conn.exec_driver_sql(
            update_by_id_sql(
                dialect, "mentions", ("source_id", "updated_at", *VALUE_COLUMNS), JSON_COLUMNS
            ),
            [(source_id, now, *p.values, i) for i, p in edited],
        )
        for chunk in _chunks([i for i, _ in edited]):
            conn.execute(delete(mention_topics).where(mention_topics.c.mention_id.in_(chunk)))

    if repeated:
        _refresh_metrics(conn, repeated)

    matches: list[tuple[int, int, Any]] = []
    for mention_id, p in [*zip(new_ids, fresh, strict=True), *edited]:
        for topic_id in p.topic_ids:
            matches.append((topic_id, mention_id, p.created_at))
            outcome.matched[topic_id] += 1
        tally.add(p.created_at, p.values[_SENTIMENT], p.channel, p.values[_LANG], p.topic_ids)
    if matches:
        conn.exec_driver_sql(
            insert_sql(dialect, "mention_topics", ("topic_id", "mention_id", "created_at"), ()),
            matches,
        )

    tally.write(conn, workspace_id)
    _flag_near_duplicates(
        conn,
        workspace_id,
        [(i, p.fingerprint) for i, p in [*zip(new_ids, fresh, strict=True), *edited]],
    )
    events.emit_many(conn, workspace_id, events.MENTION_NEW, [(i, None) for i in new_ids])
    events.emit_many(conn, workspace_id, events.MENTION_UPDATED, [(i, None) for i, _ in edited])
    outcome.new = len(new_ids)
    outcome.updated = len(edited)
    return outcome


_METRICS = ("likes", "shares", "replies", "views")
_METRIC_SLOTS = [VALUE_COLUMNS.index(m) for m in _METRICS]


def _refresh_metrics(conn: Connection, repeated: list[tuple[int, StorableMention]]) -> None:
    """A repeated mention keeps its text, but its engagement counts follow the newest reading.

    A count the new reading does not report (None) keeps the stored value.
    """
    dialect = conn.dialect.name
    marker = "?" if dialect == "sqlite" else "%s"
    differs = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    sets = ", ".join(f"{m} = coalesce({marker}, {m})" for m in _METRICS)
    changed = " OR ".join(f"coalesce({marker}, {m}) {differs} {m}" for m in _METRICS)
    statement = f"UPDATE mentions SET {sets} WHERE id = {marker} AND ({changed})"
    rows = []
    for mention_id, p in repeated:
        counts = [p.values[i] for i in _METRIC_SLOTS]
        if any(c is not None for c in counts):
            rows.append((*counts, mention_id, *counts))
    if rows:
        conn.exec_driver_sql(statement, rows)


def _flag_near_duplicates(
    conn: Connection, workspace_id: int, stored: list[tuple[int, str]]
) -> None:
    """Flag every mention whose words (links and handles aside) another mention repeats.

    Kept true after every batch: all mentions of a fingerprint shared by two or more are flagged.
    So only this batch's mentions and the groups this batch turned into copies need updating; a
    big copy-paste campaign is never walked again for each batch that adds to it.
    """
    changed = [(i, f) for i, f in stored if f]  # (id, fingerprint) of new and edited mentions
    if not changed:
        return
    in_batch = Counter(f for _, f in changed)
    totals: dict[str, int] = {}
    for chunk in _chunks(sorted({f for _, f in changed})):
        rows = conn.execute(
            select(mentions.c.fingerprint, func.count())
            .where(mentions.c.workspace_id == workspace_id, mentions.c.fingerprint.in_(chunk))
            .group_by(mentions.c.fingerprint)
        )
        totals.update((r[0], r[1]) for r in rows)
    ids = [i for i, f in changed if totals.get(f, 0) > 1]
    # A group that had at most one mention before this batch: that one is not flagged yet.
    became = sorted(f for f, n in totals.items() if n > 1 and n - in_batch[f] <= 1)
    for chunk in _chunks(ids):
        conn.execute(
            update(mentions)
            .where(mentions.c.id.in_(chunk), mentions.c.near_duplicate.is_(False))
            .values(near_duplicate=True)
        )
    for chunk in _chunks(became):
        conn.execute(
            update(mentions)
            .where(
                mentions.c.workspace_id == workspace_id,
                mentions.c.fingerprint.in_(chunk),
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
