"""The dashboard's top mentions and top authors, read through ranking indexes with early stops,
are exactly what sorting every mention of the period (and topics) gives."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lyssna import listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import rollups
from lyssna.storage import topics as topic_store
from lyssna.storage.schema import mention_topics, mentions
from lyssna.web import dashboard as board

NOW = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
WORDS = ("acme", "rival", "kaffe", "app", "tack", "dålig", "snabb")


@pytest.fixture
def ranked(workspace):
    """500 mentions over 35 days: engagement and audiences heavy-tailed and often tied, a few
    prolific big authors, and the most engaged mentions bunched on a busy week long ago."""
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    listening.add_topic(workspace, "App", "app", "theme")
    rng = random.Random(7)
    authors = [(f"user{i}", rng.choice([10, 50, 50, 300, 4000, 90_000])) for i in range(40)]
    authors += [("big1", 500_000), ("big2", 500_000), ("", 800_000)]  # "" is no handle
    records = []
    for i in range(500):
        age = timedelta(minutes=rng.randint(0, 35 * 24 * 60))
        busy = timedelta(days=20) < age < timedelta(days=27)
        handle, followers = rng.choice(authors[-3:] if rng.random() < 0.2 else authors)
        data = {
            "id": str(i),
            "channel": rng.choice(["x", "mastodon"]),
            "text": " ".join(rng.sample(WORDS, 3)) + f" {i}",
            "created_at": (NOW - age).isoformat(),
            "metrics": {
                "likes": rng.choice([0, 0, 1, 5, 40]) * (50 if busy else 1),
                "shares": rng.choice([0, 1]),
            },
        }
        if handle:
            data["author"] = {"handle": handle, "followers": followers}
        if rng.random() < 0.1:
            data["author"] = handle or "someone"  # a handle without an audience
        records.append(RawRecord("t", i, data))
    Ingestor(workspace.engine, workspace.workspace.id, workers=1).ingest_records(records)
    return workspace


def _scope_rows(conn, ws: int, period: board.Period, topic_ids: list[int]) -> list:
    """Every mention of the period (and topics), read plainly."""
    rows = conn.execute(
        select(mentions).where(
            mentions.c.workspace_id == ws,
            mentions.c.created_at >= period.since,
            mentions.c.created_at < period.until,
        )
    ).all()
    if not topic_ids:
        return rows
    inside = set(
        conn.execute(
            select(mention_topics.c.mention_id).where(mention_topics.c.topic_id.in_(topic_ids))
        ).scalars()
    )
    return [r for r in rows if r.id in inside]


def _expected(rows: list) -> tuple[list, list]:
    engagement = {r.id: (r.likes or 0) + (r.shares or 0) + (r.replies or 0) for r in rows}
    top = sorted(rows, key=lambda r: (-engagement[r.id], -r.id))[:10]
    reach: dict[str, int] = {}
    written: Counter[str] = Counter()
    for r in rows:
        if r.author_handle:
            written[r.author_handle] += 1
            if r.author_followers is not None:
                reach[r.author_handle] = max(reach.get(r.author_handle, 0), r.author_followers)
    chosen = sorted(reach.items(), key=lambda item: (-item[1], item[0]))[:10]
    return (
        [(r.id, engagement[r.id]) for r in top],
        [[handle, n, written[handle]] for handle, n in chosen],
    )


@pytest.mark.parametrize("choice", ["24h", "7d", "30d"])
@pytest.mark.parametrize("walk", ["counts decide", "always walk", "never walk", "short walk"])
def test_top_mentions_and_authors_agree_with_sorting_the_period(ranked, choice, walk, monkeypatch):
    if walk == "always walk":
        monkeypatch.setattr(board._Scope, "ranked", lambda self, rows: True)
    elif walk == "never walk":
        monkeypatch.setattr(board._Scope, "ranked", lambda self, rows: False)
    elif walk == "short walk":  # the walk stops before it finds enough, and gives way
        monkeypatch.setattr(board._Scope, "ranked", lambda self, rows: True)
        monkeypatch.setattr(board, "_WALK_BEYOND", 0)
    ws = ranked.workspace.id
    with ranked.engine.connect() as conn:
        topics = topic_store.list_all(conn, ws)
        ids = [t.id for t in topics]
        period = board.period_for(choice, NOW)
        stored = rollups.total(conn, ws, None, None)
        for chosen in ([], ids[:1], ids[:2], ids):
            selected = rollups.total(conn, ws, period.since, period.until, chosen)
            where = board._conditions(ws, period, chosen)
            scope = board._Scope(ws, period, chosen, where, stored, selected)
            top, authors = _expected(_scope_rows(conn, ws, period, chosen))
            found = board._top_mentions(conn, scope).rows
            assert [(row[0], row[3]) for row in found] == top, chosen
            assert board._authors(conn, scope).rows == authors, chosen


@pytest.mark.parametrize("walk", [True, False])
def test_top_authors_are_found_past_prolific_ones(ranked, walk, monkeypatch):
    """Two big authors write many mentions each: the first pages hold no one else."""
    monkeypatch.setattr(board._Scope, "ranked", lambda self, rows: walk)
    ws = ranked.workspace.id
    with ranked.engine.connect() as conn:
        period = board.period_for("30d", NOW)
        stored = rollups.total(conn, ws, None, None)
        selected = rollups.total(conn, ws, period.since, period.until)
        scope = board._Scope(ws, period, [], board._conditions(ws, period, []), stored, selected)
        rows = board._authors(conn, scope, limit=3).rows
    assert [row[0] for row in rows][:2] == ["big1", "big2"]
    assert len(rows) == 3 and rows[0][2] > 9 and rows[1][2] > 9
