"""What is particular to X, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from lyssna.cli import common
from lyssna.cli.sources import sources_app
from lyssna.connectors import registry
from lyssna.connectors.base import AuthError, GoneError, RateLimitedError, RetriableError
from lyssna.connectors.x.oauth1 import OAuth1
from lyssna.core.settings import load_settings
from lyssna.pipeline.normalise import normalise
from lyssna.workspace import init_workspace
from tests.connectors.conftest import connector_for
from tests.connectors.fakes import x
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> x.FakeX:
    monkeypatch.setenv("X_BEARER_TOKEN", x.BEARER)
    return x.FakeX(server)


def config(fake: x.FakeX, **overrides: Any) -> dict[str, Any]:
    return {
        "queries": ["elvåra"],
        "token": {"$env": "X_BEARER_TOKEN"},
        "service": fake.url,
        **overrides,
    }


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("x", settings)


run = asyncio.run


def test_posts_map_with_their_author_and_what_they_reply_to(fake, server):
    original = fake.post("Elvåra är bäst")
    fake.user("2002", "ola", "Ola")
    fake.post(
        "@kari_n elvåra håller med",
        author_id="2002",
        lang="und",
        referenced_tweets=[{"type": "replied_to", "id": original["id"]}],
        in_reply_to_user_id="1001",
        conversation_id=original["id"],
    )
    connector = connect(config(fake))
    items = run(connector.fetch(None)).items
    records = {r["id"]: r for r in (connector.map(i, NOW).record for i in items)}
    first = records[original["id"]]
    assert first["author"] == {"handle": "kari_n", "name": "Kari Nordmann", "followers": 321}
    assert first["url"] == f"https://x.com/kari_n/status/{original['id']}"
    assert first["lang"] == "sv" and first["reply_to"] is None
    assert first["metrics"] == {"likes": 9, "shares": 2, "replies": 1, "views": 250}
    assert "unknown_fields" not in first["connector"]
    reply = next(r for r in records.values() if r["id"] != original["id"])
    assert reply["reply_to"] == original["id"]
    assert reply["lang"] is None  # "und": X could not tell
    assert reply["author"]["handle"] == "ola" and reply["author"]["followers"] == 0
    assert reply["connector"]["conversation_id"] == original["id"]
    normalise(reply)
    request = server.requests_to("/2/tweets/search/recent")[0]
    assert request.bearer == x.BEARER
    assert request.arg("expansions") == "author_id" and request.arg("max_results") == "100"
    assert "referenced_tweets" in (request.arg("tweet.fields") or "")
    assert request.arg("user.fields") == "username,name,public_metrics"


def test_next_polls_ask_since_the_newest_and_page_with_next_token(fake, server):
    settings = config(fake, page_size=10)
    newest = fake.post("Elvåra 0")
    first = run(connect(settings).fetch(None))
    assert (
        run(connect(settings).fetch(first.next_cursor)).items == []
    )  # {"meta": {"result_count": 0}}
    for n in range(1, 26):
        fake.post(f"Elvåra {n}")
    cursor, seen = first.next_cursor, set()
    while True:
        result = run(connect(settings).fetch(cursor))
        seen |= {i.payload["tweet"]["text"] for i in result.items}
        cursor = result.next_cursor
        if not result.more:
            break
    assert seen == {f"Elvåra {n}" for n in range(1, 26)}
    later = server.requests_to("/2/tweets/search/recent")[1:]
    assert all(r.arg("since_id") == newest["id"] for r in later)
    assert [r.arg("next_token") for r in later[1:]] == [None, "b10", "b20"]
    assert cursor["streams"]["elvåra"]["since"] == fake.tweets[-1]["id"]


def test_a_spent_budget_waits_for_the_reset(fake):
    fake.post("Elvåra")
    fake.remaining = 1

    async def two_polls():
        connector = connect(config(fake))
        await connector.fetch(None)
        assert connector.http.rate_limit.remaining == 0
        await connector.fetch(None)

    with pytest.raises(RateLimitedError) as raised:
        run(two_polls())
    assert raised.value.retry_at is not None
    assert abs(raised.value.retry_at.timestamp() - fake.reset) < 2


def test_a_429_waits_for_x_rate_limit_reset(fake):
    fake.remaining = 0
    with pytest.raises(RateLimitedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert raised.value.retry_at is not None
    assert abs(raised.value.retry_at.timestamp() - fake.reset) < 2
    assert len(fake.server.requests_to("/2/tweets/search/recent")) == 1  # no hammering


def test_a_short_429_is_waited_out(fake):
    fake.post("Elvåra")
    fake.remaining = 0
    fake.reset = int(time.time()) + 2  # within the 2 s the test client waits at most

    async def refill_soon():
        await asyncio.sleep(0.2)
        fake.remaining = 10

    async def poll():
        refill = asyncio.create_task(refill_soon())
        result = await connect(config(fake)).fetch(None)
        await refill
        return result

    assert len(run(poll()).items) == 1


def test_the_monthly_cap_is_not_a_token_problem(fake):
    fake.usage_capped = True
    with pytest.raises(RateLimitedError, match="monthly post cap") as raised:
        run(connect(config(fake)).fetch(None))
    assert isinstance(raised.value, RetriableError) and not isinstance(raised.value, AuthError)


def test_refusals_say_what_to_fix(fake, monkeypatch):
    fake.enrolled = False
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "403" in raised.value.reason and "Project" in raised.value.reason
    fake.enrolled = True
    monkeypatch.setenv("X_BEARER_TOKEN", "AAAA-wrong")
    verdict = run(connect(config(fake)).check())
    assert not verdict.ok and "401" in verdict.message
    assert "$X_BEARER_TOKEN" in verdict.message and "AAAA-wrong" not in verdict.message


def test_a_retired_endpoint_is_gone(fake):
    fake.retired = True
    with pytest.raises(GoneError, match="retired"):
        run(connect(config(fake)).fetch(None))


def test_check_reports_the_budget(fake):
    fake.post("Elvåra")
    verdict = run(connect(config(fake, queries=["elvåra", "lyssna"])).check())
    assert verdict.ok, verdict.message
    assert "449 of 450" not in verdict.message and "448 of 450" in verdict.message
    assert verdict.details == (
        "search 'elvåra': allowed (1 recent)",
        "search 'lyssna': allowed (0 recent)",
        "access token: none (cannot reply or post)",
    )


def test_config_bounds():
    model = registry.get("x").config_model
    with pytest.raises(ValueError, match="query"):
        model.model_validate({"queries": ["  "], "token": {"$env": "T"}})
    with pytest.raises(ValueError):
        model.model_validate({"queries": ["a"], "token": {"$env": "T"}, "page_size": 5})


def test_sources_add_x(fake, tmp_path, monkeypatch):
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
        ["sources", "add", "x", "tw", "--query", "elvåra -is:retweet",
         "--token-env", "X_BEARER_TOKEN", "--service", fake.url],
        catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$X_BEARER_TOKEN" in added.output and x.BEARER not in added.output
    fake.post("Elvåra")
    tested = cli.invoke(app, ["sources", "test", "tw"], catch_exceptions=False)
    assert tested.exit_code == 0 and "X accepts the bearer token" in tested.output
    wrong = cli.invoke(app, ["sources", "add", "x", "t2", "--query", "a", "--hashtag", "b"])
    assert wrong.exit_code == 2 and "--hashtag: not used by this source type" in wrong.output


def test_oauth1_signatures_match_xs_documented_example():
    """The worked example of X's "Creating a signature" page, through the request signer."""
    auth = OAuth1(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        nonce=lambda: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        clock=lambda: 1318622958,
    )
    request = httpx.Request(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json",
        params={"include_entities": "true"},
        data={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
    )
    header = auth.header(request)
    assert header.startswith('OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", ')
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header
