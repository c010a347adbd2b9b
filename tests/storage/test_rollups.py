"""The dashboard's hourly counts stay equal to counting the mentions, whatever happens to them."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from sqlalchemy import func, select

from lyssna import corrections, listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import rollups
from lyssna.storage.database import write_transaction
from lyssna.storage.rollups import (
    ALL_MENTIONS,
    mention_rollups,
    topic_set_rollups,
    topic_signatures,
)
from lyssna.storage.schema import mention_topics, mentions

START = datetime(2026, 11, 20, 6, tzinfo=UTC)
WORDS = {
    "sv": "bra dålig kaffe app kundtjänst snabb långsam tack inte".split(),
    "en": "good bad coffee app support fast slow thanks not".split(),
    "da": "god dårlig kaffe app kundeservice hurtig langsom tak ikke".split(),
}
BRANDS = ("Acme", "Rival", "Other")


def _record(rng: random.Random, ident: int, line: int) -> RawRecord:
    lang = rng.choice(sorted(WORDS))
    words = rng.sample(WORDS[lang], 4) + rng.sample(BRANDS, rng.randint(0, 2))
    rng.shuffle(words)
    data = {
        "id": str(ident),
        "channel": rng.choice(["x", "mastodon", "rss"]),
        "text": " ".join(words),
        "created_at": (START + timedelta(minutes=rng.randint(0, 60 * 30))).isoformat(),
    }
    if rng.random() < 0.6:
        data["lang"] = lang  # otherwise the analyser decides, or says nothing
    return RawRecord("test", line, data)


def _ingest(ctx, records: list[RawRecord]) -> None:
    Ingestor(ctx.engine, ctx.workspace.id, workers=1).ingest_records(records)


def _counted(conn, workspace_id: int) -> Counter:
    rows = conn.execute(
        select(mention_rollups).where(mention_rollups.c.workspace_id == workspace_id)
    )
    return Counter({(r.topic_id, r.facet, r.hour, r.value): r.mentions for r in rows if r.mentions})


def _expected(conn, workspace_id: int) -> Counter:
    return _expected_counts(conn, workspace_id)[0]


def _expected_counts(conn, workspace_id: int) -> tuple[Counter, Counter]:
    """The same counts worked out from the mentions and their topics, in Python: per topic,
    and per exact set of topics ("" for none)."""
    topics: dict[int, list[int]] = {}
    for r in conn.execute(
        select(mention_topics.c.mention_id, mention_topics.c.topic_id)
        .join(mentions, mentions.c.id == mention_topics.c.mention_id)
        .where(mentions.c.workspace_id == workspace_id)
    ):
        topics.setdefault(r.mention_id, []).append(r.topic_id)
    expected: Counter = Counter()
    expected_sets: Counter = Counter()
    for m in conn.execute(select(mentions).where(mentions.c.workspace_id == workspace_id)):
        hour = m.created_at.replace(minute=0, second=0, microsecond=0)
        facets = (
            ("sentiment", m.sentiment or ""),
            ("channel", m.channel),
            ("language", m.lang or ""),
        )
        matched = topics.get(m.id, [])
        for facet, value in facets:
            for topic in (ALL_MENTIONS, *matched):
                expected[(topic, facet, hour, value)] += 1
            expected_sets[(",".join(map(str, sorted(matched))), facet, hour, value)] += 1
    return expected, expected_sets


def _counted_sets(conn, workspace_id: int) -> Counter:
    """The topic-set counts, keyed by the signature's topics (ids change when recounted)."""
    rows = conn.execute(
        select(topic_set_rollups, topic_signatures.c.topics)
        .join(topic_signatures, topic_signatures.c.id == topic_set_rollups.c.signature_id)
        .where(topic_set_rollups.c.workspace_id == workspace_id)
    )
    counted: Counter = Counter()
    for r in rows:
        assert r.mentions > 0
        counted[(r.topics, r.facet, r.hour, r.value)] += r.mentions
    return counted


def _check(ctx) -> None:
    with ctx.engine.connect() as conn:
        expected, expected_sets = _expected_counts(conn, ctx.workspace.id)
        assert _counted(conn, ctx.workspace.id) == expected
        assert _counted_sets(conn, ctx.workspace.id) == expected_sets
        _check_set_totals(conn, ctx.workspace.id)
    with write_transaction(ctx.engine) as conn:  # and a recount from scratch agrees
        rollups.rebuild(conn, ctx.workspace.id)
        assert _counted(conn, ctx.workspace.id) == expected
        assert _counted_sets(conn, ctx.workspace.id) == expected_sets


def _check_set_totals(conn, workspace_id: int) -> None:
    """Every set of two or more topics counts its mentions once, as a GROUP BY of the base
    tables over the mentions in any of them does; read each of the three ways."""
    for way in range(3):
        pick = lambda s, c, way=way: rollups._ways(s, c)[way][1]  # noqa: E731
        with mock.patch.object(rollups, "_cheapest_way", pick):
            _check_set_totals_read(conn, workspace_id)


def _check_set_totals_read(conn, workspace_id: int) -> None:
    topic_ids = sorted(conn.execute(select(mention_topics.c.topic_id).distinct()).scalars())
    since, until = START - timedelta(days=1), START + timedelta(days=3)
    for size in range(2, len(topic_ids) + 1):
        for chosen in itertools.combinations(topic_ids, size):
            in_set = mentions.c.id.in_(
                select(mention_topics.c.mention_id).where(mention_topics.c.topic_id.in_(chosen))
            )
            channels = Counter(
                dict(
                    conn.execute(
                        select(mentions.c.channel, func.count())
                        .where(mentions.c.workspace_id == workspace_id, in_set)
                        .group_by(mentions.c.channel)
                    ).all()
                )
            )
            assert rollups.totals(conn, workspace_id, "channel", since, until, chosen) == channels
            total = sum(channels.values())
            assert rollups.total(conn, workspace_id, since, until, chosen) == total
            hours = Counter(
                at.replace(minute=0, second=0, microsecond=0)
                for at in conn.execute(
                    select(mentions.c.created_at).where(
                        mentions.c.workspace_id == workspace_id, in_set
                    )
                ).scalars()
            )
            counted: Counter = Counter()
            for h in rollups.by_hour(conn, workspace_id, "sentiment", since, until, chosen):
                counted[h.hour] += h.mentions
            assert counted == hours


def test_counts_follow_every_change(workspace):
    rng = random.Random(5)
    ws = workspace.workspace.id
    listening.add_topic(workspace, "Acme", "acme", "brand")
    line = 0
    for step in range(14):
        operation = rng.choice(["ingest", "ingest", "correct", "pin", "topic"])
        if step < 2:
            operation = "ingest"
        if operation == "ingest":
            # Ids from a small pool: new mentions, exact repeats and edits in one batch.
            batch = []
            for _ in range(25):
                line += 1
                batch.append(_record(rng, rng.randint(1, 45), line))
            _ingest(workspace, batch)
        elif operation == "correct":
            with workspace.engine.connect() as conn:
                ids = conn.execute(select(mentions.c.id).where(mentions.c.workspace_id == ws))
                target = rng.choice(list(ids.scalars()))
            corrections.correct(
                workspace.engine, ws, target, rng.choice(["positive", "negative", "neutral"])
            )
        elif operation == "pin":
            term = rng.choice(["kaffe", "app", "coffee"])
            with workspace.engine.connect() as conn:
                pinned = {r.term for r in corrections.store.list_rules(conn, ws)}
            if term in pinned:
                corrections.unpin(workspace.engine, ws, term)
            else:
                corrections.pin(workspace.engine, ws, term, rng.choice(["positive", "negative"]))
        else:
            names = {t.name for t in listening.list_topics(workspace)}
            choice = rng.choice(["Rival", "Other", "Acme"])
            if choice not in names:
                listening.add_topic(workspace, choice, choice.lower(), "competitor")
            elif rng.random() < 0.5:
                listening.edit_topic(workspace, choice, f"{choice.lower()} OR app")
            else:
                listening.remove_topic(workspace, choice)
        _check(workspace)


def test_edit_moves_a_mention_between_hours_and_topics(workspace):
    listening.add_topic(workspace, "Acme", "acme", "brand")
    first = {"id": "1", "channel": "x", "lang": "sv", "text": "acme är bra"}
    _ingest(workspace, [RawRecord("t", 1, {**first, "created_at": "2026-11-20T10:15:00Z"})])
    edited = {**first, "lang": "en", "text": "rival is bad", "created_at": "2026-11-20T12:40:00Z"}
    _ingest(workspace, [RawRecord("t", 2, edited)])
    with workspace.engine.connect() as conn:
        counted = _counted(conn, workspace.workspace.id)
    noon = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert counted[(ALL_MENTIONS, "language", noon, "en")] == 1
    assert counted[(ALL_MENTIONS, "channel", noon, "x")] == 1
    assert sum(counted.values()) == 3  # one mention, three facets; the old hour and topic gone
    _check(workspace)


def _together(*calls) -> None:
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


@pytest.mark.postgres
def test_two_writers_on_postgresql_add_up(postgres_url, tmp_path):
    """Increments from concurrent transactions on the same rows are never lost."""
    from lyssna.core.settings import load_settings
    from lyssna.workspace import init_workspace

    ctx = init_workspace(load_settings(home=tmp_path, database_url=postgres_url))
    ws = ctx.workspace.id
    first_wrote = threading.Event()
    hour = datetime(2026, 11, 20, 10, tzinfo=UTC)

    def writer(wait_for: threading.Event | None, signal: threading.Event | None) -> None:
        if wait_for is not None:
            wait_for.wait(10)
        with write_transaction(ctx.engine) as conn:
            tally = rollups.Tally("postgresql")
            for _ in range(50):
                tally.add(hour, "positive", "x", "sv", [])
            tally.write(conn, ws)
            if signal is not None:
                signal.set()  # holds its row locks a while: the other writer must wait, not lose
                threading.Event().wait(0.3)

    _together(lambda: writer(None, first_wrote), lambda: writer(first_wrote, None))
    with ctx.engine.connect() as conn:
        counted = _counted(conn, ws)
    assert counted[(ALL_MENTIONS, "sentiment", hour, "positive")] == 100
    assert counted[(ALL_MENTIONS, "language", hour, "sv")] == 100

    # Two ingests at once, into the same hours, agree with counting the mentions afterwards.
    rng = random.Random(9)
    batches = [[_record(rng, 1000 * k + i, i) for i in range(40)] for k in (1, 2)]
    go = threading.Barrier(2)

    def ingest(batch: list[RawRecord]) -> None:
        go.wait(10)
        _ingest(ctx, batch)

    _together(*[lambda b=b: ingest(b) for b in batches])
    with ctx.engine.connect() as conn:
        counted = _counted(conn, ws)
        counted.subtract(
            {
                (ALL_MENTIONS, "sentiment", hour, "positive"): 100,
                (ALL_MENTIONS, "channel", hour, "x"): 100,
                (ALL_MENTIONS, "language", hour, "sv"): 100,
            }
        )
        assert +counted == _expected(conn, ws)
    ctx.engine.dispose()


def test_recount_command(sqlite_workspace, monkeypatch):
    from typer.testing import CliRunner

    from lyssna.cli.main import app

    listening.add_topic(sqlite_workspace, "Acme", "acme", "brand")
    _ingest(sqlite_workspace, [_record(random.Random(1), i, i) for i in range(20)])
    ws = sqlite_workspace.workspace.id
    with write_transaction(sqlite_workspace.engine) as conn:  # counts lost, as after a raw edit
        conn.execute(mention_rollups.delete())
    monkeypatch.setenv("LYSSNA_HOME", str(sqlite_workspace.settings.home))
    monkeypatch.setenv("LYSSNA_DATABASE_URL", sqlite_workspace.settings.database_url)
    result = CliRunner().invoke(app, ["recount"])
    assert result.exit_code == 0, result.output
    assert "Recounted workspace default" in result.output
    with sqlite_workspace.engine.connect() as conn:
        assert _counted(conn, ws) == _expected(conn, ws) != Counter()
