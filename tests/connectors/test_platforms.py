"""What is particular to each platform, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from lyssna.connectors import registry
from lyssna.connectors.base import GoneError, MalformedResponseError, RawItem
from lyssna.pipeline.normalise import normalise
from tests.connectors.conftest import fast_http
from tests.connectors.fakes import bluesky, feeds, hackernews, mastodon
from tests.connectors.fakes.server import FakeServer, json_response

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def connect(kind: str, config: dict[str, Any]):
    cls = registry.get(kind)
    return cls(cls.config_model.model_validate(config), fast_http())


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- RSS -------------------------------------------------------------------------------------


def test_rss_atom_feeds_and_conditional_get(server: FakeServer):
    fake = feeds.FakeFeeds(server)
    fake.add("x1", "Elvåra <b>testar</b>", "<p>Bra &amp; billigt</p>")
    connector = connect("rss", {"url": fake.atom_url})
    result = run(connector.fetch(None))
    record = connector.map(result.items[0], NOW).record
    assert record["id"] == "urn:uuid:x1"
    assert record["text"] == "Elvåra testar\n\nBra & billigt"
    assert record["lang"] == "sv" and record["author"]["handle"] == "Kari"
    assert run(connector.fetch(result.next_cursor)).items == []
    assert fake.not_modified == 1


def test_rss_an_undated_entry_uses_the_retrieval_time_and_says_so(server: FakeServer):
    fake = feeds.FakeFeeds(server)
    fake.add("x1", "Elvåra", "utan datum")
    fake.entries[0].published = None
    connector = connect("rss", {"url": fake.rss_url})
    record = connector.map(run(connector.fetch(None)).items[0], NOW).record
    assert record["created_at"] == NOW.isoformat()
    assert record["connector"]["created_at_is_retrieved_at"] is True


def test_rss_a_web_page_is_not_a_feed(server: FakeServer):
    feeds.FakeFeeds(server)
    connector = connect("rss", {"url": f"{server.url}/page.html"})
    with pytest.raises(MalformedResponseError, match="not an RSS or Atom feed"):
        run(connector.fetch(None))


# --- Mastodon --------------------------------------------------------------------------------


def test_mastodon_search_needs_a_token():
    with pytest.raises(ValueError, match="needs an access token"):
        registry.get("mastodon").config_model.model_validate(
            {"instance": "mastodon.example", "queries": ["elvåra"]}
        )


def test_mastodon_boosts_map_to_the_boosted_post():
    original = {
        "id": "2",
        "uri": "https://other.example/users/b/statuses/2",
        "created_at": "2026-11-20T08:00:00.000Z",
        "content": "<p>Elvåra</p>",
        "account": {"acct": "b@other.example", "display_name": "", "followers_count": 0},
    }
    boost = {"id": "3", "uri": "https://m.example/users/a/statuses/3/activity", "reblog": original}
    record = registry.get("mastodon").map(None, RawItem(boost, "https://m.example"), NOW).record  # type: ignore[arg-type]
    assert record["id"] == original["uri"]
    assert record["author"] == {"handle": "b@other.example", "name": None, "followers": 0}
    assert record["payload"] == boost


def test_mastodon_content_warnings_come_first(server: FakeServer):
    fake = mastodon.FakeMastodon(server)
    fake.post("Elvåra avslöjar", tags=("elvåra",), spoiler_text="Spoiler")
    connector = connect("mastodon", {"instance": fake.url, "hashtags": ["#Elvåra"]})
    record = connector.map(run(connector.fetch(None)).items[0], NOW).record
    assert record["text"] == "Spoiler\n\nElvåra avslöjar"


# --- Hacker News -----------------------------------------------------------------------------


def test_hackernews_comments_reply_to_their_parent(server: FakeServer):
    fake = hackernews.FakeHackerNews(server)
    story = fake.story("Show HN: Elvåra")
    fake.comment("I tried <i>Elvåra</i>, it&#x27;s good", parent_id=int(story["objectID"]))
    connector = connect("hackernews", {"queries": ["elvåra"], "service": fake.url})
    records = [connector.map(i, NOW).record for i in run(connector.fetch(None)).items]
    comment = next(r for r in records if r["reply_to"])
    assert comment["text"] == "I tried Elvåra, it's good"
    assert comment["reply_to"] == story["objectID"]
    assert comment["metrics"]["likes"] is None  # hidden, not zero
    assert comment["url"].startswith("https://news.ycombinator.com/item?id=")
    normalise(comment)


# --- Bluesky ---------------------------------------------------------------------------------


def bluesky_config(fake: bluesky.FakeBluesky) -> dict[str, Any]:
    return {
        "queries": ["elvåra"],
        "service": fake.url,
        "identifier": bluesky.HANDLE,
        "app_password": {"$env": "BSKY_PASSWORD"},
    }


def test_bluesky_signs_in_once_and_again_when_the_token_expires(server, monkeypatch):
    monkeypatch.setenv("BSKY_PASSWORD", bluesky.APP_PASSWORD)
    fake = bluesky.FakeBluesky(server, require_auth=True)
    fake.post("elvåra är bäst")
    assert len(run(connect("bluesky", bluesky_config(fake)).fetch(None)).items) == 1
    run(connect("bluesky", bluesky_config(fake)).fetch(None))  # another poll
    assert fake.sessions == 1
    fake.expire_tokens()
    assert len(run(connect("bluesky", bluesky_config(fake)).fetch(None)).items) == 1
    assert fake.sessions == 2


def test_bluesky_public_search_without_an_account(server):
    fake = bluesky.FakeBluesky(server)
    parent = {"uri": "at://did:plc:x/app.bsky.feed.post/1"}
    text = {"text": "elvåra svar", "createdAt": "2026-11-20T08:00:00Z", "reply": {"parent": parent}}
    fake.post("elvåra", record=text)
    connector = connect("bluesky", {"queries": ["elvåra"], "service": fake.url})
    record = connector.map(run(connector.fetch(None)).items[0], NOW).record
    assert record["reply_to"] == "at://did:plc:x/app.bsky.feed.post/1"
    assert record["url"] == "https://bsky.app/profile/user1.bsky.social/post/3kpost0001"
    assert record["metrics"] == {"likes": 5, "shares": 1, "replies": 0, "views": None}


def test_bluesky_a_retired_method_is_gone(server):
    server.script(
        json_response({"error": "MethodNotImplemented", "message": "Method Not Implemented"}, 501)
    )
    connector = connect("bluesky", {"queries": ["elvåra"], "service": server.url})
    with pytest.raises(GoneError, match="retired"):
        run(connector.fetch(None))
