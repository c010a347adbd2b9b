"""The dashboard counts from the hourly rollups exactly what counting the mentions gives, in
every time zone, and a set of topics counts each mention once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


def _both(conn, ws, period, topic_id):
    where = board._conditions(ws, period, [topic_id] if topic_id else None)
    from_rollups = board._counts_from_rollups(conn, ws, period, topic_id)
    from_mentions = board._counts_from_mentions(conn, where)
    return from_rollups, from_mentions


@pytest.mark.parametrize("choice", ["24h", "7d", "30d"])
def test_rollups_agree_with_counting_the_mentions(counted, choice):
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        period = board.period_for(choice, NOW)
        for topic_id in [rollups.ALL_MENTIONS, *(t.id for t in topics)]:
            a, b = _both(conn, ws, period, topic_id)
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


def test_local_days_from_utc_hours():
    day = board.period_for("7d", NOW)
    # Stockholm in November is UTC+1: a local day is 24 whole UTC hours.
    zone = "Europe/Stockholm"
    labels = board._labels(day, board.ZoneInfo(zone))
    assert labels[0] == "2026-11-16" and labels[-1] == "2026-11-23"
    # A custom period from local dates starts and ends on whole UTC hours (India is +5:30).
    india = board.period_for(
        "custom",
        NOW,
        datetime(2026, 11, 19, 18, 30, tzinfo=UTC),  # 20 Nov 00:00 in Kolkata
        datetime(2026, 11, 22, 18, 30, tzinfo=UTC),  # 23 Nov 00:00
    )
    assert (india.since.minute, india.until.minute) == (0, 0)
    assert india.since == datetime(2026, 11, 19, 19, tzinfo=UTC)  # 00:30 local
    labels = board._labels(india, board.ZoneInfo("Asia/Kolkata"))
    assert labels == ["2026-11-20", "2026-11-21", "2026-11-22"]
    hourly = board.period_for("24h", NOW)
    assert board._labels(hourly, board.ZoneInfo("Asia/Kolkata"))[0].endswith(":30")


@pytest.mark.parametrize("topic", [None, "Acme"])
def test_walking_the_ranking_indexes_finds_what_sorting_the_period_finds(
    counted, monkeypatch, topic
):
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        chosen = [t.id for t in topics if t.name == topic]
        results = {}
        for ranked in (True, False):
            monkeypatch.setattr(board._Scope, "ranked", lambda self, rows, r=ranked: r)
            for choice in ("24h", "7d", "30d"):
                data = board.build(
                    conn,
                    ws,
                    topics,
                    board.period_for(choice, NOW),
                    timezone="UTC",
                    topic_ids=chosen,
                )
                results[ranked, choice] = (data.tables["authors"], data.tables["top_mentions"])
    for choice in ("24h", "7d", "30d"):
        assert results[True, choice] == results[False, choice]
        assert results[True, choice][1].rows  # something to compare


def test_rising_words_on_a_long_period_read_the_sample_index(counted, monkeypatch):
    monkeypatch.setattr(board, "WORD_SAMPLE", 1)  # every period counts as long
    monkeypatch.setattr(board, "_MIN_FROM_SAMPLE", 1)
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        period = board.period_for("30d", NOW)
        scope = board._Scope(ws, period, [], [], 300, 300)
        # 64 mentions expected, WORD_SAMPLE (1) of them wanted: every 64th, from the index
        _words, _tags, read = board._period_terms(conn, scope, period, 64)
        sampled = conn.execute(
            select(mentions.c.id).where(mentions.c.workspace_id == ws, mentions.c.id % 64 == 0)
        ).all()
        assert read == len(sampled) > 0
        board.build(conn, ws, topics, period, timezone="UTC", topic_ids=[topics[0].id])


def test_rising_words_on_a_short_period_sample_by_id(counted, monkeypatch):
    monkeypatch.setattr(board, "WORD_SAMPLE", 10)
    ws = counted.workspace.id
    with counted.engine.connect() as conn:
        acme = next(t for t in topic_store.list_all(conn, ws) if t.name == "Acme")
        period = board.period_for("30d", NOW)
        scope = board._Scope(ws, period, [acme.id], [], 300, 150)
        _words, _tags, read = board._period_terms(conn, scope, period, 150)  # every 15th id
        sampled = [
            text
            for i, text in conn.execute(
                select(mentions.c.id, mentions.c.text).where(mentions.c.workspace_id == ws)
            )
            if i % 15 == 0 and "acme" in text
        ]
    assert read == len(sampled) > 0
