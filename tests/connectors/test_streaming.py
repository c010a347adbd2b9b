"""Live streams through the runner, against fake platforms on 127.0.0.1: items stored as they
come, cursors that resume without gaps or duplicates, reconnects, stalls, refusals, hostile
messages. Timeouts and backoffs are tiny, so every test takes a second or two."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from rich.console import Console

from lyssna import listening
from lyssna.connectors import manage
from lyssna.connectors.runner import Runner
from lyssna.connectors.streaming import StreamPolicy, StreamStatus, WorkspaceTopics
from lyssna.storage import quarantine
from lyssna.workspace import WorkspaceContext
from tests.connectors.conftest import fast_http
from tests.connectors.fakes import mastodon, x
from tests.connectors.fakes.jetstream import FakeJetstream
from tests.connectors.fakes.mastodon_streaming import FakeMastodonStreaming
from tests.connectors.fakes.server import FakeServer
from tests.connectors.fakes.x_stream import FakeXStream
from tests.connectors.test_runner import state, stored

FAST = StreamPolicy(
    batch_items=50,
    batch_seconds=0.05,
    cursor_seconds=0.1,
    network_step=0.02,
    network_max=0.1,
    http_first=0.05,
    http_max=0.2,
    rate_first=0.1,
    rate_max=0.3,
    refused_first=0.3,
    refused_max=0.5,
    unavailable_retry=30.0,
    topics_refresh=0.1,
    stable_after=0.5,
)


def runner(ctx: WorkspaceContext, **kw: Any) -> Runner:
    return Runner(ctx, http_factory=fast_http, stream_policy=FAST, **kw)


def quarantined(ctx: WorkspaceContext) -> list[Any]:
    with ctx.engine.connect() as conn:
        return list(quarantine.list_recent(conn, ctx.workspace.id, limit=100))


def raw(row: Any) -> dict[str, Any]:
    return row.raw if isinstance(row.raw, dict) else orjson.loads(row.raw)


async def listen_until(
    run: Runner,
    done: Callable[[], bool],
    *,
    timeout: float = 8.0,
    during: Callable[[], None] | None = None,
) -> None:
    """Run `lyssna listen` until `done()` holds (checked off the loop), then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(run.run_forever(stop, tick=0.02))
    deadline = time.monotonic() + timeout
    try:
        while not await asyncio.to_thread(done):
            if task.done():
                task.result()
                raise AssertionError("the runner stopped by itself")
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout}s: {run.streams}")
            if during is not None:
                during()
            await asyncio.sleep(0.03)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


def until(run: Runner, done: Callable[[], bool], **kw: Any) -> None:
    asyncio.run(listen_until(run, done, **kw))


def live(run: Runner, name: str) -> bool:
    status = run.streams.get(name)
    return status is not None and status.state == "live"


# --- Bluesky Jetstream ---------------------------------------------------------------------


@pytest.fixture
def jetstream() -> Iterator[FakeJetstream]:
    fake = FakeJetstream()
    yield fake
    fake.stop()


def add_jetstream(ctx: WorkspaceContext, fake: FakeJetstream, **settings: Any) -> None:
    listening.add_topic(ctx, "Elvåra", "elvåra OR elvara", "brand")
    config = {"mode": "stream", "jetstream_url": fake.url, "stall_seconds": 2.0, **settings}
    manage.add_source(ctx, "bluesky", "firehose", config)


def test_a_stream_whose_settings_change_reconnects_with_them(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)
    edited: list[bool] = []

    def edit() -> None:
        if live(run, "firehose") and not edited:
            manage.edit_source(workspace, "firehose", {"stall_seconds": 3.0})
            edited.append(True)

    until(run, lambda: len(jetstream.subscriptions) >= 2 and live(run, "firehose"), during=edit)
    assert edited and len(run.streams) == 1


def test_jetstream_stores_only_posts_that_match_the_topics(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)

    def publish() -> None:
        if live(run, "firehose") and not jetstream.archive:
            jetstream.post("Elvåra har bäst kundtjänst!", did="did:plc:anna")
            jetstream.post("Vädret i Oslo idag", did="did:plc:bo")
            jetstream.like()
            jetstream.identity()
            jetstream.post(
                "Elvara svarar aldrig",
                did="did:plc:cecilia",
                langs=["nb"],
                reply_to="at://did:plc:anna/app.bsky.feed.post/3lpost000001",
            )
            jetstream.delete("did:plc:bo", "3lpost000002")

    def done() -> bool:
        return len(stored(workspace, "bluesky")) >= 2 and run.streams["firehose"].deleted == 1

    until(run, done, during=publish)

    rows = stored(workspace, "bluesky")
    assert [r.text for r in rows] == ["Elvåra har bäst kundtjänst!", "Elvara svarar aldrig"]
    first, second = rows
    assert first.external_id == "at://did:plc:anna/app.bsky.feed.post/3lpost000001"
    assert first.author_handle == "did:plc:anna"
    assert first.url == "https://bsky.app/profile/did:plc:anna/post/3lpost000001"
    assert first.lang == "sv" and first.likes is None
    assert second.reply_to == "at://did:plc:anna/app.bsky.feed.post/3lpost000001"
    assert second.lang == "no"
    payload = raw(first)["payload"]
    assert payload["commit"]["record"]["text"] == "Elvåra har bäst kundtjänst!"
    assert raw(first)["connector"]["source_url"] == jetstream.url
    subscription = jetstream.subscriptions[0]
    assert subscription["wantedCollections"] == ["app.bsky.feed.post"]
    assert "cursor" not in subscription  # the first connection starts from now
    source = state(workspace, "firehose")
    assert source.health == "healthy"
    assert source.cursor["time_us"] >= raw(second)["payload"]["time_us"]
    assert source.mentions_collected == 2


def test_jetstream_resumes_from_its_cursor_without_gaps_or_duplicates(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)

    def first_post() -> None:
        if live(run, "firehose") and not jetstream.archive:
            jetstream.post("elvåra ett")

    until(run, lambda: len(stored(workspace)) == 1, during=first_post)
    saved = state(workspace, "firehose").cursor["time_us"]
    # While nobody listens, the network goes on.
    for n in range(5):
        jetstream.post(f"elvåra medan vi sov {n}")
        jetstream.post(f"något annat {n}")

    until(runner(workspace), lambda: len(stored(workspace)) == 6)

    texts = [r.text for r in stored(workspace)]
    assert texts == ["elvåra ett"] + [f"elvåra medan vi sov {n}" for n in range(5)]
    resumed = jetstream.subscriptions[1]
    assert int(resumed["cursor"][0]) == saved - 5_000_000  # a few seconds back, for safety
    # The rewind replays "elvåra ett" again; the pipeline knows it and stores it once.
    assert len({r.external_id for r in stored(workspace)}) == 6


def test_jetstream_reconnects_after_a_dropped_connection(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)
    steps: list[str] = []

    def script() -> None:
        if not live(run, "firehose"):
            return
        if not steps:
            jetstream.post("elvåra före avbrottet")
            steps.append("posted")
        elif steps == ["posted"] and len(stored(workspace)) == 1:
            jetstream.drop()
            jetstream.post("elvåra under avbrottet")
            steps.append("dropped")

    until(run, lambda: len(stored(workspace)) == 2, during=script)

    assert run.streams["firehose"].reconnects >= 1
    assert len(jetstream.subscriptions) >= 2
    assert "cursor" in jetstream.subscriptions[-1]
    assert state(workspace, "firehose").health == "healthy"


def test_a_stream_that_goes_silent_is_reconnected(workspace, jetstream):
    add_jetstream(workspace, jetstream, stall_seconds=0.3)
    run = runner(workspace)
    froze: list[bool] = []

    def freeze_once() -> None:
        if live(run, "firehose") and not froze:
            jetstream.freeze()  # no data, and pings go unanswered
            jetstream.post("elvåra efter tystnaden")
            froze.append(True)

    until(run, lambda: len(stored(workspace)) == 1, during=freeze_once)

    assert len(jetstream.subscriptions) >= 2
    assert run.streams["firehose"].reconnects >= 1


def test_a_refused_connection_backs_off_then_recovers(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    jetstream.refuse_with = 503
    run = runner(workspace)
    seen: list[str] = []

    def watch() -> None:
        health = state(workspace, "firehose").health
        if health == "backing_off" and not seen:
            seen.append(state(workspace, "firehose").last_error or "")
            jetstream.refuse_with = None

    def recovered() -> bool:
        return bool(seen) and state(workspace, "firehose").health == "healthy"

    until(run, recovered, during=watch)

    assert "503" in seen[0] and "may be down" in seen[0]


def test_a_stream_closed_as_soon_as_it_opens_is_not_reopened_in_a_tight_loop(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    jetstream.close_at_once = True
    run = runner(workspace)

    # Each reopening is briefly "healthy" until it closes again: wait for a closed moment.
    seen: list[Any] = []

    def closed_again() -> bool:
        seen.append(state(workspace, "firehose"))
        return len(jetstream.subscriptions) >= 4 and seen[-1].health == "backing_off"

    until(run, closed_again)
    state_after = seen[-1]

    assert state_after.health == "backing_off"
    assert "closed soon after it opened" in state_after.last_error
    # The waits grow (0.02 s more each time here) instead of reconnecting at once forever.
    assert run.streams["firehose"].reconnects < 20


def test_jetstream_without_topics_says_what_to_do(workspace, jetstream):
    manage.add_source(
        workspace, "bluesky", "firehose", {"mode": "stream", "jetstream_url": jetstream.url}
    )
    run = runner(workspace)

    until(run, lambda: state(workspace, "firehose").health == "unhealthy")

    error = state(workspace, "firehose").last_error
    assert "there are none" in error and "lyssna topics add" in error
    assert run.streams["firehose"].health == "unhealthy"


def test_hostile_jetstream_messages_never_stop_the_stream(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)
    sent: list[bool] = []
    huge = "elvåra " + "å" * 150_000

    def hostile() -> None:
        if not live(run, "firehose") or sent:
            return
        jetstream.send("{not json")
        jetstream.send("null")
        jetstream.send('{"kind": "commit", "commit": {"collection": "app.bsky.feed.post"}}')
        jetstream.post(None)  # a record whose text is null
        jetstream.post("elvåra", langs=None, createdAt=None)
        jetstream.post("elvåra 🎉 مرحبا עברית \u200b\u200dzero\u2060width")
        jetstream.post(huge)
        jetstream.send(  # a lone surrogate, escaped as JSON allows
            '{"did": "did:plc:x", "time_us": 1, "kind": "commit", "commit": {"rev": "r", '
            '"operation": "create", "collection": "app.bsky.feed.post", "rkey": "3lsur", '
            '"record": {"text": "elvåra \\ud800 ensam", "langs": ["sv"]}}}'
        )
        jetstream.post("elvåra med \x00 nul")
        jetstream.post("elvåra sist")
        sent.append(True)

    until(run, lambda: any(r.text == "elvåra sist" for r in stored(workspace)), during=hostile)

    texts = {r.text for r in stored(workspace)}
    assert "elvåra 🎉 مرحبا עברית \u200b\u200dzero\u2060width" in texts
    assert "elvåra" in texts  # no createdAt: the time the network saw it
    assert "elvåra \ufffd ensam" in texts
    reasons = " | ".join(q.reason for q in quarantined(workspace))
    assert "not JSON" in reasons
    assert "not a JSON object" in reasons
    assert "without did or rkey" in reasons
    assert huge not in texts  # over the pipeline's size limit: quarantined
    assert state(workspace, "firehose").health == "healthy"


def test_topics_added_while_listening_take_effect(workspace, jetstream):
    add_jetstream(workspace, jetstream)
    run = runner(workspace)
    steps: list[str] = []

    def script() -> None:
        if not live(run, "firehose"):
            return
        if not steps:
            listening.add_topic(workspace, "Kaffe", "kaffe", "theme")
            steps.append("topic")
        elif steps == ["topic"] and run.streams["firehose"].topics == 2:
            jetstream.post("gott kaffe")  # the stream read the topics again (every 0.1 s here)
            steps.append("posted")

    until(run, lambda: len(stored(workspace)) == 1, during=script)

    assert stored(workspace)[0].text == "gott kaffe"


# --- the topic filter ------------------------------------------------------------------------


def test_the_topic_filter_keeps_what_analysis_may_still_match():
    topics = WorkspaceTopics(
        [
            (1, "elvåra AND sentiment:negative"),
            (2, "kaffe AND lang:sv"),
            (3, '"god morgon" NOT reklam'),
        ]
    )
    # Sentiment is unknown before analysis: never a reason to drop.
    assert topics.wanted("elvåra är dålig")
    # A declared language counts; an undeclared one may still turn out to be Swedish.
    assert topics.wanted("kaffe", lang="sv-SE")
    assert not topics.wanted("kaffe", lang="en")
    assert topics.wanted("kaffe")
    assert topics.wanted("God morgon allihop")
    assert not topics.wanted("god morgon, köp vår reklam")
    assert not topics.wanted("helt orelaterat")
    assert not WorkspaceTopics([]).wanted("elvåra")


# --- Mastodon streaming ----------------------------------------------------------------------


@pytest.fixture
def masto(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMastodonStreaming]:
    monkeypatch.setenv("MASTODON_TOKEN", mastodon.TOKEN)
    fake = FakeMastodonStreaming(mastodon.FakeMastodon(server))
    yield fake
    fake.stop()


def add_mastodon(ctx: WorkspaceContext, fake: FakeMastodonStreaming, **settings: Any) -> None:
    config = {
        "instance": fake.masto.url,
        "hashtags": ["elvåra", "kaffe"],
        "token": {"$env": "MASTODON_TOKEN"},
        "mode": "stream",
        "stall_seconds": 2.0,
        **settings,
    }
    manage.add_source(ctx, "mastodon", "fediverse", config)


def test_mastodon_streams_hashtags_catching_up_first(workspace, masto):
    masto.masto.post("Elvåra före anslutningen", tags=("elvåra",))
    add_mastodon(workspace, masto)
    run = runner(workspace)
    steps: list[str] = []

    def script() -> None:
        if not live(run, "fediverse"):
            return
        texts = {r.text for r in stored(workspace)}
        if not steps and "Elvåra före anslutningen" in texts:
            first = masto.post("Elvåra live", "elvåra")
            masto.post("Kaffe hos Elvåra", "kaffe")  # subscribed by message
            masto.post("Ingen av oss", "annat")
            masto.edit(first, "Elvåra live, redigerad")
            masto.delete(first)
            steps.append("posted")

    def done() -> bool:
        texts = {r.text for r in stored(workspace)}
        return {"Elvåra live, redigerad", "Kaffe hos Elvåra"} <= texts and (
            run.streams["fediverse"].deleted == 1
        )

    until(run, done, during=script)

    texts = sorted(r.text for r in stored(workspace))
    assert texts == ["Elvåra före anslutningen", "Elvåra live, redigerad", "Kaffe hos Elvåra"]
    handshake = masto.handshakes[0]
    assert handshake["token"] == mastodon.TOKEN  # in the header, never in the URL
    assert handshake["query"] == {"stream": ["hashtag"], "tag": ["elvåra"]}
    toot = next(r for r in stored(workspace) if r.text == "Kaffe hos Elvåra")
    assert toot.author_handle == "anna@127.0.0.1"  # the server's host, not the streaming host
    cursor = state(workspace, "fediverse").cursor
    assert cursor["streams"]["tag:kaffe"]["since"] == masto.masto.statuses[2]["id"]


def test_mastodon_resumes_without_gaps_or_duplicates(workspace, masto):
    add_mastodon(workspace, masto)
    run = runner(workspace)
    posted: list[bool] = []

    def first() -> None:
        if live(run, "fediverse") and not posted:
            masto.post("Elvåra ett", "elvåra")
            posted.append(True)

    until(run, lambda: len(stored(workspace)) == 1, during=first)
    for n in range(45):  # more than a page arrives while nobody listens
        masto.masto.post(f"Elvåra medan vi sov {n}", tags=("elvåra",))

    until(runner(workspace), lambda: len(stored(workspace)) == 46)

    assert len({r.external_id for r in stored(workspace)}) == 46
    tag_calls = masto.masto.server.requests_to("/api/v1/timelines/tag/elv")
    assert all(r.arg("since_id") for r in tag_calls[1:])  # caught up from the cursor


def test_mastodon_with_a_refused_token_is_unhealthy(workspace, masto, monkeypatch):
    monkeypatch.setenv("MASTODON_TOKEN", "revoked-token")
    add_mastodon(workspace, masto)

    until(runner(workspace), lambda: state(workspace, "fediverse").health == "unhealthy")

    error = state(workspace, "fediverse").last_error
    assert "refused the credentials (401)" in error and "$MASTODON_TOKEN" in error
    assert "revoked-token" not in error


def test_mastodon_without_streaming_polls_instead(workspace, masto):
    masto.masto.post("Elvåra pollad", tags=("elvåra",))
    add_mastodon(workspace, masto, token=None)  # the server streams to signed-in users only
    run = runner(workspace)

    until(run, lambda: len(stored(workspace)) == 1)

    status = run.streams["fediverse"]
    assert status.state == "stopped" and status.last_poll is not None
    assert "signed-in" in status.error and "polling instead" in status.error
    assert state(workspace, "fediverse").health == "healthy"


def test_mastodon_with_streaming_switched_off_polls_instead(workspace, masto):
    masto.disabled = True
    masto.masto.post("Elvåra pollad", tags=("elvåra",))
    add_mastodon(workspace, masto)
    run = runner(workspace)

    until(run, lambda: len(stored(workspace)) == 1)

    assert "offers no stream" in run.streams["fediverse"].error
    # `listen --once --stream-for` reports the poll it made instead.
    masto.masto.post("Elvåra igen", tags=("elvåra",))
    outcomes = asyncio.run(runner(workspace).run_once(stream_seconds=0.5))
    assert [(o.source, o.ok, o.new) for o in outcomes] == [("fediverse", True, 1)]


def test_hostile_mastodon_messages_never_stop_the_stream(workspace, masto):
    add_mastodon(workspace, masto)
    run = runner(workspace)
    sent: list[bool] = []

    def hostile() -> None:
        if not live(run, "fediverse") or sent:
            return
        masto.send_raw("not json at all")
        masto.send_raw('["a", "list"]')
        masto.send("elvåra", "update", "{broken")
        masto.send("elvåra", "update", "null")
        masto.send("elvåra", "filters_changed", "")
        masto.post("Elvåra 🎉 مرحبا עברית \u200bzero\u2060width", "elvåra")
        masto.post("Elvåra " + "å" * 150_000, "elvåra")
        masto.post("Elvåra sist", "elvåra", spoiler_text=None, account=None)
        sent.append(True)

    until(run, lambda: any(r.text == "Elvåra sist" for r in stored(workspace)), during=hostile)

    texts = {r.text for r in stored(workspace)}
    assert "Elvåra 🎉 مرحبا עברית \u200bzero\u2060width" in texts
    reasons = " | ".join(q.reason for q in quarantined(workspace))
    assert "streaming message that is not JSON" in reasons
    assert "not a JSON object" in reasons
    assert "streamed status that is not JSON" in reasons
    assert state(workspace, "fediverse").health == "healthy"


# --- X filtered stream -----------------------------------------------------------------------


@pytest.fixture
def xstream(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeXStream]:
    monkeypatch.setenv("X_TOKEN", x.BEARER)
    fake = FakeXStream(x.FakeX(server))
    yield fake
    fake.stop()


def add_x(ctx: WorkspaceContext, fake: FakeXStream, **settings: Any) -> None:
    config = {
        "queries": ["elvåra", "kaffe -is:retweet"],
        "token": {"$env": "X_TOKEN"},
        "service": fake.x.url,
        "mode": "stream",
        "stall_seconds": 1.0,
        **settings,
    }
    manage.add_source(ctx, "x", "twitter", config)


def test_x_stream_manages_its_rules_and_stores_matching_posts(workspace, xstream):
    others = xstream.rule("nordbank", tag="someone-else")
    stale = xstream.rule("gammal fråga", tag="lyssna")
    xstream.post("Elvåra före anslutningen")  # found by the catch-up search
    add_x(workspace, xstream)
    run = runner(workspace)
    posted: list[bool] = []

    def script() -> None:
        if live(run, "twitter") and not posted and len(stored(workspace)) == 1:
            xstream.post("Elvåra svarar snabbt")
            xstream.post("Nordbank höjer avgiften")  # only another program's rule
            xstream.post("Kaffe hos Elvåra", lang="sv")
            posted.append(True)

    until(run, lambda: len(stored(workspace)) == 3, during=script)

    values = {r["value"]: r.get("tag") for r in xstream.rules.values()}
    assert values == {"nordbank": "someone-else", "elvåra": "lyssna", "kaffe -is:retweet": "lyssna"}
    assert others in xstream.rules and stale not in xstream.rules
    texts = sorted(r.text for r in stored(workspace))
    assert texts == ["Elvåra före anslutningen", "Elvåra svarar snabbt", "Kaffe hos Elvåra"]
    live_post = next(r for r in stored(workspace) if r.text == "Elvåra svarar snabbt")
    assert live_post.author_handle == "kari_n" and live_post.likes == 9
    assert raw(live_post)["payload"]["matching_rules"][0]["tag"] == "lyssna"
    assert raw(live_post)["connector"].get("unknown_fields") is None
    stream_calls = xstream.x.server.requests_to("/2/tweets/search/stream")
    connect = next(r for r in stream_calls if r.path == "/2/tweets/search/stream")
    assert connect.arg("expansions") == "author_id" and "public_metrics" in connect.arg(
        "tweet.fields"
    )
    walks = state(workspace, "twitter").cursor["streams"]
    assert walks["elvåra"]["since"] == xstream.x.tweets[-1]["id"]


def test_x_stream_resumes_without_gaps_or_duplicates(workspace, xstream):
    add_x(workspace, xstream)
    run = runner(workspace)
    posted: list[bool] = []

    def first() -> None:
        if live(run, "twitter") and not posted:
            xstream.post("Elvåra ett")
            posted.append(True)

    until(run, lambda: len(stored(workspace)) == 1, during=first)
    for n in range(12):  # written while nobody listens
        xstream.post(f"Elvåra medan vi sov {n}")

    until(runner(workspace), lambda: len(stored(workspace)) == 13)

    assert len({r.external_id for r in stored(workspace)}) == 13
    searches = xstream.x.server.requests_to("/2/tweets/search/recent")
    assert searches[-1].arg("since_id") or searches[-2].arg("since_id")


def test_x_stream_reconnects_after_disconnects_and_silence(workspace, xstream):
    add_x(workspace, xstream, stall_seconds=0.4)
    run = runner(workspace)
    steps: list[str] = []

    def script() -> None:
        connects = xstream.connects
        if steps and steps[-1] == "silent" and not live(run, "twitter"):
            # The runner gave up on the silent stream; X notices the old one is gone.
            xstream.silent = False
            steps.append("noticed")
        if not live(run, "twitter"):
            return
        if not steps:
            xstream.disconnect()  # operational-disconnect
            steps.append("disconnect")
        elif steps == ["disconnect"] and connects == 2:
            xstream.cut()  # the body ends mid-way
            steps.append("cut")
        elif steps == ["disconnect", "cut"] and connects == 3:
            xstream.silent = True  # no keep-alives: the runner gives up on it
            steps.append("silent")
        elif steps[-1] == "noticed" and connects >= 4:
            xstream.post("Elvåra efter allt")
            steps.append("posted")

    until(run, lambda: len(stored(workspace)) == 1, during=script)

    assert run.streams["twitter"].reconnects >= 3
    assert state(workspace, "twitter").health == "healthy"


def test_x_stream_goes_on_live_when_search_cannot_catch_up(workspace, xstream, caplog):
    xstream.x.enrolled = False  # recent search refused (403); the stream itself works
    add_x(workspace, xstream)
    run = runner(workspace)
    posted: list[bool] = []

    def publish() -> None:
        if live(run, "twitter") and not posted:
            xstream.post("Elvåra live utan sökning")
            posted.append(True)

    until(run, lambda: len(stored(workspace)) == 1, during=publish)

    assert state(workspace, "twitter").health == "healthy"
    assert "could not catch up through recent search" in caplog.text


def test_x_stream_with_a_refused_token_is_unhealthy(workspace, xstream, monkeypatch):
    monkeypatch.setenv("X_TOKEN", "not-the-token")
    add_x(workspace, xstream)

    until(runner(workspace), lambda: state(workspace, "twitter").health == "unhealthy")

    error = state(workspace, "twitter").last_error
    assert "refused the credentials (401)" in error and "$X_TOKEN" in error


def test_x_stream_waits_for_a_free_connection(workspace, xstream):
    xstream.held_elsewhere = 1  # another program streams with the same app
    add_x(workspace, xstream)
    run = runner(workspace)
    seen: list[str] = []

    def watch() -> None:
        source = state(workspace, "twitter")
        if source.health == "backing_off" and not seen:
            seen.append(source.last_error or "")
            xstream.held_elsewhere = 0

    until(run, lambda: bool(seen) and live(run, "twitter"), during=watch)

    assert "allows no more connections" in seen[0] and "another program" in seen[0]


def test_x_stream_with_a_query_x_refuses_says_so(workspace, xstream):
    add_x(workspace, xstream, queries=["(elvåra"])

    until(runner(workspace), lambda: state(workspace, "twitter").health == "unhealthy")

    error = state(workspace, "twitter").last_error
    assert "X refused the query '(elvåra' as a stream rule: Invalid Rule" in error
    assert "1,024 characters" in error


def test_hostile_x_stream_lines_never_stop_the_stream(workspace, xstream):
    add_x(workspace, xstream)
    run = runner(workspace)
    sent: list[bool] = []

    def hostile() -> None:
        if not live(run, "twitter") or sent:
            return
        xstream.send_raw(b"{broken\r\n")
        xstream.send_raw(b"[1, 2]\r\n")
        xstream.send_raw(b'{"data": {"text": "no id"}, "matching_rules": []}\r\n')
        xstream.send_raw(b'{"errors": [{"title": "Something", "detail": "odd"}]}\r\n')
        xstream.send_raw(b"\xff\xfe not utf-8\r\n")
        xstream.post("Elvåra 🎉 مرحبا עברית \u200bzero\u2060width")
        xstream.post("Elvåra " + "å" * 150_000)
        xstream.post("Elvåra \x00 sist")
        sent.append(True)

    until(run, lambda: any("sist" in r.text for r in stored(workspace)), during=hostile)

    texts = {r.text for r in stored(workspace)}
    assert "Elvåra 🎉 مرحبا עברית \u200bzero\u2060width" in texts
    reasons = " | ".join(q.reason for q in quarantined(workspace))
    assert "stream message that is not JSON" in reasons
    assert "not a JSON object" in reasons
    assert "without an id" in reasons
    assert state(workspace, "twitter").health == "healthy"


def test_listen_once_streams_only_when_asked(workspace, xstream):
    xstream.post("Elvåra i sökningen")
    add_x(workspace, xstream)

    skipped = asyncio.run(runner(workspace).run_once())
    assert skipped == [] and stored(workspace) == []

    outcomes = asyncio.run(runner(workspace).run_once(stream_seconds=0.5))
    assert [(o.source, o.ok, o.new) for o in outcomes] == [("twitter", True, 1)]


# --- checks and the command line -------------------------------------------------------------


def test_sources_test_checks_each_stream(workspace, jetstream, masto, xstream):
    add_jetstream(workspace, jetstream)
    add_mastodon(workspace, masto)
    add_x(workspace, xstream)

    sky = asyncio.run(manage.test_source(workspace, "firehose", fast_http))
    fedi = asyncio.run(manage.test_source(workspace, "fediverse", fast_http))
    twitter = asyncio.run(manage.test_source(workspace, "twitter", fast_http))

    assert sky.ok and "connected" in sky.details[-1], sky
    assert fedi.ok and any("accepts the connection" in d for d in fedi.details), fedi
    assert twitter.ok and "2 to add, accepted by X" in " ".join(twitter.details), twitter
    assert xstream.rules == {}  # a dry run changes nothing


def test_listen_once_and_the_status_line_from_the_command_line(tmp_path, monkeypatch, jetstream):
    import typer
    from typer.testing import CliRunner

    from lyssna.cli import common
    from lyssna.cli.sources import _status_table, listen, sources_app
    from lyssna.core.settings import load_settings
    from lyssna.workspace import init_workspace

    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    common.set_global_flags()
    ctx = init_workspace(load_settings())
    listening.add_topic(ctx, "Elvåra", "elvåra", "brand")
    app = typer.Typer()
    app.add_typer(sources_app, name="sources")
    app.command()(listen)
    cli = CliRunner()

    added = cli.invoke(
        app,
        [
            "sources",
            "add",
            "bluesky",
            "firehose",
            "--stream",
            "--set",
            f"jetstream_url={jetstream.url}",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "mode=stream" in added.output
    refused = cli.invoke(
        app, ["sources", "add", "rss", "feed", "--url", "https://e.no/f", "--stream"]
    )
    assert refused.exit_code != 0 and "--stream: not used by this source type" in refused.output

    once = cli.invoke(app, ["listen", "--once"])
    assert once.exit_code == 0, once.output
    assert "firehose: streams; skipped by --once" in once.output

    def publish_once_connected() -> None:
        # A new stream starts from "now": post only once it has subscribed (a loaded machine
        # may take a while to connect).
        deadline = time.monotonic() + 10
        while not jetstream.subscriptions and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        jetstream.post("elvåra från kommandoraden")

    publisher = threading.Thread(target=publish_once_connected)
    publisher.start()
    drained = cli.invoke(app, ["listen", "--once", "--stream-for", "3"])
    publisher.join()
    assert drained.exit_code == 0, drained.output
    assert "firehose: 1 fetched, 1 new" in drained.output

    listed = cli.invoke(app, ["sources", "list"])
    assert "streams" in listed.output

    run = Runner(ctx)
    status = StreamStatus("firehose", "bluesky", state="live", new=3, topics=1)
    status.note_items(12)
    run.streams["firehose"] = status
    console = Console(width=200, record=True)
    console.print(_status_table(run))
    shown = console.export_text()
    assert "stream connected, 12/min, 3 new (kept by 1 topic)" in shown and "live" in shown
    ctx.engine.dispose()


def test_every_streaming_connector_has_stream_settings_and_the_others_none():
    from lyssna.connectors import registry
    from lyssna.connectors.base import Streamer, StreamingSourceConfig

    streaming = set()
    for kind in registry.builtin_kinds():
        cls = registry.get(kind)
        can_stream = callable(getattr(cls, "stream", None))
        assert can_stream == issubclass(cls.config_model, StreamingSourceConfig), kind
        if can_stream:
            assert issubclass(cls, Streamer)
            streaming.add(kind)
    assert streaming == {"bluesky", "mastodon", "x"}


def test_stream_lines_splits_keeps_blank_lines_and_skips_oversized_ones():
    import httpx

    from lyssna.connectors.http import OversizedLine, stream_lines

    chunks = [b'{"a": 1}\r\n\r\n{"b"', b": 2}\n", b"x" * 50, b"y" * 50 + b"\r\n", b"tail"]

    async def read() -> list[Any]:
        async def body():  # the lines arrive split across chunks, as on the network
            for chunk in chunks:
                yield chunk

        response = httpx.Response(200, content=body(), request=httpx.Request("GET", "http://x/s"))
        return [line async for line in stream_lines(response, max_line_bytes=64)]

    lines = asyncio.run(read())
    # The oversized line counts 101 bytes: its carriage return too.
    assert lines == [b'{"a": 1}', b"", b'{"b": 2}', OversizedLine(101), b"tail"]
