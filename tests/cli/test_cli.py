"""The `lyssna` command as a user runs it: exit codes, messages, formats, environment."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lyssna.cli.main import app

RECORDS = [
    {
        "id": "a1",
        "channel": "mastodon",
        "text": "Bästa kaffet i stan hos Kaffekvarnen! ☕",
        "created_at": "2026-11-10T08:00:00+01:00",
        "author": "lisa",
    },
    {
        "id": "a2",
        "channel": "bluesky",
        "text": "Kaffekvarnen har blivit så dyrt, inte bra alls",
        "created_at": "2026-11-11T18:00:00Z",
        "author": {"handle": "per", "followers": 4000},
    },
    {
        "id": "a3",
        "channel": "rss",
        "text": "Ny kaffebar öppnar i Bergen neste uke",
        "created_at": "2026-11-12T12:00:00Z",
        "url": "https://nyheter.example.no/kaffe",
    },
]


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def data(tmp_path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n{oops\n")
    return path


def test_commands_before_init_say_what_to_do(run):
    result = run("topics", "list")
    assert result.exit_code == 2
    assert "lyssna init" in result.output and "Traceback" not in result.output


def test_whole_flow(run, data, tmp_path):
    assert run("init").exit_code == 0
    assert (tmp_path / "home" / "lyssna.db").exists()
    added = run("topics", "add", "Kaffekvarnen", "--query", "kaffekvarnen", "--kind", "brand")
    assert added.exit_code == 0, added.output
    ingested = run("ingest", str(data), "--source", "test")
    assert ingested.exit_code == 0, ingested.output
    assert "3 new" in ingested.output and "1 quarantined" in ingested.output
    assert "Kaffekvarnen" in ingested.output

    later = run("topics", "add", "Kaffe", "--query", "kaff*")
    assert "3 stored mentions match" in later.output

    found = run("search", "kaffekvarnen", "--format", "jsonl")
    rows = [json.loads(line) for line in found.output.splitlines()]
    assert [r["id"] for r in rows] == ["a2", "a1"]
    for key in ("id", "channel", "created_at", "author", "text", "lang", "sentiment", "topics"):
        assert key in rows[0]
    assert rows[0]["topics"] == ["Kaffe", "Kaffekvarnen"] and rows[0]["author"] == "per"

    table = run("search", "--topic", "Kaffe", "--limit", "2")
    assert table.exit_code == 0 and "nyheter" not in table.output
    as_csv = run("search", "site:example.no", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert [r["id"] for r in parsed] == ["a3"]

    stats = run("stats", "--format", "jsonl")
    by_topic = {json.loads(line)["topic"]: json.loads(line) for line in stats.output.splitlines()}
    assert by_topic["(all mentions)"]["total"] == 3 and by_topic["Kaffekvarnen"]["total"] == 2
    daily = run("stats", "--topic", "Kaffe", "--by", "day")
    assert daily.exit_code == 0 and "2026-11-12" in daily.output

    q = run("quarantine", "list")
    assert "not JSON" in q.output

    assert run("topics", "remove", "Kaffe").exit_code == 0
    assert "Kaffe " not in run("topics", "list").output


def test_bad_query_shows_the_column(run, data):
    run("init")
    result = run("search", "kaffe AND (te OR")
    assert result.exit_code == 2
    assert "column" in result.output and "^" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "--by", "week"),
        ("search", "kaffe", "--since", "förra veckan"),
        ("search", "kaffe", "--format", "xml"),
        ("topics", "add", "X", "--query", "kaffe", "--kind", "vän"),
        ("topics", "remove", "finns-inte"),
    ],
)
def test_user_errors_are_messages(run, args):
    run("init")
    result = run(*args)
    assert result.exit_code == 2
    assert "Error" in result.output and "Traceback" not in result.output


def test_database_url_from_environment(run, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("LYSSNA_DATABASE_URL", f"sqlite:///{other}")
    assert run("init").exit_code == 0
    assert other.exists() and not (tmp_path / "home" / "lyssna.db").exists()
