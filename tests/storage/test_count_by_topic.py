"""`count_by_topic` (lyssna stats, the API's stats, the strategy report) reads whole hours from the
hourly counts and the rest from the mentions, and gives what counting every mention gives."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from lyssna import listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import search
from lyssna.storage.schema import mention_topics, mentions
from lyssna.storage.search import Counts, count_by_topic

START = datetime(2026, 11, 20, 6, tzinfo=UTC)
TEXTS = ("acme is great", "rival is awful", "acme and rival both fine", "nothing to see")


@pytest.fixture
def counted(workspace):
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    records = [
        RawRecord(
            "t",
            i,
            {
                "id": str(i),
                "channel": "x",
                "text": f"{TEXTS[i % 4]} {i}",
                # Every 37 minutes and 13 seconds, over about three days.
                "created_at": (START + timedelta(seconds=2233 * i)).isoformat(),
            },
        )
        for i in range(120)
    ]
    Ingestor(workspace.engine, workspace.workspace.id, workers=1).ingest_records(records)
    return workspace


def _plain(conn, ws, topic_ids, since, until, by, timezone) -> dict:
    """Every mention read and counted here."""
    zone = ZoneInfo(timezone)
    topics: dict[int, list[int]] = defaultdict(list)
    for r in conn.execute(select(mention_topics.c.mention_id, mention_topics.c.topic_id)):
        topics[r.mention_id].append(r.topic_id)
    result: dict = defaultdict(lambda: defaultdict(Counts))
    for m in conn.execute(select(mentions).where(mentions.c.workspace_id == ws)):
        if (since and m.created_at < since) or (until and m.created_at >= until):
            continue
        label = None
        if by:
            hour = m.created_at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            label = hour.astimezone(zone).strftime("%Y-%m-%d %H:00" if by == "hour" else "%Y-%m-%d")
        keys = [None] if topic_ids is None else []
        keys += [t for t in topics[m.id] if topic_ids is None or t in topic_ids]
        for key in keys:
            result[key][label].add(m.sentiment, 1)
    return result


def _plain_dict(counts: dict) -> dict:
    return {topic: dict(periods) for topic, periods in counts.items() if periods}


BOUNDS = [
    (None, None),
    (START + timedelta(hours=5), START + timedelta(hours=40)),  # whole hours
    (START + timedelta(hours=5, minutes=20), START + timedelta(hours=40, minutes=5)),
    (START + timedelta(hours=5, minutes=20), None),
    (None, START + timedelta(hours=30, seconds=1)),
    (START + timedelta(hours=7, minutes=1), START + timedelta(hours=7, minutes=59)),  # one hour
    (START + timedelta(hours=7, minutes=50), START + timedelta(hours=8, minutes=10)),  # two parts
    (START + timedelta(hours=9), START + timedelta(hours=9)),  # empty
    # An offset of half an hour: a bound inside a UTC hour.
    (datetime(2026, 11, 21, 0, 0, tzinfo=ZoneInfo("Asia/Kolkata")), None),
]


@pytest.mark.parametrize("by", [None, "hour", "day"])
def test_counts_agree_with_counting_every_mention(counted, by):
    ws = counted.workspace.id
    ids = [t.id for t in listening.list_topics(counted)]
    with counted.engine.connect() as conn:
        for since, until in BOUNDS:
            for topic_ids in (None, ids[:1], ids, []):
                for zone in ("UTC", "Europe/Stockholm", "Asia/Kathmandu"):
                    found = count_by_topic(
                        conn, ws, topic_ids, since=since, until=until, by=by, timezone=zone
                    )
                    expected = _plain(conn, ws, topic_ids, since, until, by, zone)
                    assert _plain_dict(found) == _plain_dict(expected), (since, until, topic_ids)


def test_whole_hours_are_not_counted_in_the_mentions(counted, monkeypatch):
    calls = []
    original = search._count_mentions

    def spy(conn, ws, topic_ids, since, until, *rest):
        calls.append((since, until))
        return original(conn, ws, topic_ids, since, until, *rest)

    monkeypatch.setattr(search, "_count_mentions", spy)
    ws = counted.workspace.id
    since, until = START + timedelta(hours=5, minutes=20), START + timedelta(hours=40, minutes=5)
    with counted.engine.connect() as conn:
        count_by_topic(conn, ws, None, since=START, until=START + timedelta(days=2), by="day")
        assert calls == []
        count_by_topic(conn, ws, None, since=since, until=until)
    assert calls == [
        (since, START + timedelta(hours=6)),
        (START + timedelta(hours=40), until),
    ]
