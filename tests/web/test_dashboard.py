"""The dashboard's numbers, straight from lyssna.web.dashboard."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from lyssna.core.clock import utcnow
from lyssna.storage import topics as topic_store
from lyssna.web import dashboard as board


def test_periods():
    now = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    day = board.period_for("24h", now)
    assert (day.until - day.since, day.by) == (timedelta(days=1), "hour")
    assert day.until == datetime(2026, 11, 23, 11, tzinfo=UTC)
    assert board.period_for("30d", now).by == "day"
    assert board.period_for("nonsense", now).until - board.period_for("nonsense", now).since == (
        timedelta(days=7)
    )
    custom = board.period_for("custom", now, now - timedelta(days=1), now)
    assert custom.by == "hour" and custom.previous.until == custom.since


def test_dashboard_numbers(site):
    ctx = site.ctx
    with ctx.engine.connect() as conn:
        topics = topic_store.list_all(conn, ctx.workspace.id)
        data = board.build(
            conn,
            ctx.workspace.id,
            topics,
            board.period_for("7d", utcnow()),
            timezone="Europe/Stockholm",
        )
    assert data.total == 38
    assert (data.positive, data.negative) == (2, 2)
    assert data.net_sentiment == 0.0
    channels = {row[0]: row[1] for row in data.tables["channels"].rows}
    assert channels["forums"] == 32 and channels["x"] == 3
    assert abs(sum(row[2] for row in data.tables["channels"].rows) - 1) < 1e-9
    assert data.tables["top_mentions"].rows[0][3] == 39  # forum post 39: 39 likes
    # Mention 7 (9 days ago) is the whole previous period: "forum" words are all new.
    words = [row[0] for row in data.tables["rising_words"].rows]
    assert "forum" in words and "post" in words
    assert len(data.tables["volume"].rows) in (7, 8)  # local days touched by the period


def test_rising_ranks_by_excess_rate():
    now = Counter({"storm": 30, "acme": 50, "once": 1})
    before = Counter({"acme": 50, "storm": 1})
    table = board._rising_table("rising_words", "word", now, before, 100, 100)
    assert [row[0] for row in table.rows] == ["storm"]
    assert table.rows[0][1] == 0.3 and table.rows[0][2] == 0.01
