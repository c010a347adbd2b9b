"""What is particular to Reddit, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
import base64
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
    SourceNotFoundError,
)
from lyssna.core.settings import load_settings
from lyssna.pipeline.normalise import normalise
from lyssna.workspace import init_workspace
from tests.connectors.conftest import connector_for
from tests.connectors.fakes import reddit
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> reddit.FakeReddit:
    monkeypatch.setenv("REDDIT_CLIENT_ID", reddit.CLIENT_ID)
    monkeypatch.setenv("REDDIT_SECRET", reddit.CLIENT_SECRET)
    return reddit.FakeReddit(server)


def config(fake: reddit.FakeReddit, **overrides: Any) -> dict[str, Any]:
    return {
        "queries": ["elvåra"],
        "client_id": {"$env": "REDDIT_CLIENT_ID"},
        "client_secret": {"$env": "REDDIT_SECRET"},
        "username": "u/lyssna_bot",
        "service": fake.url,
        "auth_service": fake.url,
        **overrides,
    }


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("reddit", settings)


run = asyncio.run


def test_signs_in_as_the_app_and_sends_a_descriptive_user_agent(fake, server):
    fake.post("Elvåra är bäst")
    run(connect(config(fake)).fetch(None))
    token_request = server.requests_to("/api/v1/access_token")[0]
    basic = token_request.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(basic).decode() == f"{reddit.CLIENT_ID}:{reddit.CLIENT_SECRET}"
    search = server.requests_to("/search")[0]
    assert search.bearer in fake.valid_tokens
    assert search.headers["user-agent"].startswith("python:lyssna:")
    assert search.headers["user-agent"].endswith("(by /u/lyssna_bot)")
    assert search.arg("sort") == "new" and search.arg("limit") == "100"


def test_the_token_is_reused_and_renewed_when_refused(fake):
    fake.post("Elvåra")
    run(connect(config(fake)).fetch(None))
    run(connect(config(fake)).fetch(None))
    assert fake.tokens_issued == 1
    fake.revoke_tokens()
    assert len(run(connect(config(fake)).fetch(None)).items) == 1
    assert fake.tokens_issued == 2


def test_posts_and_comments_map_to_records(fake):
    post = fake.post("Elvåra höjer priset", "Igen! Varför?")
    fake.comment("Elvåra svarade snabbt", parent=post["data"]["name"])
    connector = connect(config(fake, subreddits=["r/elvara"]))
    items = run(connector.fetch(None)).items
    records = {r["id"]: r for r in (connector.map(i, NOW).record for i in items)}
    mapped_post = records[post["data"]["name"]]
    assert mapped_post["id"].startswith("t3_")
    assert mapped_post["text"] == "Elvåra höjer priset\n\nIgen! Varför?"
    assert mapped_post["url"].startswith("https://www.reddit.com/r/elvara/comments/")
    assert mapped_post["metrics"] == {"likes": 7, "shares": None, "replies": 2, "views": None}
    assert mapped_post["reply_to"] is None
    assert mapped_post["connector"]["subreddit"] == "elvara"
    comment = next(r for r in records.values() if r["id"].startswith("t1_"))
    assert comment["text"] == "Elvåra svarade snabbt"
    assert comment["reply_to"] == post["data"]["name"]
    assert comment["metrics"]["replies"] is None
    assert comment["author"] == {"handle": "anna_a", "name": None, "followers": None}
    assert comment["connector"].get("unknown_fields") is None
    mention, _ = normalise(comment)
    assert mention.created_at == datetime(2026, 11, 20, 8, 1, tzinfo=UTC)


def test_a_link_post_keeps_its_link_and_deleted_authors_are_unknown(fake):
    fake.post(
        "Elvåra i pressen", is_self=False, url="https://news.example/elvara", author="[deleted]"
    )
    connector = connect(config(fake))
    record = connector.map(run(connector.fetch(None)).items[0], NOW).record
    assert record["connector"]["linked_url"] == "https://news.example/elvara"
    assert record["author"] is None


def test_walks_back_page_by_page_to_where_it_stopped(fake, server):
    settings = config(fake, page_size=2)
    fake.post("Elvåra 0")
    first = run(connect(settings).fetch(None))
    assert len(first.items) == 1 and not first.more
    for n in range(1, 6):
        fake.post(f"Elvåra {n}")
    cursor, seen, pages = first.next_cursor, set(), 0
    while True:
        result = run(connect(settings).fetch(cursor))
        seen |= {i.payload["data"]["title"] for i in result.items}
        cursor, pages = result.next_cursor, pages + 1
        if not result.more:
            break
    assert {f"Elvåra {n}" for n in range(1, 6)} <= seen
    assert pages == 3
    afters = [r.arg("after") for r in server.requests_to("/search")]
    assert afters[1] is None and afters[2] and afters[3]


def test_a_spent_budget_waits_for_the_reset(fake):
    fake.post("Elvåra")
    fake.budget = 1.0  # the first request spends it; Reddit resets in 412 seconds

    async def two_polls():
        connector = connect(config(fake))
        await connector.fetch(None)
        assert connector.http.rate_limit.remaining == 0
        await connector.fetch(None)

    with pytest.raises(RateLimitedError) as raised:
        run(two_polls())
    assert raised.value.retry_at is not None and raised.value.retry_at > datetime.now(UTC)


def test_private_and_missing_subreddits(fake):
    with pytest.raises(AuthError, match="private"):
        run(connect(config(fake, queries=[], subreddits=["hemligt"])).fetch(None))
    with pytest.raises(SourceNotFoundError, match="subreddit's name"):
        run(connect(config(fake, queries=[], subreddits=["finnsinte"])).fetch(None))


def test_a_retired_endpoint_is_gone(fake):
    fake.retired = True
    with pytest.raises(GoneError, match="410"):
        run(connect(config(fake)).fetch(None))


def test_check_names_what_is_wrong(fake, monkeypatch):
    fake.post("Elvåra")
    verdict = run(connect(config(fake, subreddits=["elvara"])).check())
    assert verdict.ok, verdict.message
    assert "app credentials: accepted" in verdict.details
    assert "comments elvara: readable" in verdict.details
    monkeypatch.setenv("REDDIT_SECRET", "wrong-secret")
    verdict = run(connect(config(fake)).check())
    assert not verdict.ok and "401" in verdict.message
    assert "$REDDIT_SECRET" in verdict.message and "wrong-secret" not in verdict.message
    monkeypatch.delenv("REDDIT_CLIENT_ID")
    verdict = run(connect(config(fake)).check())
    assert not verdict.ok and "$REDDIT_CLIENT_ID" in verdict.message


def test_config_needs_something_to_read():
    with pytest.raises(ValueError, match="--query or --subreddit"):
        registry.get("reddit").config_model.model_validate(
            {"client_id": {"$env": "A"}, "client_secret": {"$env": "B"}}
        )


def test_sources_add_reddit(fake, tmp_path, monkeypatch):
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
        ["sources", "add", "reddit", "rd", "--query", "elvåra", "--subreddit", "r/elvara",
         "--client-id-env", "REDDIT_CLIENT_ID", "--secret-env", "REDDIT_SECRET",
         "--username", "lyssna_bot"],
        catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$REDDIT_SECRET" in added.output and reddit.CLIENT_SECRET not in added.output
    assert "subreddits=elvara" in added.output
    missing = cli.invoke(app, ["sources", "add", "reddit", "r2", "--query", "x"])
    assert missing.exit_code == 2 and "--client-id-env" in missing.output
