"""Searching and counting stored mentions with the listening query language.

The database narrows candidates (full-text index, field columns, time, topic); every candidate is
then checked with the same `Query.matches` that ingest uses, so a query means the same thing on
incoming and stored mentions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, exists, func, literal_column, or_, select

from lyssna.core.records import Author, Metrics, Reason
from lyssna.query import MatchDocument, Query
from lyssna.query.sql import candidate_filter, uses_full_text
from lyssna.storage import rollups
from lyssna.storage.schema import mention_topics, mentions

Period = Literal["hour", "day"]

_PAGE = 1000


@dataclass(slots=True)
class StoredMention:
    id: int
    channel: str
    external_id: str
    created_at: datetime
    text: str
    author: Author | None
    url: str | None
    host: str | None
    reply_to: str | None
    lang: str | None
    lang_variant: str | None
    lang_confidence: float | None
    sentiment: str | None
    sentiment_score: float | None
    explanation: tuple[Reason, ...] | None  # None: not worked out yet (lyssna.explanations)
    metrics: Metrics
    near_duplicate: bool
    topics: list[str] = field(default_factory=list)

    def match_document(self) -> MatchDocument:
        return MatchDocument.build(
            self.text,
            lang=self.lang,
            lang_variant=self.lang_variant,
            channel=self.channel,
            author=self.author.handle if self.author else None,
            host=self.host,
            sentiment=self.sentiment,
        )


def _stored(row: Any) -> StoredMention:
    author = (
        Author(row.author_handle, row.author_name, row.author_followers)
        if row.author_handle
        else None
    )
    return StoredMention(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        created_at=row.created_at,
        text=row.text,
        author=author,
        url=row.url,
        host=row.host,
        reply_to=row.reply_to,
        lang=row.lang,
        lang_variant=row.lang_variant,
        lang_confidence=row.lang_confidence,
        sentiment=row.sentiment,
        sentiment_score=row.sentiment_score,
        explanation=(
            None if row.explanation is None else tuple(Reason(**r) for r in row.explanation)
        ),
        metrics=Metrics(row.likes, row.shares, row.replies, row.views),
        near_duplicate=bool(row.near_duplicate),
    )


_COLUMNS = [c for c in mentions.c if c.name not in ("raw", "search_terms")]


def mentions_by_id(
    conn: Connection, workspace_id: int, ids: Sequence[int]
) -> dict[int, StoredMention]:
    """The workspace's mentions with these ids (missing ids are left out)."""
    found: dict[int, StoredMention] = {}
    for start in range(0, len(ids), 500):
        # By id alone, the workspace checked here: given "workspace_id = ?" too, SQLite without
        # statistics may walk a (workspace, ...) index through every mention instead.
        rows = conn.execute(
            select(*_COLUMNS).where(mentions.c.id.in_(list(ids[start : start + 500])))
        )
        for row in rows:
            if row.workspace_id == workspace_id:
                found[row.id] = _stored(row)
    return found


def replies_to(
    conn: Connection, workspace_id: int, channel: str, external_id: str
) -> list[StoredMention]:
    """Stored mentions that answer the given one, oldest first."""
    rows = conn.execute(
        select(*_COLUMNS)
        .where(
            mentions.c.workspace_id == workspace_id,
            mentions.c.channel == channel,
            mentions.c.reply_to == external_id,
        )
        .order_by(mentions.c.created_at)
    )
    return [_stored(r) for r in rows]


def by_external_id(
    conn: Connection, workspace_id: int, channel: str, external_id: str
) -> StoredMention | None:
    row = conn.execute(
        select(*_COLUMNS).where(
            mentions.c.workspace_id == workspace_id,
            mentions.c.channel == channel,
            mentions.c.external_id == external_id,
        )
    ).first()
    return _stored(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class MentionFilter:
    query: Query | None = None
    topic_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def _conditions(
    conn: Connection, workspace_id: int, flt: MentionFilter, *, walk: bool = False
) -> list[Any]:
    """The filter in SQL. `walk`: as checks on each row of a walk in time order, so without the
    full-text search and with the topic looked up per row (either would first list every
    mention it holds)."""
    conditions: list[Any] = [mentions.c.workspace_id == workspace_id]
    if flt.query is not None:
        narrowing = candidate_filter(flt.query, conn.dialect.name, full_text=not walk)
        if narrowing is not None:
            conditions.append(narrowing)
    if flt.topic_id is not None:
        in_topic = select(mention_topics.c.mention_id).where(
            mention_topics.c.topic_id == flt.topic_id
        )
        if walk:
            conditions.append(exists(in_topic.where(mention_topics.c.mention_id == mentions.c.id)))
        else:
            conditions.append(mentions.c.id.in_(in_topic))
    if flt.since is not None:
        conditions.append(mentions.c.created_at >= flt.since)
    if flt.until is not None:
        conditions.append(mentions.c.created_at < flt.until)
    return conditions


# A query with words is first answered by reading mentions in time order and checking each one
# here: a word in many mentions fills a page after a few rows, while the full-text index would
# read every mention holding it first (SQLite builds the whole list of matches for each page).
# The walk reads only what the check needs, and gives way to the index, from where it stopped,
# once fewer than one row in _WALK_RATIO matched (after _WALK_MIN rows), or after _WALK_MAX.
_WALK_FIRST = 100  # rows in the walk's first page, doubled for each next one up to _PAGE
_WALK_MIN = 100
_WALK_RATIO = 10
_WALK_MAX = 10_000
_CHECKED = (
    mentions.c.id,
    mentions.c.created_at,
    mentions.c.text,
    mentions.c.lang,
    mentions.c.lang_variant,
    mentions.c.channel,
    mentions.c.author_handle,
    mentions.c.host,
    mentions.c.sentiment,
)


def _document(row: Any) -> MatchDocument:
    """What a query is checked against, from a row of _CHECKED (or _COLUMNS)."""
    return MatchDocument.build(
        row.text,
        lang=row.lang,
        lang_variant=row.lang_variant,
        channel=row.channel,
        author=row.author_handle,
        host=row.host,
        sentiment=row.sentiment,
    )


def iter_matching(
    conn: Connection, workspace_id: int, flt: MentionFilter, *, newest_first: bool = True
) -> Iterator[StoredMention]:
    """Every stored mention the filter matches, newest first, read a page at a time.

    With words in the query, the mentions are walked in time order first (see _WALK_RATIO),
    then read through the full-text index from the last one walked.
    """
    last: tuple[datetime, int] | None = None  # the last mention walked
    if flt.query is not None and uses_full_text(flt.query, conn.dialect.name):
        walked = _conditions(conn, workspace_id, flt, walk=True)
        read = found = 0
        for rows in _pages(conn, _CHECKED, walked, newest_first, None, _WALK_FIRST):
            hits = [row.id for row in rows if flt.query.matches(_document(row))]
            if hits:
                stored = mentions_by_id(conn, workspace_id, hits)
                found += len(hits)
                yield from (stored[i] for i in hits if i in stored)
            read += len(rows)
            last = (rows[-1].created_at, rows[-1].id)
            if read >= _WALK_MAX or (read >= _WALK_MIN and found * _WALK_RATIO < read):
                break
        else:
            return  # walked to the end
    conditions = _conditions(conn, workspace_id, flt)
    for rows in _pages(conn, _COLUMNS, conditions, newest_first, last):
        for row in rows:
            if flt.query is None or flt.query.matches(_document(row)):
                yield _stored(row)


def _pages(
    conn: Connection,
    columns: Sequence[Any],
    conditions: list[Any],
    newest_first: bool,
    after: tuple[datetime, int] | None,
    size: int = _PAGE,
) -> Iterator[Sequence[Any]]:
    """`columns` of the mentions meeting `conditions` in time order (then id), from the one
    after `after` (a time and id): `size` rows first, twice as many in each next page up to
    _PAGE. The last page may be short, never empty."""
    order = (
        (mentions.c.created_at.desc(), mentions.c.id.desc())
        if newest_first
        else (mentions.c.created_at, mentions.c.id)
    )
    while True:
        statement = select(*columns).where(*conditions)
        if after is not None:
            at, mention_id = after
            if newest_first:
                statement = statement.where(
                    or_(
                        mentions.c.created_at < at,
                        and_(mentions.c.created_at == at, mentions.c.id < mention_id),
                    )
                )
            else:
                statement = statement.where(
                    or_(
                        mentions.c.created_at > at,
                        and_(mentions.c.created_at == at, mentions.c.id > mention_id),
                    )
                )
        rows = conn.execute(statement.order_by(*order).limit(size)).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = (rows[-1].created_at, rows[-1].id)
        size = min(size * 2, _PAGE)


def search(
    conn: Connection, workspace_id: int, flt: MentionFilter, *, limit: int = 50
) -> list[StoredMention]:
    from lyssna.storage.mentions import topic_names_for

    found: list[StoredMention] = []
    for stored in iter_matching(conn, workspace_id, flt):
        found.append(stored)
        if len(found) >= limit:
            break
    names = topic_names_for(conn, [m.id for m in found])
    for m in found:
        m.topics = names[m.id]
    return found


@dataclass(slots=True)
class Counts:
    total: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0
    unknown: int = 0

    def add(self, sentiment: str | None, n: int) -> None:
        self.total += n
        if sentiment in ("negative", "neutral", "positive"):
            setattr(self, sentiment, getattr(self, sentiment) + n)
        else:
            self.unknown += n

    @property
    def net_sentiment(self) -> float | None:
        """(positive - negative) / total, the industry's net sentiment."""
        return (self.positive - self.negative) / self.total if self.total else None


def _hour_bucket(conn: Connection, column: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)  # stored as 'YYYY-MM-DD HH:MM:SS...' in UTC


def count_by_topic(
    conn: Connection,
    workspace_id: int,
    topic_ids: Sequence[int] | None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    by: Period | None = None,
    timezone: str = "UTC",
) -> dict[int | None, dict[str | None, Counts]]:
    """topic id (None: all mentions) -> period label (None when not by period) -> counts.

    `topic_ids` None: every topic, and all mentions. Whole UTC hours are read from the hourly
    counts (lyssna.storage.rollups, which hold the same numbers), only the part of an hour at
    either end of the period from the mentions. Hours are then folded into the workspace's local
    hours or days here, so day boundaries follow the workspace's time zone.
    """
    zone = ZoneInfo(timezone)
    result: dict[int | None, dict[str | None, Counts]] = defaultdict(lambda: defaultdict(Counts))
    labels: dict[datetime, str] = {}
    label_format = "%Y-%m-%d %H:00" if by == "hour" else "%Y-%m-%d"

    def fold(topic: int | None, hour: datetime | None, sentiment: str | None, n: int) -> None:
        label = None
        if by is not None and hour is not None:
            label = labels.get(hour)
            if label is None:
                label = labels[hour] = hour.astimezone(zone).strftime(label_format)
        result[topic][label].add(sentiment, n)

    first = None if since is None else rollups.next_whole_hour(since)
    last = None if until is None else rollups.hour_start(until)
    if first is not None and last is not None and first >= last:  # no whole hour inside
        _count_mentions(conn, workspace_id, topic_ids, since, until, by is not None, fold)
        return result
    if topic_ids is None:
        from lyssna.storage.schema import topics

        ids = [rollups.ALL_MENTIONS]
        ids += conn.execute(
            select(topics.c.id).where(topics.c.workspace_id == workspace_id)
        ).scalars()
    else:
        ids = list(topic_ids)
    for topic, hour, sentiment, n in rollups.per_topic_counts(
        conn, workspace_id, ids, "sentiment", first, last, hourly=by is not None
    ):
        fold(None if topic == rollups.ALL_MENTIONS else topic, hour, sentiment, n)
    for start, end in ((since, first), (last, until)):
        if start is not None and end is not None and start < end:
            _count_mentions(conn, workspace_id, topic_ids, start, end, by is not None, fold)
    return result


def _count_mentions(
    conn: Connection,
    workspace_id: int,
    topic_ids: Sequence[int] | None,
    since: datetime | None,
    until: datetime | None,
    hourly: bool,
    fold: Callable[[int | None, datetime | None, str | None, int], None],
) -> None:
    """Count the mentions of [since, until) per topic (and UTC hour) and sentiment into `fold`."""
    time_conditions = []
    if since is not None:
        time_conditions.append(mentions.c.created_at >= since)
    if until is not None:
        time_conditions.append(mentions.c.created_at < until)
    hour = (
        _hour_bucket(conn, mentions.c.created_at).label("hour")
        if hourly
        else literal_column("NULL").label("hour")
    )

    def utc_hour(text: str | None) -> datetime | None:
        return None if text is None else datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC)

    topic_query = (
        select(mention_topics.c.topic_id, hour, mentions.c.sentiment, func.count().label("n"))
        .join(mentions, mentions.c.id == mention_topics.c.mention_id)
        .where(mentions.c.workspace_id == workspace_id, *time_conditions)
        .group_by(mention_topics.c.topic_id, literal_column("hour"), mentions.c.sentiment)
    )
    if topic_ids is not None:
        topic_query = topic_query.where(mention_topics.c.topic_id.in_(list(topic_ids)))
    for row in conn.execute(topic_query):
        fold(row.topic_id, utc_hour(row.hour), row.sentiment, row.n)
    if topic_ids is None:
        all_query = (
            select(hour, mentions.c.sentiment, func.count().label("n"))
            .where(mentions.c.workspace_id == workspace_id, *time_conditions)
            .group_by(literal_column("hour"), mentions.c.sentiment)
        )
        for row in conn.execute(all_query):
            fold(None, utc_hour(row.hour), row.sentiment, row.n)
