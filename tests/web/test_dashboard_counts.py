"""The dashboard counts from the hourly rollups exactly what counting the mentions gives, in
every time zone, and a set of topics counts each mention once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations
from unittest import mock

import pytest
from sqlalchemy import select

from lyssna import listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import rollups
from lyssna.storage import topics as topic_store
from lyssna.storage.schema import mentions
from lyssna.web import dashboard as board

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
CHANNELS = ("x", "mastodon", "rss", "reddit")
LANGS = ("sv", "en", None)
TEXTS = ("acme is great", "rival is awful", "acme and rival both fine", "nothing to see")


@pytest.fixture
def counted(workspace):
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    records = []
    for i in range(300):  # one every 97 minutes: ~20 days, every hour of the day
        data = {
            "id": str(i),
            "channel": CHANNELS[i % 4],
            "text": f"{TEXTS[i % 4]} {i}",
            "created_at": (NOW - timedelta(minutes=97 * i + 7)).isoformat(),
        }
        if LANGS[i % 3]:
            data["lang"] = LANGS[i % 3]
        records.append(RawRecord("t", i, data))
    Ingestor(workspace.engine, workspace.workspace.id, workers=1).ingest_records(records)
    return workspace


def _from_mentions(conn, ws, period, topic_ids) -> board._Counts:
    """What the counting charts should show, counted in the mentions (a mention in two of the
    topics once)."""
    by_hour: Counter = Counter()
    channels: Counter = Counter()
    languages: Counter = Counter()
    for row in conn.execute(
        select(
            mentions.c.created_at, mentions.c.sentiment, mentions.c.channel, mentions.c.lang
        ).where(*board._conditions(ws, period, topic_ids))
    ):
        hour = row.created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        by_hour[(hour, row.sentiment or "")] += 1
        channels[row.channel] += 1
        languages[row.lang or "und"] += 1
    return board._Counts([(h, s, n) for (h, s), n in by_hour.items()], channels, languages)


def _topic_sets(topics):
    ids = [t.id for t in topics]
    return [
        [],
        *([i] for i in ids),
        *(list(c) for n in range(2, len(ids) + 1) for c in combinations(ids, n)),
    ]


@pytest.mark.parametrize("choice", ["24h", "7d", "30d"])
@pytest.mark.parametrize("way", [0, 1, 2])
def test_rollups_agree_with_counting_the_mentions(counted, choice, way, monkeypatch):
    # Each of the three ways to count a set of topics (rollups._ways).
    monkeypatch.setattr(rollups, "_cheapest_way", lambda s, c: rollups._ways(s, c)[way][1])
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        period = board.period_for(choice, NOW)
        for chosen in _topic_sets(topics):
            a = board._counts(conn, ws, period, chosen)
            b = _from_mentions(conn, ws, period, chosen)
            assert sorted(a.by_hour) == sorted(b.by_hour)
            assert (a.channels, a.languages) == (b.channels, b.languages)
        for zone in ("Europe/Stockholm", "UTC", "America/St_Johns", "Asia/Kathmandu"):
            data = board.build(conn, ws, topics, period, timezone=zone)
            assert data.total == sum(row[1] for row in data.tables["volume"].rows)


def test_a_set_of_topics_counts_each_mention_once(counted):
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        period = board.period_for("30d", NOW)
        both = board.build(
            conn, ws, topics, period, timezone="UTC", topic_ids=[t.id for t in topics]
        )
        each = [
            board.build(conn, ws, topics, period, timezone="UTC", topic_ids=[t.id]).total
            for t in topics
        ]
        in_both = sum(
            1
            for text in conn.execute(select(mentions.c.text).where(mentions.c.workspace_id == ws))
            .scalars()
            .all()
            if "acme" in text and "rival" in text
        )
    assert both.total == sum(each) - in_both


def test_a_set_follows_topic_changes(counted):
    """Adding, editing and removing a topic moves mentions between signatures."""
    ws = counted.workspace.id
    changes = [
        lambda: listening.add_topic(counted, "Both", "acme AND rival", "theme"),
        lambda: listening.edit_topic(counted, "Rival", "rival OR nothing"),
        lambda: listening.remove_topic(counted, "Acme"),
    ]
    for change in changes:
        change()
        with counted.engine.connect() as conn:
            period = board.period_for("30d", NOW)
            for chosen in _topic_sets(topic_store.list_all(conn, ws)):
                b = _from_mentions(conn, ws, period, chosen)
                for way in range(3):  # a mention in all three topics comes off twice in way 2
                    pick = lambda s, c, way=way: rollups._ways(s, c)[way][1]  # noqa: E731
                    with mock.patch.object(rollups, "_cheapest_way", pick):
                        a = board._counts(conn, ws, period, chosen)
                    assert sorted(a.by_hour) == sorted(b.by_hour)
                    assert (a.channels, a.languages) == (b.channels, b.languages)
