"""Hourly counts of mentions, kept exact at every change, so the dashboard never counts mentions.

One row per workspace, topic, UTC hour, facet and value says how many mentions there are:
`topic_id` 0 stands for all mentions of the workspace, the facets are `sentiment`, `channel`
and `language` (each mention is counted once per facet, "" for an unknown value). Counting
each facet on its own, rather than every combination, keeps the table near 15 rows per topic
and hour however varied the mentions are; the dashboard charts no combination of facets.

A dashboard for a set of topics must count a mention in two of them once, which per-topic
counts cannot tell. So each mention's exact set of topics is its *signature*
(`topic_signatures`: a workspace has few distinct ones, as topics overlap in few ways), and
`topic_set_rollups` counts the same facets per signature and hour. A set's count is the sum over
the signatures that share a topic with it: exact, each mention in one signature only. Mentions
in no topic have the empty signature "", so that a set holding most signatures can be counted
the other way round: all mentions less the signatures it does not touch, whichever reads fewer.

Whatever changes what a mention counts as goes through here, in the writer's transaction:

- ingest (`lyssna.storage.mentions.store_batch`) gathers a `Tally` for the whole batch (new
  mentions in, the previous version of edited ones out) and writes it with one upsert;
- a change to stored mentions (a correction, a re-score) runs inside `recount(...)`, which
  counts those mentions out before and back in after;
- a topic whose matches were (re)computed is `rebuild_topic`-ed, a removed one `forget_topic`-ed;
  both also move the mentions it matched before or matches now between signatures;
- `rebuild` recounts a whole workspace from the mentions (the migration that added the table,
  `lyssna recount`); it is idempotent.

Writes are increments (INSERT ... ON CONFLICT DO UPDATE SET mentions = mentions + n), sorted by
key, so two PostgreSQL writers add up instead of overwriting each other and take row locks in
the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    literal,
    select,
    text,
    union_all,
)

from lyssna.storage.schema import UTCDateTime, mention_topics, mentions, metadata

ALL_MENTIONS = 0  # the topic id of the rows that count every mention of the workspace
FACETS = ("sentiment", "channel", "language")

mention_rollups = Table(
    "mention_rollups",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    # No foreign key: 0 is "all mentions". A removed topic's rows go with `forget_topic`.
    Column("topic_id", Integer, primary_key=True),
    Column("facet", String(16), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),  # the start of the UTC hour
    Column("value", String(64), primary_key=True),
    Column("mentions", Integer, nullable=False),
    # The key is the only index, and on SQLite the table itself: a dashboard reads one
    # (workspace, topic, facet) range of hours.
    sqlite_with_rowid=False,
)

topic_signatures = Table(
    "topic_signatures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # The topic ids, ascending, joined by commas ("3,7"). No foreign key: a removed topic's
    # signatures lose their counts when the workspace's signatures are recounted.
    Column("topics", Text, nullable=False),
    UniqueConstraint("workspace_id", "topics"),
)

topic_set_rollups = Table(
    "topic_set_rollups",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "signature_id",
        ForeignKey("topic_signatures.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("facet", String(16), primary_key=True),
    Column("hour", UTCDateTime, primary_key=True),
    Column("value", String(64), primary_key=True),
    Column("mentions", Integer, nullable=False),
    # A set's dashboard reads one (workspace, signature, facet) range of hours per signature.
    sqlite_with_rowid=False,
)

_KEY = ("workspace_id", "topic_id", "facet", "hour", "value")
_SET_KEY = ("workspace_id", "signature_id", "facet", "hour", "value")
_CHUNK = 500


def _hour(created_at: Any) -> Any:
    """The UTC hour of a time in the driver's form (SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC,
    cut to 'YYYY-MM-DD HH') or of an aware datetime (truncated)."""
    if isinstance(created_at, str):
        return created_at[:13]
    return created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_key(hour: Any, dialect: str) -> Any:
    """What `_hour` gave, as the driver stores the `hour` column for `dialect`."""
    if isinstance(hour, str):
        return hour + ":00:00.000000"  # only SQLite hands over its times as text
    return hour.strftime("%Y-%m-%d %H:00:00.000000") if dialect == "sqlite" else hour


def signature(topic_ids: Iterable[int]) -> str:
    """A set of topics as `topic_signatures.topics` holds it ("" for none)."""
    return ",".join(str(t) for t in sorted(set(topic_ids)))


class Tally:
    """Changes to the counts, gathered in memory and written with one upsert per table.

    Ingest adds thousands of mentions a second, so `add` only counts mentions alike (same hour,
    sentiment, channel, language and topics); they are spread over the facets, topics and
    signatures once, when written. `per_topic=False` leaves the per-topic counts alone (a
    recount of the signatures only).
    """

    __slots__ = ("dialect", "alike", "per_topic")

    def __init__(self, dialect: str, *, per_topic: bool = True) -> None:
        self.dialect = dialect
        self.per_topic = per_topic
        # (hour, sentiment, channel, language, topic ids) -> mentions in (or out, when negative)
        self.alike: Counter[tuple[Any, str, str, str, tuple[int, ...]]] = Counter()

    def add(
        self,
        created_at: Any,
        sentiment: str | None,
        channel: str,
        lang: str | None,
        topic_ids: Iterable[int],
        sign: int = 1,
    ) -> None:
        """Count one mention in (sign 1) or out (sign -1), for all mentions and its topics."""
        key = (_hour(created_at), sentiment or "", channel, lang or "", tuple(topic_ids))
        self.alike[key] += sign

    def changes(self) -> Counter[tuple[int, str, Any, str]]:
        """(topic id, facet, hour, value) -> change, for every row the tally touches."""
        changes: Counter[tuple[int, str, Any, str]] = Counter()
        for (hour, sentiment, channel, lang, topic_ids), n in self.alike.items():
            if not n:
                continue
            key = _hour_key(hour, self.dialect)
            for topic in (ALL_MENTIONS, *topic_ids):
                changes[(topic, "sentiment", key, sentiment)] += n
                changes[(topic, "channel", key, channel)] += n
                changes[(topic, "language", key, lang)] += n
        return changes

    def set_changes(self) -> Counter[tuple[str, str, Any, str]]:
        """(signature, facet, hour, value) -> change, for every row the tally touches."""
        changes: Counter[tuple[str, str, Any, str]] = Counter()
        signatures: dict[tuple[int, ...], str] = {}  # a batch holds a few dozen
        hours: dict[Any, Any] = {}
        for (hour, sentiment, channel, lang, topic_ids), n in self.alike.items():
            if not n:
                continue
            key = hours.get(hour)
            if key is None:
                key = hours[hour] = _hour_key(hour, self.dialect)
            sig = signatures.get(topic_ids)
            if sig is None:
                sig = signatures[topic_ids] = signature(topic_ids)
            changes[(sig, "sentiment", key, sentiment)] += n
            changes[(sig, "channel", key, channel)] += n
            changes[(sig, "language", key, lang)] += n
        return changes

    def add_stored(self, conn: Connection, mention_ids: Sequence[int], sign: int = 1) -> None:
        """Count stored mentions in or out as the database holds them now (with their topics)."""
        for chunk in _chunks(mention_ids):
            topics: dict[int, list[int]] = {}
            for row in conn.execute(
                select(mention_topics.c.mention_id, mention_topics.c.topic_id).where(
                    mention_topics.c.mention_id.in_(chunk)
                )
            ):
                topics.setdefault(row.mention_id, []).append(row.topic_id)
            for row in conn.execute(
                select(
                    mentions.c.id,
                    mentions.c.created_at,
                    mentions.c.sentiment,
                    mentions.c.channel,
                    mentions.c.lang,
                ).where(mentions.c.id.in_(chunk))
            ):
                self.add(
                    row.created_at,
                    row.sentiment,
                    row.channel,
                    row.lang,
                    topics.get(row.id, ()),
                    sign,
                )

    def write(self, conn: Connection, workspace_id: int) -> None:
        """Apply the changes (increments), then drop the rows that fell to zero.

        The per-topic counts are written first: a recount from scratch locks that table first
        too (`_lock`), so the two never wait on each other in opposite orders.
        """
        if self.per_topic:
            rows = [(workspace_id, *key, n) for key, n in self.changes().items() if n]
            _increment(conn, "mention_rollups", _KEY, rows)
        set_changes = self.set_changes()
        self.alike.clear()
        _write_sets(conn, workspace_id, set_changes)


def _write_sets(
    conn: Connection, workspace_id: int, changes: Counter[tuple[str, str, Any, str]]
) -> None:
    nonzero = {key: n for key, n in changes.items() if n}
    if nonzero:
        ids = _signature_ids(conn, workspace_id, {key[0] for key in nonzero})
        rows = [(workspace_id, ids[sig], *rest, n) for (sig, *rest), n in nonzero.items()]
        _increment(conn, "topic_set_rollups", _SET_KEY, rows)


def _increment(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Add each row's last value to the count under its key; remove counts that reach zero."""
    if not rows:
        return
    rows.sort(key=_sort_key)
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}, mentions) "
        f"VALUES ({', '.join([marker] * (len(columns) + 1))}) "
        f"ON CONFLICT ({', '.join(columns)}) "
        f"DO UPDATE SET mentions = {table}.mentions + excluded.mentions",
        rows,
    )
    emptied = [row[:-1] for row in rows if row[-1] < 0]
    if emptied:
        where = " AND ".join(f"{column} = {marker}" for column in columns)
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE {where} AND mentions = 0", emptied)


def _signature_ids(conn: Connection, workspace_id: int, wanted: set[str]) -> dict[str, int]:
    """The ids of these signatures, added (in sorted order, as row locks are taken) if new."""
    found: dict[str, int] = {}

    def look_up(keys: list[str]) -> None:
        for chunk in _chunks(keys):
            rows = conn.execute(
                select(topic_signatures.c.id, topic_signatures.c.topics).where(
                    topic_signatures.c.workspace_id == workspace_id,
                    topic_signatures.c.topics.in_(chunk),
                )
            )
            found.update({r.topics: r.id for r in rows})

    look_up(sorted(wanted))
    missing = sorted(wanted - found.keys())
    if missing:
        marker = "?" if conn.dialect.name == "sqlite" else "%s"
        # DO NOTHING: another writer may add the same signature first; it is then looked up.
        conn.exec_driver_sql(
            f"INSERT INTO topic_signatures (workspace_id, topics) VALUES ({marker}, {marker}) "
            "ON CONFLICT (workspace_id, topics) DO NOTHING",
            [(workspace_id, key) for key in missing],
        )
        look_up(missing)
    return found


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (row[1], row[2], str(row[3]), row[4])


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@contextmanager
def recount(conn: Connection, workspace_id: int, mention_ids: Sequence[int]) -> Iterator[None]:
    """Keep the counts exact across a change to these stored mentions made inside the block.

    The mentions are counted out as they are before the block and back in as they are after it,
    so any change to their sentiment, language, time or topics is followed.
    """
    tally = Tally(conn.dialect.name)
    ids = list(mention_ids)
    tally.add_stored(conn, ids, -1)
    yield
    tally.add_stored(conn, ids, 1)
    tally.write(conn, workspace_id)


# --- recounting from the mentions ----------------------------------------------------------------


def _hour_sql(conn: Connection) -> Any:
    column = mentions.c.created_at
    if conn.dialect.name == "postgresql":
        # Truncated in UTC whatever the session's time zone, and kept a timestamptz.
        return func.timezone("UTC", func.date_trunc("hour", func.timezone("UTC", column)))
    return func.substr(column, 1, 13).concat(":00:00.000000")


def _grouped(conn: Connection, workspace_id: int, topic_id: int | None) -> Any:
    """SELECT workspace, topic, facet, hour, value, count for all mentions or one topic."""
    facets = {
        "sentiment": func.coalesce(mentions.c.sentiment, ""),
        "channel": mentions.c.channel,
        "language": func.coalesce(mentions.c.lang, ""),
    }
    hour = _hour_sql(conn)
    parts = []
    for facet, value in facets.items():
        statement = select(
            literal(workspace_id).label("workspace_id"),
            literal(topic_id or ALL_MENTIONS).label("topic_id"),
            literal(facet).label("facet"),
            hour.label("hour"),
            value.label("value"),
            func.count().label("mentions"),
        ).where(mentions.c.workspace_id == workspace_id)
        if topic_id is not None:
            statement = statement.join(
                mention_topics, mention_topics.c.mention_id == mentions.c.id
            ).where(mention_topics.c.topic_id == topic_id)
        parts.append(statement.group_by(text("hour"), text("value")))
    return union_all(*parts)


def _lock(conn: Connection) -> None:
    """On PostgreSQL, hold off concurrent increments while counts are recounted from scratch.

    An ingest that stored mentions before the lock commits before the recount reads them; one
    that comes after waits, and its increments land on the recounted rows. SQLite has a single
    writer already.
    """
    if conn.dialect.name == "postgresql":
        # In the order Tally.write takes them.
        conn.exec_driver_sql("LOCK TABLE mention_rollups IN SHARE ROW EXCLUSIVE MODE")
        conn.exec_driver_sql("LOCK TABLE topic_set_rollups IN SHARE ROW EXCLUSIVE MODE")


def rebuild_topic(conn: Connection, workspace_id: int, topic_id: int) -> None:
    """Recount one topic (after its matches were computed again), and move its mentions to
    their signatures."""
    _lock(conn)
    _forget_topic_rows(conn, workspace_id, topic_id)
    conn.execute(
        mention_rollups.insert().from_select(
            [*_KEY, "mentions"], _grouped(conn, workspace_id, topic_id)
        )
    )
    _move_topic(conn, workspace_id, topic_id)


def forget_topic(conn: Connection, workspace_id: int, topic_id: int) -> None:
    """Drop a removed topic's counts; its mentions move to the signatures without it."""
    _lock(conn)
    _forget_topic_rows(conn, workspace_id, topic_id)
    emptied = _move_topic(conn, workspace_id, topic_id)
    conn.execute(delete(topic_signatures).where(topic_signatures.c.id.in_(emptied)))


def _move_topic(conn: Connection, workspace_id: int, topic_id: int) -> list[int]:
    """Move mentions between signatures after a topic's matches changed (or went with it);
    returns the signatures that held the topic before.

    The signatures holding the topic count exactly the mentions it matched before. First they
    move whole to the same signature without the topic, as if it matched nothing; then the
    mentions it matches now move back from there to their own. So only the topic's rows and its
    current matches are read, never the whole workspace.
    """
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    holding = {i: t for i, t in _signatures(conn, workspace_id).items() if topic_id in t}
    changes: Counter[tuple[str, str, Any, str]] = Counter()
    for chunk in _chunks(list(holding)):
        for signature_id, facet, hour, value, n in conn.exec_driver_sql(
            "SELECT signature_id, facet, hour, value, mentions FROM topic_set_rollups "
            f"WHERE signature_id IN ({', '.join([marker] * len(chunk))})",
            tuple(chunk),
        ):
            topics = holding[signature_id]
            changes[(signature(topics), facet, hour, value)] -= n
            changes[(signature(topics - {topic_id}), facet, hour, value)] += n
    tally = Tally(conn.dialect.name, per_topic=False)
    for fields, topic_ids in _with_topics(
        conn.exec_driver_sql(
            "SELECT mt.mention_id, mt.topic_id, m.created_at, m.sentiment, m.channel, m.lang "
            "FROM mention_topics matched "
            "JOIN mentions m ON m.id = matched.mention_id "
            "JOIN mention_topics mt ON mt.mention_id = m.id "
            f"WHERE matched.topic_id = {marker} ORDER BY mt.mention_id",
            (topic_id,),
        )
    ):
        tally.add(*fields, [t for t in topic_ids if t != topic_id], -1)
        tally.add(*fields, topic_ids)
    changes.update(tally.set_changes())
    _write_sets(conn, workspace_id, changes)
    return list(holding)


def _with_topics(
    rows: Iterable[Any],
) -> Iterator[tuple[tuple[Any, str | None, str, str | None], list[int]]]:
    """(created_at, sentiment, channel, lang) and topic ids of each mention, from rows of
    (mention id, topic id, created_at, sentiment, channel, lang) in mention order."""
    last: int | None = None
    fields: tuple[Any, str | None, str, str | None] = (None, None, "", None)
    topic_ids: list[int] = []
    for mention_id, topic_id, created_at, sentiment, channel, lang in rows:
        if mention_id != last:
            if last is not None:
                yield fields, topic_ids
            last, fields, topic_ids = mention_id, (created_at, sentiment, channel, lang), []
        topic_ids.append(topic_id)
    if last is not None:
        yield fields, topic_ids


def _forget_topic_rows(conn: Connection, workspace_id: int, topic_id: int) -> None:
    conn.execute(
        delete(mention_rollups).where(
            mention_rollups.c.workspace_id == workspace_id,
            mention_rollups.c.topic_id == topic_id,
        )
    )


def rebuild_topic_sets(conn: Connection, workspace_id: int) -> int:
    """Recount the workspace's signatures from its topic matches; returns the rows written.

    The matched mentions are read once, in mention order, and counted with a `Tally`; the empty
    signature is what the all-mentions counts hold beyond them (`rebuild` recounts those first).
    """
    _lock(conn)
    conn.execute(delete(topic_set_rollups).where(topic_set_rollups.c.workspace_id == workspace_id))
    conn.execute(delete(topic_signatures).where(topic_signatures.c.workspace_id == workspace_id))
    marker = "?" if conn.dialect.name == "sqlite" else "%s"
    rows = conn.exec_driver_sql(
        "SELECT mt.mention_id, mt.topic_id, m.created_at, m.sentiment, m.channel, m.lang "
        "FROM mention_topics mt JOIN mentions m ON m.id = mt.mention_id "
        f"WHERE m.workspace_id = {marker} ORDER BY mt.mention_id",
        (workspace_id,),
    )
    tally = Tally(conn.dialect.name, per_topic=False)
    for fields, topic_ids in _with_topics(rows):
        tally.add(*fields, topic_ids)
    changes = tally.set_changes()
    # Mentions in no topic: all mentions (whose counts are exact) less those in a signature.
    in_topics: Counter[tuple[str, Any, str]] = Counter()
    for (_sig, facet, hour, value), n in changes.items():
        in_topics[(facet, hour, value)] += n
    for facet, hour, value, n in conn.exec_driver_sql(
        "SELECT facet, hour, value, mentions FROM mention_rollups "
        f"WHERE workspace_id = {marker} AND topic_id = {marker}",
        (workspace_id, ALL_MENTIONS),
    ):
        changes[("", facet, hour, value)] += n - in_topics[(facet, hour, value)]
    _write_sets(conn, workspace_id, changes)
    return sum(1 for n in changes.values() if n)


def rebuild(conn: Connection, workspace_id: int) -> int:
    """Recount a whole workspace from its mentions and topic matches; returns the rows written.

    Idempotent: the workspace's rows (and signatures) are replaced.
    """
    from lyssna.storage.schema import topics

    _lock(conn)
    conn.execute(delete(mention_rollups).where(mention_rollups.c.workspace_id == workspace_id))
    topic_ids = conn.execute(
        select(topics.c.id).where(topics.c.workspace_id == workspace_id).order_by(topics.c.id)
    ).scalars()
    for topic_id in [None, *topic_ids]:
        conn.execute(
            mention_rollups.insert().from_select(
                [*_KEY, "mentions"], _grouped(conn, workspace_id, topic_id)
            )
        )
    per_topic = int(
        conn.execute(
            select(func.count())
            .select_from(mention_rollups)
            .where(mention_rollups.c.workspace_id == workspace_id)
        ).scalar_one()
    )
    return per_topic + rebuild_topic_sets(conn, workspace_id)


# --- reading -------------------------------------------------------------------------------------


def hour_start(at: datetime) -> datetime:
    """The start of the UTC hour `at` is in."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def next_whole_hour(at: datetime) -> datetime:
    """`at` if it starts a UTC hour, else the start of the next one (in UTC)."""
    start = hour_start(at)
    return start if start == at else start + timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HourCount:
    hour: datetime  # UTC, start of the hour
    value: str  # "" when unknown
    mentions: int


def _counts(
    conn: Connection,
    workspace_id: int,
    topics: Sequence[int],
    facet: str,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    """The rows (hour, value, mentions) to add up for all mentions (no topics), one topic, or
    a set of topics; a (hour, value) may come in several rows, some negative."""

    def rows(table: Table, condition: Any, weight: int = 1) -> Any:
        where = [table.c.workspace_id == workspace_id, condition, table.c.facet == facet]
        if since is not None:
            where.append(table.c.hour >= since)
        if until is not None:
            where.append(table.c.hour < until)
        count = table.c.mentions if weight == 1 else table.c.mentions * weight
        return select(table.c.hour, table.c.value, count.label("mentions")).where(*where)

    chosen = set(topics)
    if len(chosen) < 2:
        topic = topics[0] if topics else ALL_MENTIONS
        return rows(mention_rollups, mention_rollups.c.topic_id == topic).subquery()
    signature_id = topic_set_rollups.c.signature_id
    way = _cheapest_way(_signatures(conn, workspace_id), chosen)
    parts = [
        rows(mention_rollups, mention_rollups.c.topic_id.in_(way.topics)),
        *(rows(topic_set_rollups, signature_id.in_(ids), w) for w, ids in way.weighted.items()),
    ]
    if not way.topics:
        parts = parts[1:]
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


@dataclass(slots=True)
class _Way:
    """How to add up a set's count: these per-topic rows (0: all mentions), plus the rows of
    these signatures times their weight."""

    topics: list[int]
    weighted: dict[int, list[int]]  # weight -> signature ids


def _cheapest_way(signatures: dict[int, frozenset[int]], chosen: set[int]) -> _Way:
    return min(_ways(signatures, chosen), key=lambda way: way[0])[1]


def _ways(signatures: dict[int, frozenset[int]], chosen: set[int]) -> list[tuple[int, _Way]]:
    """Three exact ways to count the mentions in any of `chosen`, each with how many
    signatures it reads (per-topic rows, all mentions and the empty signature are dense, so
    each counts as two):

    - the signatures that share a topic with the set;
    - all mentions less the signatures that share none (the empty one included);
    - each chosen topic's own counts, less the mentions counted more than once: a signature
      holding k of the chosen topics was counted k times, so k - 1 times its count comes off.
    """
    touched = [i for i, topics in signatures.items() if topics & chosen]
    untouched = [i for i, topics in signatures.items() if not topics & chosen]
    overlaps: dict[int, list[int]] = {}
    for i, topics in signatures.items():
        if len(topics & chosen) > 1:
            overlaps.setdefault(1 - len(topics & chosen), []).append(i)
    return [
        (len(touched), _Way([], {1: touched})),
        (len(untouched) + 3, _Way([ALL_MENTIONS], {-1: untouched})),
        (2 * len(chosen) + sum(map(len, overlaps.values())), _Way(sorted(chosen), overlaps)),
    ]


def _signatures(conn: Connection, workspace_id: int) -> dict[int, frozenset[int]]:
    """The workspace's signatures (a few hundred at most in practice: all are read)."""
    return {
        r.id: frozenset(int(t) for t in r.topics.split(",") if t)
        for r in conn.execute(
            select(topic_signatures.c.id, topic_signatures.c.topics).where(
                topic_signatures.c.workspace_id == workspace_id
            )
        )
    }


def by_hour(
    conn: Connection,
    workspace_id: int,
    facet: str,
    since: datetime,
    until: datetime,
    topics: Sequence[int] = (),
) -> list[HourCount]:
    """Counts per UTC hour and value of `facet`, for hours starting in [since, until), of all
    mentions (no topics) or of those in any of `topics` (each counted once)."""
    found = _counts(conn, workspace_id, topics, facet, since, until)
    rows = conn.execute(
        select(found.c.hour, found.c.value, func.sum(found.c.mentions).label("n")).group_by(
            found.c.hour, found.c.value
        )
    )
    return [HourCount(_as_time(r.hour), r.value, int(r.n)) for r in rows if r.n]


def _as_time(hour: Any) -> datetime:
    # Through a UNION, SQLite hands the column back as stored (text).
    if isinstance(hour, str):
        return datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=UTC)
    return hour  # type: ignore[no-any-return]


def totals(
    conn: Connection,
    workspace_id: int,
    facet: str,
    since: datetime | None,
    until: datetime | None,
    topics: Sequence[int] = (),
) -> Counter[str]:
    """Counts per value of `facet` over a period (None: since or until the beginning)."""
    found = _counts(conn, workspace_id, topics, facet, since, until)
    rows = conn.execute(
        select(found.c.value, func.sum(found.c.mentions).label("n")).group_by(found.c.value)
    )
    return Counter({r.value: int(r.n) for r in rows if r.n})


def total(
    conn: Connection,
    workspace_id: int,
    since: datetime | None,
    until: datetime | None,
    topics: Sequence[int] = (),
) -> int:
    """How many mentions (in any of `topics`) there are in a period."""
    found = _counts(conn, workspace_id, topics, "sentiment", since, until)
    return int(conn.execute(select(func.sum(found.c.mentions))).scalar_one() or 0)


def per_topic_counts(
    conn: Connection,
    workspace_id: int,
    topic_ids: Sequence[int],
    facet: str,
    since: datetime | None,
    until: datetime | None,
    *,
    hourly: bool,
) -> list[tuple[int, datetime | None, str, int]]:
    """(topic id, UTC hour or None unless `hourly`, value, mentions) for each of `topic_ids`
    (ALL_MENTIONS among them: all mentions) and value of `facet`, over the hours starting in
    [since, until) (None: since or until the beginning)."""
    table = mention_rollups
    where = [
        table.c.workspace_id == workspace_id,
        table.c.topic_id.in_(list(topic_ids)),
        table.c.facet == facet,
    ]
    if since is not None:
        where.append(table.c.hour >= since)
    if until is not None:
        where.append(table.c.hour < until)
    keys = (
        [table.c.topic_id, table.c.hour, table.c.value]
        if hourly
        else [table.c.topic_id, table.c.value]
    )
    rows = conn.execute(
        select(*keys, func.sum(table.c.mentions).label("n")).where(*where).group_by(*keys)
    )
    return [
        (r.topic_id, _as_time(r.hour) if hourly else None, r.value, int(r.n)) for r in rows if r.n
    ]


def per_topic(
    conn: Connection, workspace_id: int, topic_ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, int]:
    """How many mentions each topic has in a period."""
    if not topic_ids:
        return {}
    rows = conn.execute(
        select(mention_rollups.c.topic_id, func.sum(mention_rollups.c.mentions).label("n"))
        .where(
            mention_rollups.c.workspace_id == workspace_id,
            mention_rollups.c.topic_id.in_(list(topic_ids)),
            mention_rollups.c.facet == "sentiment",
            mention_rollups.c.hour >= since,
            mention_rollups.c.hour < until,
        )
        .group_by(mention_rollups.c.topic_id)
    )
    return {r.topic_id: int(r.n) for r in rows if r.n}
