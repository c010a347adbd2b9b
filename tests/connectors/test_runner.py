"""The listen loop against a real database: cursors, health, backoff, isolation, hostile input."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from lyssna.connectors import manage, registry
from lyssna.connectors.base import SourceConfig
from lyssna.connectors.runner import Runner
from lyssna.core.clock import utcnow
from lyssna.storage import connector_state, quarantine
from lyssna.storage.schema import mentions
from lyssna.workspace import WorkspaceContext
from tests.connectors.conftest import fast_http
from tests.connectors.fakes.feeds import FakeFeeds
from tests.connectors.fakes.mastodon import TOKEN, FakeMastodon
from tests.connectors.fakes.server import FakeServer, Response, json_response


@pytest.fixture
def platforms(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    return FakeFeeds(server), FakeMastodon(server)


def runner(ctx: WorkspaceContext, **kw: Any) -> Runner:
    return Runner(ctx, http_factory=fast_http, **kw)


def state(ctx: WorkspaceContext, name: str) -> connector_state.SourceRecord:
    with ctx.engine.connect() as conn:
        return connector_state.get(conn, ctx.workspace.id, name)


def stored(ctx: WorkspaceContext, channel: str | None = None) -> list[Any]:
    query = select(mentions).where(mentions.c.workspace_id == ctx.workspace.id)
    if channel:
        query = query.where(mentions.c.channel == channel)
    with ctx.engine.connect() as conn:
        return list(conn.execute(query.order_by(mentions.c.id)))


def add_sources(ctx: WorkspaceContext, feeds: FakeFeeds, masto: FakeMastodon) -> None:
    manage.add_source(ctx, "rss", "matbloggen", {"url": feeds.rss_url})
    manage.add_source(
        ctx,
        "mastodon",
        "fediverse",
        {
            "instance": masto.url,
            "hashtags": ["elvåra"],
            "queries": ["elvåra"],
            "token": {"$env": "MASTODON_TOKEN"},
        },
    )


def test_collects_through_the_pipeline_and_keeps_the_payload(workspace, platforms):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra i Bergen", "Ny kafé åpner neste uke")
    masto.post("Elvåra har så bra kundtjänst", tags=("elvåra",))
    add_sources(workspace, feeds, masto)

    outcomes = asyncio.run(runner(workspace).run_once())

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert {o.source: o.new for o in outcomes} == {"matbloggen": 1, "fediverse": 1}
    toot = stored(workspace, "mastodon")[0]
    assert toot.text == "Elvåra har så bra kundtjänst"
    assert toot.author_handle == "anna@127.0.0.1"
    assert (toot.likes, toot.shares, toot.replies, toot.views) == (3, 2, 1, None)
    raw = toot.raw if isinstance(toot.raw, dict) else orjson.loads(toot.raw)
    assert raw["payload"]["content"] == "<p>Elvåra har så bra kundtjänst</p>"
    assert raw["connector"]["kind"] == "mastodon"
    post = stored(workspace, "rss")[0]
    assert post.text == "Elvåra i Bergen\n\nNy kafé åpner neste uke"
    assert post.lang == "no"
    rss_state = state(workspace, "matbloggen")
    assert rss_state.health == "healthy"
    assert rss_state.mentions_collected == 1 and rss_state.items_fetched == 1
    assert rss_state.cursor and rss_state.cursor["etag"]
    assert rss_state.next_run_at > utcnow() + timedelta(minutes=10)


def test_a_restart_continues_where_it_stopped(workspace, platforms):
    feeds, masto = platforms
    masto.post("Elvåra första", tags=("elvåra",))
    add_sources(workspace, feeds, masto)
    asyncio.run(runner(workspace).run_once())
    for n in range(95):  # more than two pages of 40 arrive while we are away
        masto.post(f"Elvåra nummer {n}", tags=("elvåra",))

    outcomes = asyncio.run(runner(workspace).run_once())  # a new runner: state from the database

    assert len(stored(workspace, "mastodon")) == 96  # no gaps
    fediverse = next(o for o in outcomes if o.source == "fediverse")
    assert fediverse.new == 95 and fediverse.pages >= 3
    tag_calls = masto.server.requests_to("/api/v1/timelines/tag")
    assert all(r.arg("since_id") for r in tag_calls[1:])
    # Nothing new: the feed answers 304 and no mention is fetched twice.
    again = asyncio.run(runner(workspace).run_once())
    assert all(o.new == 0 for o in again)
    assert feeds.not_modified >= 1


def test_a_broken_source_never_stops_the_others(workspace, platforms, server, monkeypatch):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra", "bra")
    add_sources(workspace, feeds, masto)
    monkeypatch.setenv("MASTODON_TOKEN", "expired-token")

    outcomes = {o.source: o for o in asyncio.run(runner(workspace).run_once())}

    assert outcomes["matbloggen"].ok and outcomes["matbloggen"].new == 1
    broken = state(workspace, "fediverse")
    assert broken.health == "unhealthy"
    assert "401" in broken.last_error and "$MASTODON_TOKEN" in broken.last_error
    assert "expired-token" not in broken.last_error
    assert broken.consecutive_failures == 1
    assert broken.next_run_at > utcnow() + timedelta(minutes=4)  # backs off
    assert state(workspace, "matbloggen").health == "healthy"


def test_a_platform_outage_backs_off_and_recovers(workspace, platforms, server):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra", "bra")
    manage.add_source(
        workspace, "rss", "matbloggen", {"url": feeds.rss_url, "interval_seconds": 60}
    )
    server.script(*[Response(503, b"down")] * 3, path="/feed.xml")
    asyncio.run(runner(workspace).run_once())
    first = state(workspace, "matbloggen")
    assert first.health == "backing_off" and "503" in first.last_error
    server.script(*[Response(503, b"down")] * 3, path="/feed.xml")
    asyncio.run(runner(workspace).run_once())
    second = state(workspace, "matbloggen")
    assert second.consecutive_failures == 2
    assert second.next_run_at - second.last_run_at > first.next_run_at - first.last_run_at
    asyncio.run(runner(workspace).run_once())
    healed = state(workspace, "matbloggen")
    assert healed.health == "healthy" and healed.last_error is None
    assert healed.consecutive_failures == 0 and healed.mentions_collected == 1


def test_a_missing_credential_is_a_reason_not_a_crash(workspace, platforms, monkeypatch):
    feeds, masto = platforms
    add_sources(workspace, feeds, masto)
    monkeypatch.delenv("MASTODON_TOKEN")
    asyncio.run(runner(workspace, only=["fediverse"]).run_once())
    broken = state(workspace, "fediverse")
    assert broken.health == "unhealthy"
    assert "$MASTODON_TOKEN" in broken.last_error and "not set" in broken.last_error


def test_rate_limit_reset_far_away_reschedules_the_source(workspace, platforms, server):
    feeds, masto = platforms
    add_sources(workspace, feeds, masto)
    server.script(
        json_response({"error": "Too many requests"}, 429, **{"Retry-After": "600"}),
        path="/api/v1/timelines/tag",
    )
    asyncio.run(runner(workspace, only=["fediverse"]).run_once())
    limited = state(workspace, "fediverse")
    assert limited.health == "backing_off"
    assert "429" in limited.last_error
    assert limited.next_run_at > utcnow() + timedelta(minutes=9)


HOSTILE_TEXTS = [
    "Elvåra 🎉🔥👩🏽‍💻 🇸🇪 fungerar!",
    "مرحبا Elvåra שלום \u202eevil\u202c",
    "Elv\u200båra\u200d med\ufeff nollbredd",
    "Elvåra \x00 med nolltecken",
]


def test_a_hostile_source_is_stored_or_quarantined_never_a_crash(workspace, platforms, server):
    feeds, masto = platforms
    for text in HOSTILE_TEXTS:
        masto.post(text, tags=("elvåra",))
    masto.post("x" * 150_000 + " Elvåra", tags=("elvåra",))  # a huge body
    masto.post("null content", tags=("elvåra",), content=None)
    masto.post("null account", tags=("elvåra",), account=None, language=None)
    masto.post("null date", tags=("elvåra",), created_at=None)
    masto.post("bad language", tags=("elvåra",), language="Swedish", favourites_count=None)
    masto.post("bad count", tags=("elvåra",), replies_count=-5)
    masto.post("wrong types", tags=("elvåra",), content=["not", "text"], uri=12)
    manage.add_source(
        workspace, "mastodon", "hostile", {"instance": masto.url, "hashtags": ["elvåra"]}
    )

    outcome = asyncio.run(runner(workspace).run_once())[0]

    assert outcome.ok, outcome.error
    assert outcome.fetched == 11
    texts = {m.text for m in stored(workspace)}
    assert "Elvåra 🎉🔥👩🏽‍💻 🇸🇪 fungerar!" in texts
    assert "مرحبا Elvåra שלום \u202eevil\u202c" in texts
    assert "Elv\u200båra\u200d med\ufeff nollbredd" in texts
    assert "Elvåra  med nolltecken" in texts  # NUL dropped, nothing else
    assert "null account" in texts and "bad language" in texts
    with workspace.engine.connect() as conn:
        reasons = [q.reason for q in quarantine.list_recent(conn, workspace.workspace.id)]
    assert outcome.new + outcome.quarantined == 11
    assert any("longer than" in r for r in reasons)
    assert any("missing text" in r for r in reasons)
    assert any("created_at" in r for r in reasons)
    assert any("replies" in r for r in reasons)
    assert state(workspace, "hostile").quarantined == outcome.quarantined


def test_a_page_of_lone_surrogates_is_still_read(workspace, server):
    masto = FakeMastodon(server)
    status = masto.post("placeholder", tags=("elvåra",))
    body = orjson.dumps([status]).decode().replace("placeholder", "Elvåra \\ud800 trasig")
    server.script(
        Response(200, body, {"Content-Type": "application/json"}), path="/api/v1/timelines/tag"
    )
    manage.add_source(workspace, "mastodon", "m", {"instance": masto.url, "hashtags": ["elvåra"]})
    outcome = asyncio.run(runner(workspace).run_once())[0]
    assert outcome.ok and outcome.new == 1
    assert stored(workspace)[0].text == "Elvåra \ufffd trasig"


def test_quarantine_keeps_every_bad_item_across_polls(workspace, server):
    masto = FakeMastodon(server)
    manage.add_source(workspace, "mastodon", "m", {"instance": masto.url, "hashtags": ["elvåra"]})
    masto.post("first", tags=("elvåra",), content=None)
    asyncio.run(runner(workspace).run_once())
    masto.post("second", tags=("elvåra",), content=None)
    asyncio.run(runner(workspace).run_once())
    with workspace.engine.connect() as conn:
        assert quarantine.count(conn, workspace.workspace.id) == 2


def test_listen_polls_on_schedule_until_stopped(workspace, platforms):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra", "bra")
    add_sources(workspace, feeds, masto)
    loop_runner = runner(workspace)
    seen: list[str] = []

    async def listen_briefly() -> None:
        stop = asyncio.Event()

        def on_poll(outcome: Any) -> None:
            seen.append(outcome.source)
            if len(seen) >= 2:
                stop.set()

        await asyncio.wait_for(loop_runner.run_forever(stop, on_poll=on_poll, tick=0.05), 30)

    asyncio.run(listen_briefly())
    assert sorted(seen) == ["fediverse", "matbloggen"]
    # Both are now scheduled in the future: nothing is due.
    assert loop_runner.due(utcnow()) == []


def test_removing_a_source_keeps_its_mentions(workspace, platforms):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra", "bra")
    manage.add_source(workspace, "rss", "matbloggen", {"url": feeds.rss_url})
    asyncio.run(runner(workspace).run_once())
    manage.remove_source(workspace, "matbloggen")
    assert len(stored(workspace)) == 1
    with workspace.engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(connector_state.source_state)).scalar()
            == 0
        )


class BuggyConnector:
    """A connector with a bug: its fetch raises something that is not a ConnectorError."""

    kind = "buggy"
    version = "0"
    config_model = SourceConfig
    can_reply = can_publish = needs_credentials = False

    def __init__(self, config: Any, http: Any) -> None:
        pass

    async def fetch(self, cursor: Any) -> Any:
        raise KeyError("oops")

    def map(self, item: Any, retrieved_at: Any) -> Any:
        raise AssertionError("never called")

    async def check(self) -> Any:
        raise AssertionError("never called")


def test_a_connector_bug_is_isolated(workspace, platforms, monkeypatch):
    feeds, masto = platforms
    feeds.add("a1", "Elvåra", "bra")
    monkeypatch.setitem(registry._registered, "buggy", BuggyConnector)
    manage.add_source(workspace, "rss", "matbloggen", {"url": feeds.rss_url})
    manage.add_source(workspace, "buggy", "bug", {})
    outcomes = {o.source: o for o in asyncio.run(runner(workspace).run_once())}
    assert outcomes["matbloggen"].ok
    assert "internal error in the buggy connector (KeyError" in outcomes["bug"].error
    assert state(workspace, "bug").health == "unhealthy"


def test_database_trouble_while_saving_state_does_not_stop_listening(
    workspace, platforms, monkeypatch
):
    feeds, masto = platforms
    manage.add_source(workspace, "rss", "matbloggen", {"url": feeds.rss_url})

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(connector_state, "record_success", broken)
    loop_runner = runner(workspace)
    outcome = asyncio.run(loop_runner.run_once())[0]
    assert "could not save the source's state" in outcome.error
    assert loop_runner.due(utcnow()) == []  # not retried in a hot loop
