"""Searching stored mentions by walking them in time order, then through the full-text index from
where the walk stopped, finds exactly what checking every mention finds, in the same order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from sqlalchemy import select

from lyssna import listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.query import parse
from lyssna.query.sql import candidate_filter, uses_full_text
from lyssna.storage import search
from lyssna.storage.schema import mention_topics, mentions
from lyssna.storage.search import MentionFilter, iter_matching

START = datetime(2026, 11, 1, tzinfo=UTC)
COMMON = ("elvåra", "elvåras", "kaffe", "app", "bra", "dålig")
RARE = ("strömavbrott", "laddbox")


@pytest.fixture
def searched(workspace):
    listening.add_topic(workspace, "Elvåra", "elvåra*", "brand")
    rng = random.Random(3)
    records = []
    for i in range(400):
        words = rng.sample(COMMON, 3) + ([rng.choice(RARE)] if rng.random() < 0.03 else [])
        data = {
            "id": str(i),
            "channel": rng.choice(["x", "mastodon"]),
            "text": " ".join(words) + f" #{rng.choice(['el', 'kaffe'])}",
            # Many mentions share a second, so the order falls back on the id.
            "created_at": (START + timedelta(seconds=rng.randint(0, 200) * 30)).isoformat(),
            "lang": rng.choice(["sv", "en"]),
        }
        records.append(RawRecord("t", i, data))
    Ingestor(workspace.engine, workspace.workspace.id, workers=1).ingest_records(records)
    return workspace


def _reference(conn, ws: int, flt: MentionFilter, newest_first: bool) -> list[int]:
    """Every mention of the workspace read and checked here, sorted by time and id."""
    rows = conn.execute(select(*search._COLUMNS).where(mentions.c.workspace_id == ws)).all()
    topic = set()
    if flt.topic_id is not None:
        topic = set(
            conn.execute(
                select(mention_topics.c.mention_id).where(mention_topics.c.topic_id == flt.topic_id)
            ).scalars()
        )
    found = [
        search._stored(r)
        for r in rows
        if (flt.topic_id is None or r.id in topic)
        and (flt.since is None or r.created_at >= flt.since)
        and (flt.until is None or r.created_at < flt.until)
    ]
    if flt.query is not None:
        found = [m for m in found if flt.query.matches(m.match_document())]
    found.sort(key=lambda m: (m.created_at, m.id), reverse=newest_first)
    return [m.id for m in found]


QUERIES = [
    "elvåra*",  # most mentions: the walk fills pages
    "kaffe AND app",
    "laddbox",  # a few: the walk gives way to the full-text index
    "strömavbrott OR laddbox",
    "nothing_like_this",
    "elvåra* -kaffe",
    "kaffe sentiment:positive lang:sv",
    "#kaffe",
    '"bra kaffe"',
]


@pytest.mark.parametrize("newest_first", [True, False])
@pytest.mark.parametrize(
    "walk",
    [
        {},  # as configured
        {"_WALK_FIRST": 2, "_WALK_MIN": 6, "_WALK_RATIO": 3},  # gives way early, mid-walk
        {"_WALK_FIRST": 3, "_WALK_MIN": 10, "_WALK_MAX": 25},  # gives way after 25 rows
        {"_WALK_FIRST": 2, "_WALK_MIN": 10**6, "_WALK_MAX": 10**6},  # walks to the end
    ],
)
def test_walk_then_index_finds_what_checking_every_mention_finds(
    searched, walk, newest_first, monkeypatch
):
    for name, value in walk.items():
        monkeypatch.setattr(search, name, value)
    ws = searched.workspace.id
    topic_id = listening.list_topics(searched)[0].id
    with searched.engine.connect() as conn:
        for text in QUERIES:
            query = parse(text)
            for flt in (
                MentionFilter(query=query),
                MentionFilter(query=query, topic_id=topic_id),
                MentionFilter(
                    query=query,
                    since=START + timedelta(minutes=20),
                    until=START + timedelta(minutes=80),
                ),
            ):
                found = [m.id for m in iter_matching(conn, ws, flt, newest_first=newest_first)]
                assert found == _reference(conn, ws, flt, newest_first), (text, flt)
                # A page taken from the start, as the explorer takes it.
                page = [m.id for m in islice(iter_matching(conn, ws, flt), 5, 11)]
                assert page == _reference(conn, ws, flt, True)[5:11], text


def test_only_word_conditions_are_left_to_the_walk():
    assert uses_full_text(parse("kaffe"), "sqlite")
    assert uses_full_text(parse("kaff* lang:sv"), "postgresql")
    assert not uses_full_text(parse("lang:sv channel:x"), "sqlite")
    assert not uses_full_text(parse("_"), "sqlite")  # no token for FTS5: not narrowed
    assert candidate_filter(parse("kaffe"), "sqlite", full_text=False) is None
    fields = candidate_filter(parse("kaffe lang:sv"), "postgresql", full_text=False)
    assert fields is not None and "search_vector" not in str(fields)
