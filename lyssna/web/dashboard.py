"""The dashboard's numbers for one period and topic set, as typed records.

The counting charts come from the hourly counts kept at every change (lyssna.storage.rollups:
all mentions, one topic, or a set of topics through its signatures) and are folded here; top
authors and mentions read a few rows by index, and only the rising words read text (on a busy
period an even sample of it), so the dashboard stays fast on millions of mentions. Each chart
is a `Table`: the same rows feed the chart, its table view and its CSV download.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, exists, func, literal, literal_column, select, text

from lyssna.core.records import Topic
from lyssna.storage import rollups
from lyssna.storage.schema import ENGAGEMENT, UTCDateTime, mention_topics, mentions

# Above this many mentions per period, rising words are counted on an even sample by id.
WORD_SAMPLE = 2000
_STOP_WORDS = frozenset({"https", "http", "www", "com"})
_HASHTAG = re.compile(r"(?<![\w#])#(\w{2,64})")


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime  # UTC, inclusive
    until: datetime  # UTC, exclusive
    by: str  # "hour" or "day"

    @property
    def previous(self) -> Period:
        return Period(self.since - (self.until - self.since), self.since, self.by)


@dataclass(slots=True)
class Table:
    """One chart's data: `key` names it in URLs, `columns` are message keys for the header."""

    key: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass(slots=True)
class Dashboard:
    period: Period
    total: int
    negative: int
    neutral: int
    positive: int
    tables: dict[str, Table]

    @property
    def net_sentiment(self) -> float | None:
        return (self.positive - self.negative) / self.total if self.total else None


def period_for(
    choice: str, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> Period:
    """'24h', '7d', '30d', or 'custom' with `since`/`until` (UTC)."""
    if choice == "custom" and since is not None and until is not None and since < until:
        # Counts are kept per UTC hour: a bound inside an hour moves to the next whole hour
        # (only zones with a half- or quarter-hour offset have such days; see _labels).
        since, until = rollups.next_whole_hour(since), rollups.next_whole_hour(until)
        return Period(since, until, "hour" if until - since <= timedelta(days=2) else "day")
    days = {"24h": 1, "7d": 7, "30d": 30}.get(choice, 7)
    # End at the next full hour so the latest bucket is the current one.
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return Period(end - timedelta(days=days), end, "hour" if days == 1 else "day")


def _conditions(
    workspace_id: int, period: Period, topic_ids: Sequence[int] | None, sample: int = 0
) -> list[Any]:
    """The period (and topics) read by time. `sample`: about how many mentions it holds, of
    which an even WORD_SAMPLE by id are wanted (the id test goes inside the topic lookup, so
    that only the sampled mentions are read)."""
    conditions: list[Any] = [
        mentions.c.workspace_id == workspace_id,
        mentions.c.created_at >= period.since,
        mentions.c.created_at < period.until,
    ]
    every = -(-sample // WORD_SAMPLE) if sample > WORD_SAMPLE else 1
    if every > 1:
        conditions.append(mentions.c.id % literal(every) == 0)
    if topic_ids:
        matched = select(mention_topics.c.mention_id).where(
            mention_topics.c.topic_id.in_(list(topic_ids)),
            mention_topics.c.created_at >= period.since,
            mention_topics.c.created_at < period.until,
        )
        if every > 1:
            matched = matched.where(mention_topics.c.mention_id % literal(every) == 0)
        conditions.append(mentions.c.id.in_(matched))
    return conditions


_LABEL_FORMATS = {"hour": "%Y-%m-%d %H:%M", "day": "%Y-%m-%d"}


def _labels(period: Period, zone: ZoneInfo) -> list[str]:
    """Every bucket of the period in local time, so empty hours or days show as zero.

    Counts are kept per UTC hour, and each hour goes to the local day (or hour) it starts in.
    With a whole-hour offset (every Nordic zone, summer time included) local days are exact.
    With a half- or quarter-hour offset (India +5:30, Nepal +5:45, Newfoundland -3:30) a day
    runs from the first whole UTC hour in it: 00:30 to 00:30 local time in India, and hours are
    labelled with their local start (05:30).
    """
    step = timedelta(hours=1)
    fmt = _LABEL_FORMATS[period.by]
    labels: list[str] = []
    at = period.since
    while at < period.until:
        label = at.astimezone(zone).strftime(fmt)
        if not labels or labels[-1] != label:
            labels.append(label)
        at += step
    return labels


@dataclass(slots=True)
class _Counts:
    """What the counting charts need: mentions per UTC hour and sentiment, channels, languages."""

    by_hour: list[tuple[datetime, str, int]]  # (start of the UTC hour, sentiment or "", count)
    channels: Counter[str]
    languages: Counter[str]


def _counts(conn: Connection, workspace_id: int, period: Period, topic_ids: list[int]) -> _Counts:
    """From the hourly counts (lyssna.storage.rollups): a few thousand rows, whatever the size.

    For two or more topics they are the counts of the topic signatures that share a topic with
    the set, so a mention in two of the topics counts once.
    """
    since, until = period.since, period.until
    hours = rollups.by_hour(conn, workspace_id, "sentiment", since, until, topic_ids)
    channels = rollups.totals(conn, workspace_id, "channel", since, until, topic_ids)
    languages = rollups.totals(conn, workspace_id, "language", since, until, topic_ids)
    if "" in languages:
        languages["und"] += languages.pop("")
    return _Counts([(h.hour, h.value, h.mentions) for h in hours], channels, languages)


# Recent dashboards, so that a team opening the same view (or one person paging back and forth)
# does not recount. Periods end on a full hour, so the key is stable within the hour; entries
# live CACHE_SECONDS and are dropped when a user changes what they count (a correction, a
# topic). Each server process has its own cache, so the staleness is bounded by the TTL.
CACHE_SECONDS = 60.0
_CACHE_SIZE = 256
_cache: dict[tuple[Any, ...], tuple[float, Dashboard]] = {}


def forget(workspace_id: int) -> None:
    """Drop the cached dashboards of a workspace (after a change users expect to see)."""
    for key in [k for k in _cache if k[1] == workspace_id]:
        _cache.pop(key, None)


def cached_build(
    conn: Connection,
    workspace_id: int,
    topics: Sequence[Topic],
    period: Period,
    *,
    timezone: str,
    topic_ids: Sequence[int] | None = None,
) -> Dashboard:
    """`build`, remembered for CACHE_SECONDS per workspace, period, topic set and time zone."""
    key = (
        id(conn.engine),
        workspace_id,
        period,
        timezone,
        tuple(sorted(topic_ids or ())),
        tuple((t.id, t.kind) for t in topics),
    )
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    data = build(conn, workspace_id, topics, period, timezone=timezone, topic_ids=topic_ids)
    if len(_cache) >= _CACHE_SIZE:
        for stale in sorted(_cache, key=lambda k: _cache[k][0])[: _CACHE_SIZE // 4]:
            _cache.pop(stale, None)
    _cache[key] = (now + CACHE_SECONDS, data)
    return data


def build(
    conn: Connection,
    workspace_id: int,
    topics: Sequence[Topic],
    period: Period,
    *,
    timezone: str,
    topic_ids: Sequence[int] | None = None,
) -> Dashboard:
    """Every chart of the dashboard. `topics` are the workspace's topics (for share of voice)."""
    zone = ZoneInfo(timezone)
    chosen = sorted(set(topic_ids or ()))
    where = _conditions(workspace_id, period, chosen)
    counts = _counts(conn, workspace_id, period, chosen)
    tables: dict[str, Table] = {}

    # Each UTC hour is shown in the local day (or hour) it starts in; see _labels.
    label_format = _LABEL_FORMATS[period.by]
    buckets: dict[str, Counter[str]] = defaultdict(Counter)
    local_label: dict[datetime, str] = {}
    for hour, feeling, n in counts.by_hour:
        label = local_label.get(hour)
        if label is None:
            label = local_label[hour] = hour.astimezone(zone).strftime(label_format)
        buckets[label][feeling or "unknown"] += n
    volume = Table("volume", ["time", "mentions"])
    sentiment = Table("sentiment", ["time", "negative", "neutral", "positive", "net_sentiment"])
    totals: Counter[str] = Counter()
    for label in _labels(period, zone):
        bucket = buckets.get(label, Counter())
        n = sum(bucket.values())
        totals.update(bucket)
        volume.rows.append([label, n])
        net = (bucket["positive"] - bucket["negative"]) / n if n else None
        sentiment.rows.append(
            [label, bucket["negative"], bucket["neutral"], bucket["positive"], net]
        )
    tables["volume"] = volume
    tables["sentiment"] = sentiment
    tables["share_of_voice"] = _share_of_voice(conn, workspace_id, topics, period)
    for key, column_name, counter in (
        ("channels", "channel", counts.channels),
        ("languages", "language", counts.languages),
    ):
        total = sum(counter.values())
        rows = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        tables[key] = Table(
            key, [column_name, "mentions", "share"], [[v, n, n / total] for v, n in rows]
        )
    current = sum(totals.values())
    # The rest reads mentions. Each query either reads the period by time or walks an index in
    # the order it ranks by and stops after a few rows; the counts tell which reads fewer rows.
    stored = rollups.total(conn, workspace_id, None, None)
    scope = _Scope(workspace_id, period, chosen, where, stored, current)
    tables["authors"] = _authors(conn, scope)
    tables["top_mentions"] = _top_mentions(conn, scope)
    before = rollups.total(conn, workspace_id, period.previous.since, period.previous.until, chosen)
    words, hashtags = _rising(conn, scope, before)
    tables["rising_words"] = words
    tables["rising_hashtags"] = hashtags
    return Dashboard(
        period, current, totals["negative"], totals["neutral"], totals["positive"], tables
    )


@dataclass(frozen=True, slots=True)
class _Scope:
    """What the reading queries need: the period, the topics, and how many mentions are where."""

    workspace_id: int
    period: Period
    topic_ids: list[int]
    where: list[Any]  # the period read by time (and topics), as _conditions gives it
    stored: int  # every mention of the workspace
    selected: int  # those in the period (and topics)

    def ranked(self, rows_wanted: int) -> bool:
        """Whether walking a ranking index reads fewer rows than reading the whole period.

        Walking it meets a row of the period about once in stored / selected rows.
        """
        return rows_wanted * self.stored < self.selected * self.selected

    def rowwise(self, conn: Connection) -> list[Any]:
        return _rowwise(conn, self.workspace_id, self.period, self.topic_ids)


# How many times more of the most engaged mentions than the counts predict the top mentions' walk
# may read (measured on the demo data: 0.7 to 9 times).
_WALK_BEYOND = 20


def _in_topics(topic_ids: Sequence[int]) -> Any:
    """A mention is in one of the topics: checked row by row, for rows read in another order."""
    return exists().where(
        mention_topics.c.mention_id == mentions.c.id,
        mention_topics.c.topic_id.in_(list(topic_ids)),
    )


def _rowwise(
    conn: Connection, workspace_id: int, period: Period, topic_ids: Sequence[int]
) -> list[Any]:
    """The period and topics as a check on each row of an index walked in another order.

    On SQLite, a unary + keeps the planner off the time index for these walks.
    """
    created: Any = mentions.c.created_at
    if conn.dialect.name == "sqlite":
        created = literal_column("+mentions.created_at", UTCDateTime)
    conditions = [
        mentions.c.workspace_id == workspace_id,
        created >= period.since,
        created < period.until,
    ]
    if topic_ids:
        conditions.append(_in_topics(topic_ids))
    return conditions


def _top_mentions(conn: Connection, scope: _Scope, limit: int = 10) -> Table:
    """The mentions with the most engagement (likes + shares + replies) in the period.

    When the counts say they are likely near the top of the whole workspace, that top is walked
    down (ix_mentions_engagement), but only so far: engagement may be unevenly spread over time
    and topics (a quiet day, a topic of complaints), so the walk stops at the engagement of the
    workspace's `_WALK_BEYOND` times more mentions than it should need, and at most half the
    period's. If it found `limit` mentions of the period (and topics) by then, those are its top;
    if not, the period is read and sorted after all, so the time stays bounded either way.
    """
    table = Table("top_mentions", ["id", "author", "channel", "engagement", "text"])
    columns = (
        mentions.c.id,
        mentions.c.author_handle,
        mentions.c.channel,
        ENGAGEMENT.label("engagement"),
        mentions.c.text,
    )
    rows: Sequence[Any] = []
    if scope.ranked(limit):
        expected = limit * scope.stored // max(scope.selected, 1)
        beyond = min(expected * _WALK_BEYOND, scope.selected // 2)
        # The engagement the walk stops at; only mentions above it are walked (however many
        # share it), so the walk reads fewer than `beyond` rows.
        floor = conn.execute(
            select(ENGAGEMENT)
            .where(mentions.c.workspace_id == scope.workspace_id)
            .order_by(ENGAGEMENT.desc())
            .limit(1)
            .offset(beyond)
        ).scalar()
        where = scope.rowwise(conn)
        if floor is not None:
            where.append(ENGAGEMENT > floor)
        rows = conn.execute(
            select(*columns)
            .where(*where)
            .order_by(ENGAGEMENT.desc(), mentions.c.id.desc())  # walks ix_mentions_engagement
            .limit(limit)
        ).all()
    if len(rows) < limit:
        rows = conn.execute(
            select(*columns)
            .where(*scope.where)
            .order_by((ENGAGEMENT + 0).desc(), mentions.c.id.desc())  # +0: sorted, not walked
            .limit(limit)
        ).all()
    for row in rows:
        text = row.text if len(row.text) <= 280 else row.text[:279] + "…"
        table.rows.append([row.id, row.author_handle, row.channel, row.engagement, text])
    return table


def _authors(conn: Connection, scope: _Scope, limit: int = 10) -> Table:
    """The authors with the most followers (ties by handle), and how many mentions each wrote
    in the period.

    A short period is read once and grouped by author. Otherwise the authors are found one at a
    time from the biggest audiences down (ix_mentions_reach, which holds the time and handle
    too), each search stepping over the rows of those already found (a prolific big author
    writes hundreds); then their mentions are counted for those few handles only
    (ix_mentions_author).
    """
    table = Table("authors", ["author", "followers", "mentions"])
    handle, reach = mentions.c.author_handle, mentions.c.author_followers
    if not scope.ranked(limit * 20):  # a big author may write many of the rows walked
        largest = func.max(reach)
        for row in conn.execute(
            select(handle, largest.label("followers"), func.count().label("mentions"))
            .where(*scope.where, handle != "")
            .group_by(handle)
            .having(largest.is_not(None))
            .order_by(largest.desc(), handle)
            .limit(limit)
        ):
            table.rows.append([row.author_handle, row.followers, row.mentions])
        return table
    where = scope.rowwise(conn)
    candidates = select(handle, reach).where(*where, reach.is_not(None), handle != "")
    followers: dict[str, int] = {}  # each author's largest audience in the period
    while len(followers) < limit:
        statement = candidates.order_by(reach.desc()).limit(1)
        if followers:
            statement = statement.where(
                reach <= min(followers.values()), handle.not_in(list(followers))
            )
        found = conn.execute(statement).first()
        if found is None:
            break
        followers[found.author_handle] = found.author_followers
    if len(followers) == limit:  # others as big as the last one found tie with it
        last = min(followers.values())
        for row in conn.execute(candidates.where(reach == last, handle.not_in(list(followers)))):
            followers[row.author_handle] = last
    if not followers:
        return table
    counts: dict[str, int] = dict(
        conn.execute(  # type: ignore[arg-type]
            select(handle, func.count()).where(*where, handle.in_(list(followers))).group_by(handle)
        ).all()
    )
    chosen = sorted(followers.items(), key=lambda item: (-item[1], item[0]))[:limit]
    for name, n in chosen:
        table.rows.append([name, n, counts.get(name, 0)])
    return table


def _share_of_voice(
    conn: Connection, workspace_id: int, topics: Sequence[Topic], period: Period
) -> Table:
    """Mentions of each brand and competitor topic, as a share of all of them together."""
    table = Table("share_of_voice", ["topic", "kind", "mentions", "share"])
    chosen = [t for t in topics if t.kind in ("brand", "competitor")]
    if not chosen:
        return table
    counts = rollups.per_topic(
        conn, workspace_id, [t.id for t in chosen], period.since, period.until
    )
    total = sum(counts.values())
    for t in sorted(chosen, key=lambda t: (t.kind != "brand", -counts.get(t.id, 0), t.name)):
        n = counts.get(t.id, 0)
        table.rows.append([t.name, t.kind, n, n / total if total else 0.0])
    return table


# ix_mentions_sample holds the mentions whose id is a multiple of this (lyssna.storage.schema).
_SAMPLED = 64
# Read from that index once it gives at least this many mentions of the period (and topics).
_MIN_FROM_SAMPLE = 500


def _period_terms(
    conn: Connection, scope: _Scope, period: Period, expected: int
) -> tuple[Counter[str], Counter[str], int]:
    """Word and hashtag counts (each counted once per mention) and how many mentions were read.

    On a busy period an even sample by id is read (ids are spread over time): once the period
    holds enough mentions, from the index that holds every 64th mention only, so that a long
    period is never read whole; otherwise from the period, at most 32,000 mentions.
    """
    if expected >= _MIN_FROM_SAMPLE * _SAMPLED:
        step = _SAMPLED * max(1, round(expected / (WORD_SAMPLE * _SAMPLED)))
        where: list[Any] = [
            mentions.c.workspace_id == scope.workspace_id,
            mentions.c.created_at >= period.since,
            mentions.c.created_at < period.until,
            # Word for word the partial index's WHERE, so that the database may use it.
            text(f"mentions.id % {_SAMPLED} = 0"),
            mentions.c.id % literal(step) == 0,
        ]
        if scope.topic_ids:
            where.append(_in_topics(scope.topic_ids))
    else:
        where = _conditions(scope.workspace_id, period, scope.topic_ids, sample=expected)
    words: Counter[str] = Counter()
    hashtags: Counter[str] = Counter()
    read = 0
    for row in conn.execute(select(mentions.c.search_terms, mentions.c.text).where(*where)):
        read += 1
        words.update(set(row.search_terms.split()))  # in C; the filter below runs once per word
        if "#" in row.text:
            hashtags.update({h.lower() for h in _HASHTAG.findall(row.text)})
    for word in [w for w in words if len(w) < 3 or w.isdigit() or w in _STOP_WORDS]:
        del words[word]
    return words, hashtags, read


def _rising(conn: Connection, scope: _Scope, before_total: int) -> tuple[Table, Table]:
    now_words, now_tags, now_read = _period_terms(conn, scope, scope.period, scope.selected)
    before_words, before_tags, before_read = _period_terms(
        conn, scope, scope.period.previous, before_total
    )
    return (
        _rising_table("rising_words", "word", now_words, before_words, now_read, before_read),
        _rising_table("rising_hashtags", "hashtag", now_tags, before_tags, now_read, before_read),
    )


def _rising_table(
    key: str,
    label: str,
    now: Counter[str],
    before: Counter[str],
    now_read: int,
    before_read: int,
    limit: int = 15,
) -> Table:
    """Terms ranked by how many more mentions used them than the previous period predicts.

    Counts are rates per mention read (samples differ in size); a term must appear in at least
    three mentions this period so that one-off words do not top the list.
    """
    table = Table(key, [label, "this_period", "previous_period", "change"])
    if not now_read:
        return table
    scored = []
    for term, n in now.items():
        if n < 3:
            continue
        rate_now = n / now_read
        rate_before = before.get(term, 0) / before_read if before_read else 0.0
        scored.append((rate_now - rate_before, term, rate_now, rate_before))
    scored.sort(key=lambda s: (-s[0], s[1]))
    for excess, term, rate_now, rate_before in scored[:limit]:
        if excess <= 0:
            break
        change = (rate_now - rate_before) / rate_before if rate_before else None
        table.rows.append([term, rate_now, rate_before, change])
    return table
