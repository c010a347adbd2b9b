"""What is particular to YouTube, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from lyssna.cli import common
from lyssna.cli.sources import sources_app
from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    GoneError,
    RateLimitedError,
    RequestRejectedError,
    SourceNotFoundError,
)
from lyssna.connectors.youtube.client import quota_reset
from lyssna.core.settings import load_settings
from lyssna.pipeline.normalise import normalise
from lyssna.workspace import init_workspace
from tests.connectors.conftest import connector_for
from tests.connectors.fakes import youtube
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> youtube.FakeYouTube:
    monkeypatch.setenv("YOUTUBE_API_KEY", youtube.API_KEY)
    return youtube.FakeYouTube(server)


def config(fake: youtube.FakeYouTube, **overrides: Any) -> dict[str, Any]:
    return {
        "queries": ["elvåra"],
        "api_key": {"$env": "YOUTUBE_API_KEY"},
        "service": fake.url,
        **overrides,
    }


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("youtube", settings)


run = asyncio.run


def test_searches_newest_videos_with_the_key(fake, server):
    fake.video("Elv&#229;ra &amp; kaffe", "Vi testar &quot;Elvåra&quot;")
    connector = connect(config(fake))
    record = connector.map(run(connector.fetch(None)).items[0], NOW).record
    assert record["id"] == "vid00000001"
    assert record["text"] == 'Elvåra & kaffe\n\nVi testar "Elvåra"'
    assert record["url"] == "https://www.youtube.com/watch?v=vid00000001"
    assert record["author"]["handle"] == "Elvåra Kanal"
    assert record["metrics"] == {"likes": None, "shares": None, "replies": None, "views": None}
    assert "unknown_fields" not in record["connector"]
    assert youtube.API_KEY not in (record["connector"]["source_url"] or "")
    search = server.requests_to("/youtube/v3/search")[0]
    assert search.arg("key") == youtube.API_KEY
    assert (search.arg("part"), search.arg("type"), search.arg("order")) == (
        "snippet",
        "video",
        "date",
    )
    assert search.arg("publishedAfter") is None  # the first poll reads the newest page only


def test_comment_threads_map_and_reply_to_their_video(fake, server):
    fake.comment("Elvåra & jag", video_id="vid00000042")
    fake.comment("Annat", video_id="vid00000042")
    connector = connect(config(fake, queries=[], videos=["vid00000042"], comment_queries=["elv"]))
    items = run(connector.fetch(None)).items
    assert len(items) == 1
    record = connector.map(items[0], NOW).record
    assert record["id"] == "UgzComment000001"
    assert record["text"] == "Elvåra & jag"
    assert record["reply_to"] == "vid00000042"
    assert record["url"] == "https://www.youtube.com/watch?v=vid00000042&lc=UgzComment000001"
    assert record["author"]["handle"] == "@kari"
    assert record["metrics"] == {"likes": 4, "shares": None, "replies": 2, "views": None}
    assert "unknown_fields" not in record["connector"]
    normalise(record)
    request = server.requests_to("/youtube/v3/commentThreads")[0]
    assert request.arg("searchTerms") == "elv" and request.arg("videoId") == "vid00000042"


def test_channel_comment_walk_stops_where_it_stopped(fake, server):
    settings = config(fake, queries=[], channels=["UCelvara0000000000000000"])
    fake.comment("första")
    first = run(connect(settings).fetch(None))
    for n in range(150):
        fake.comment(f"kommentar {n}")
    cursor, seen = first.next_cursor, set()
    while True:
        result = run(connect(settings).fetch(cursor))
        seen |= {i.payload["id"] for i in result.items}
        cursor = result.next_cursor
        if not result.more:
            break
    first_ids = {i.payload["id"] for i in first.items}
    assert len(seen - first_ids) == 150  # all new ones; at most the boundary comment again
    assert len(server.requests_to("/youtube/v3/commentThreads")) == 3


def test_search_walk_pages_down_to_what_it_had(fake, server):
    settings = config(fake, page_size=2)
    fake.video("Elvåra 0")
    cursor = run(connect(settings).fetch(None)).next_cursor
    for n in range(1, 6):
        fake.video(f"Elvåra {n}")
    seen: set[str] = set()
    while True:
        result = run(connect(settings).fetch(cursor))
        seen |= {i.payload["snippet"]["title"] for i in result.items}
        cursor = result.next_cursor
        if not result.more:
            break
    assert {f"Elvåra {n}" for n in range(1, 6)} <= seen
    later = server.requests_to("/youtube/v3/search")[1:]
    assert all(r.arg("publishedAfter") == "2026-11-20T08:01:00Z" for r in later)
    assert later[1].arg("pageToken")


def test_a_used_up_quota_waits_for_midnight_pacific_not_a_new_key(fake, monkeypatch):
    fake.quota = 150  # one search, then the quota is gone
    run(connect(config(fake)).fetch(None))
    with pytest.raises(RateLimitedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "quota" in raised.value.reason and "midnight Pacific" in raised.value.reason
    assert raised.value.retry_at is not None
    assert raised.value.retry_at.astimezone(UTC).hour in (7, 8)  # midnight PST/PDT
    assert not isinstance(raised.value, AuthError)


def test_quota_resets_at_midnight_pacific():
    # 23 Nov 2026 is standard time (UTC-8); 1 Jul is daylight time (UTC-7).
    assert quota_reset(datetime(2026, 11, 23, 12, tzinfo=UTC)) == datetime(
        2026, 11, 24, 8, tzinfo=UTC
    )
    assert quota_reset(datetime(2026, 11, 24, 7, 59, tzinfo=UTC)) == datetime(
        2026, 11, 24, 8, tzinfo=UTC
    )
    assert quota_reset(datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(2026, 7, 2, 7, tzinfo=UTC)


def test_a_bad_key_is_named_and_never_shown(fake, monkeypatch):
    monkeypatch.setenv("YOUTUBE_API_KEY", "AIza-wrong-key")
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "API key not valid" in raised.value.reason
    assert "$YOUTUBE_API_KEY" in raised.value.reason and "AIza-wrong" not in raised.value.reason


def test_video_problems(fake):
    fake.comments_disabled.add("vid00000007")
    with pytest.raises(RequestRejectedError, match="comments are turned off"):
        run(connect(config(fake, queries=[], videos=["vid00000007"])).fetch(None))
    with pytest.raises(SourceNotFoundError, match="could not be found"):
        run(connect(config(fake, queries=[], videos=["nosuchvideo"])).fetch(None))


def test_a_retired_api_is_gone(fake):
    fake.retired = True
    with pytest.raises(GoneError, match="410"):
        run(connect(config(fake)).fetch(None))


def test_check_does_not_spend_a_search(fake):
    verdict = run(connect(config(fake, channels=["UCelvara0000000000000000"])).check())
    assert verdict.ok, verdict.message
    assert "API key: accepted" in verdict.details
    assert any("not run" in d for d in verdict.details)
    assert fake.used == 2  # videos.list and commentThreads: a unit each


def test_config_needs_something_to_read():
    with pytest.raises(ValueError, match="--query, --video or --channel"):
        registry.get("youtube").config_model.model_validate({"api_key": {"$env": "K"}})


def test_sources_add_youtube(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    common.set_global_flags()
    init_workspace(load_settings()).engine.dispose()
    app = typer.Typer()
    app.add_typer(sources_app, name="sources")
    cli = CliRunner()
    added = cli.invoke(
        app,
        ["sources", "add", "youtube", "yt", "--query", "elvåra", "--video", "vid00000001",
         "--channel", "UCelvara0000000000000000", "--comment-query", "elvåra",
         "--key-env", "YOUTUBE_API_KEY"],
        catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$YOUTUBE_API_KEY" in added.output and youtube.API_KEY not in added.output
    assert "videos=vid00000001" in added.output
    missing = cli.invoke(app, ["sources", "add", "youtube", "y2", "--query", "x"])
    assert missing.exit_code == 2 and "--key-env" in missing.output
