"""Ingest, dedupe, topics, search and stats against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lyssna import listening
from lyssna.core.errors import ConflictError, QuerySyntaxError
from lyssna.pipeline.ingest import Ingestor
from lyssna.query import parse
from lyssna.storage import events, quarantine
from lyssna.storage.schema import mentions
from lyssna.storage.search import MentionFilter, count_by_topic, search

RECORDS = [
    {
        "id": "1",
        "channel": "mastodon",
        "text": "Nordbank har så bra kundtjänst, tack Lisa! 😊",
        "created_at": "2026-11-02T08:00:00+01:00",
        "author": {"handle": "anna", "followers": 120},
        "url": "https://social.example.se/@anna/1",
        "lang": "sv",
    },
    {
        "id": "2",
        "channel": "mastodon",
        "text": "Appen till #nordbank är inte bra, den kraschar igen",
        "created_at": "2026-11-02T09:30:00+01:00",
        "author": "olle",
        "lang": "sv",
    },
    {
        "id": "3",
        "channel": "rss",
        "text": "Kundeservicen hos Nordbank svarte raskt, veldig fornøyd",
        "created_at": "2026-11-03T12:00:00Z",
        "author": "blogg",
        "url": "https://blogg.example.no/a",
        "lang": "nb",
    },
    {
        "id": "4",
        "channel": "x",
        "text": "Fjordpengar har lägre avgifter än alla andra banker",
        "created_at": "2026-11-03T13:00:00Z",
        "author": "pelle",
    },
    {
        "id": "5",
        "channel": "x",
        "text": "brallor är inte en bank",
        "created_at": "2026-11-04T10:00:00Z",
    },
]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8")
    return path


def ingest(ctx, path: Path, **kwargs):
    return Ingestor(ctx.engine, ctx.workspace.id, workers=1).ingest_files([path], **kwargs)


def test_ingest_search_and_topics(workspace, tmp_path):
    listening.add_topic(workspace, "Nordbank", "nordbank OR @nordbank", "brand")
    summary = ingest(workspace, write_jsonl(tmp_path / "a.jsonl", RECORDS), source="test")
    assert (summary.new, summary.duplicates, summary.quarantined) == (5, 0, 0)
    assert summary.matched == {"Nordbank": 3}

    with workspace.engine.connect() as conn:
        found = search(conn, workspace.workspace.id, MentionFilter(query=parse("nordbank")))
        assert [m.external_id for m in found] == ["3", "2", "1"]  # newest first
        assert all(m.topics == ["Nordbank"] for m in found)
        assert found[2].author.followers == 120
        hashtag = search(conn, workspace.workspace.id, MentionFilter(query=parse("#nordbank")))
        assert [m.external_id for m in hashtag] == ["2"]
        assert (
            search(conn, workspace.workspace.id, MentionFilter(query=parse("bra")))[0].external_id
            == "2"
        )
        # `bra` is a whole word: it does not match "brallor"
        assert "5" not in [
            m.external_id
            for m in search(conn, workspace.workspace.id, MentionFilter(query=parse("bra")))
        ]
        lang_no = search(conn, workspace.workspace.id, MentionFilter(query=parse("lang:no")))
        assert [m.external_id for m in lang_no] == ["3"] and lang_no[0].lang_variant == "nb"
        site = search(conn, workspace.workspace.id, MentionFilter(query=parse("site:example.no")))
        assert [m.external_id for m in site] == ["3"]
        phrase = search(conn, workspace.workspace.id, MentionFilter(query=parse('"inte bra"')))
        assert [m.external_id for m in phrase] == ["2"]
        since = search(
            conn,
            workspace.workspace.id,
            MentionFilter(query=parse("nordbank"), since=datetime(2026, 11, 3, tzinfo=UTC)),
        )
        assert [m.external_id for m in since] == ["3"]


def test_topic_added_later_matches_stored_mentions(workspace, tmp_path):
    ingest(workspace, write_jsonl(tmp_path / "a.jsonl", RECORDS))
    topic, matched = listening.add_topic(workspace, "Konkurrent", "fjordpengar", "competitor")
    assert matched == 1
    with workspace.engine.connect() as conn:
        found = search(conn, workspace.workspace.id, MentionFilter(topic_id=topic.id))
    assert [m.external_id for m in found] == ["4"]
    with pytest.raises(ConflictError):
        listening.add_topic(workspace, "Konkurrent", "x", "competitor")
    with pytest.raises(QuerySyntaxError):
        listening.add_topic(workspace, "Trasig", "(nordbank", "theme")
    assert [t.name for t in listening.list_topics(workspace)] == ["Konkurrent"]
    listening.edit_topic(workspace, "Konkurrent", "fjordpengar OR nordbank")
    with workspace.engine.connect() as conn:
        assert len(search(conn, workspace.workspace.id, MentionFilter(topic_id=topic.id))) == 4
    listening.remove_topic(workspace, "Konkurrent")
    assert listening.list_topics(workspace) == []


def test_same_record_twice_is_stored_once_and_edits_update(workspace, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", RECORDS)
    ingest(workspace, path)
    again = ingest(workspace, path)
    assert (again.new, again.duplicates, again.updated) == (0, 5, 0)
    edited = dict(RECORDS[1], text="Appen till nordbank fungerar nu, bra jobbat")
    listening.add_topic(workspace, "Nordbank", "nordbank", "brand")
    result = ingest(workspace, write_jsonl(tmp_path / "b.jsonl", [edited]))
    assert (result.new, result.updated) == (0, 1)
    with workspace.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(mentions)).scalar() == 5
        found = search(conn, workspace.workspace.id, MentionFilter(query=parse("jobbat")))
        assert [m.external_id for m in found] == ["2"] and found[0].topics == ["Nordbank"]
        assert search(conn, workspace.workspace.id, MentionFilter(query=parse("kraschar"))) == []
        kinds = [e.kind for e in events.read_after(conn, workspace.workspace.id)]
    assert kinds.count(events.MENTION_NEW) == 5 and kinds.count(events.MENTION_UPDATED) == 1


def test_malformed_records_are_quarantined_and_the_rest_goes_on(workspace, tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(RECORDS[0], ensure_ascii=False),
        "{not json",
        json.dumps({"id": "9", "created_at": "2026-11-02T08:00:00Z"}),  # no text
        json.dumps({"id": "10", "text": "hej", "created_at": "i förrgår"}),
        "[1, 2]",
        json.dumps(RECORDS[1], ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    summary = ingest(workspace, path)
    assert (summary.new, summary.quarantined) == (2, 4)
    with workspace.engine.connect() as conn:
        held = sorted(quarantine.list_recent(conn, workspace.workspace.id), key=lambda r: r.line)
    assert [(r.line, r.reason.split(":")[0]) for r in held] == [
        (2, "not JSON"),
        (3, "missing text"),
        (4, "created_at is not an ISO-8601 date and time"),
        (5, "not a JSON object"),
    ]
    ingest(workspace, path)  # quarantined again: still kept once
    with workspace.engine.connect() as conn:
        assert quarantine.count(conn, workspace.workspace.id) == 4


def test_near_duplicates_are_flagged(workspace, tmp_path):
    campaign = "Bojkotta Nordbank nu, de tar ut dolda avgifter av alla kunder"
    copies = [
        {
            "id": f"c{i}",
            "channel": "x",
            "text": f"{campaign}{'!' * i} https://l.example/{i}",
            "created_at": f"2026-11-05T10:0{i}:00Z",
            "author": f"bot{i}",
        }
        for i in range(3)
    ]
    ingest(workspace, write_jsonl(tmp_path / "a.jsonl", RECORDS + copies[:1]))
    ingest(workspace, write_jsonl(tmp_path / "b.jsonl", copies[1:]))
    with workspace.engine.connect() as conn:
        flagged = (
            conn.execute(select(mentions.c.external_id).where(mentions.c.near_duplicate.is_(True)))
            .scalars()
            .all()
        )
    assert sorted(flagged) == ["c0", "c1", "c2"]


def test_near_duplicates_across_batches_and_edits(workspace, tmp_path):
    """Copies arriving one batch at a time, and an edit that turns a post into a copy."""
    campaign = "Bojkotta Nordbank nu, de tar ut dolda avgifter av alla kunder"
    plain = {"channel": "x", "created_at": "2026-11-05T10:00:00Z"}
    ingest(workspace, write_jsonl(tmp_path / "a.jsonl", [{**plain, "id": "own", "text": "Hej"}]))
    for i in range(4):  # one file (one batch) per copy
        copy = {**plain, "id": f"c{i}", "text": f"{campaign}{'!' * i} https://l.example/{i}"}
        ingest(workspace, write_jsonl(tmp_path / f"c{i}.jsonl", [copy]))
    # "own" is edited into a copy; "lone" gets a copy of its own in the same batch
    lone = "Tack Nordbank för snabb hjälp med kortet i går kväll"
    ingest(
        workspace,
        write_jsonl(
            tmp_path / "e.jsonl",
            [
                {**plain, "id": "own", "text": campaign},
                {**plain, "id": "lone", "text": lone},
            ],
        ),
    )
    ingest(workspace, write_jsonl(tmp_path / "f.jsonl", [{**plain, "id": "twin", "text": lone}]))
    with workspace.engine.connect() as conn:
        flagged = (
            conn.execute(select(mentions.c.external_id).where(mentions.c.near_duplicate.is_(True)))
            .scalars()
            .all()
        )
    assert sorted(flagged) == ["c0", "c1", "c2", "c3", "lone", "own", "twin"]


def test_stats_per_topic_and_day_with_sentiment(workspace, tmp_path):
    listening.add_topic(workspace, "Nordbank", "nordbank", "brand")
    ingest(workspace, write_jsonl(tmp_path / "a.jsonl", RECORDS))
    with workspace.engine.connect() as conn:
        topic_id = listening.topic_ids(workspace, ["Nordbank"])[0]
        totals = count_by_topic(conn, workspace.workspace.id, None)
        by_day = count_by_topic(
            conn, workspace.workspace.id, [topic_id], by="day", timezone="Europe/Stockholm"
        )
    assert totals[None][None].total == 5
    assert totals[topic_id][None].total == 3
    c = totals[topic_id][None]
    assert c.negative + c.neutral + c.positive + c.unknown == 3
    assert {k: v.total for k, v in by_day[topic_id].items()} == {"2026-11-02": 2, "2026-11-03": 1}


def test_csv_import(workspace, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "id,text,created_at,author,author_followers,likes,channel\n"
        'r1,"Bra service, tack!",2026-11-01T10:00:00Z,kund1,15,3,reviews\n'
        "r2,,2026-11-01T11:00:00Z,kund2,,,reviews\n",
        "utf-8",
    )
    summary = ingest(workspace, path)
    assert (summary.new, summary.quarantined) == (1, 1)
    with workspace.engine.connect() as conn:
        (m,) = search(conn, workspace.workspace.id, MentionFilter(query=parse("service")))
    assert m.channel == "reviews" and m.author.followers == 15 and m.metrics.likes == 3


def test_hostile_records_are_stored_intact_on_both_databases(workspace, tmp_path):
    hostile = [
        {
            "id": "h1",
            "text": "NUL\x00inside and in raw",
            "created_at": "2026-11-02T08:00:00Z",
            "note": "a\x00b",
        },
        {
            "id": "h2",
            "text": "مرحبا Nordbank שלום ‮reversed‬ zero\u200bwidth 👩‍👩‍👧 🇸🇪",
            "created_at": "2026-11-02T08:00:00Z",
        },
        {"id": "h3", "text": "nordbank " + "å" * 90_000, "created_at": "2026-11-02T08:00:00Z"},
        {
            "id": "h4",
            "text": "emoji only 😀😀😀",
            "created_at": "2026-11-02T08:00:00Z",
            "author": None,
            "metrics": None,
            "url": None,
        },
    ]
    summary = ingest(workspace, write_jsonl(tmp_path / "h.jsonl", hostile))
    assert (summary.new, summary.quarantined) == (4, 0)
    with workspace.engine.connect() as conn:
        found = search(conn, workspace.workspace.id, MentionFilter(query=parse("nordbank")))
        raw = conn.execute(select(mentions.c.raw).where(mentions.c.external_id == "h1")).scalar()
    assert sorted(m.external_id for m in found) == ["h2", "h3"]
    assert raw["note"] in ("a\x00b", "a\ufffdb")  # PostgreSQL's jsonb cannot hold NUL


def test_repeated_mention_refreshes_its_engagement(workspace, tmp_path):
    first = dict(RECORDS[0], metrics={"likes": 2, "shares": 1})
    ingest(workspace, write_jsonl(tmp_path / "a.jsonl", [first]))
    later = dict(RECORDS[0], metrics={"likes": 40, "views": 900})  # shares not reported now
    summary = ingest(workspace, write_jsonl(tmp_path / "b.jsonl", [later]))
    assert (summary.new, summary.duplicates) == (0, 1)
    with workspace.engine.connect() as conn:
        (m,) = search(conn, workspace.workspace.id, MentionFilter(query=parse("kundtjänst")))
    assert (m.metrics.likes, m.metrics.shares, m.metrics.views) == (40, 1, 900)


def test_semicolon_csv_and_byte_order_marks(workspace, tmp_path):
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes(
        "\ufeffid;text;created_at;author;likes\n"
        "e1;Bra service, tack!;2026-11-01T10:00:00Z;kund1;3\n".encode()
    )
    jsonl_path = tmp_path / "bom.jsonl"
    jsonl_path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(RECORDS[0], ensure_ascii=False).encode() + b"\n"
    )
    a = ingest(workspace, csv_path)
    b = ingest(workspace, jsonl_path)
    assert (a.new, a.quarantined, b.new, b.quarantined) == (1, 0, 1, 0)
    with workspace.engine.connect() as conn:
        (m,) = search(conn, workspace.workspace.id, MentionFilter(query=parse("service")))
    assert m.text == "Bra service, tack!" and m.metrics.likes == 3
