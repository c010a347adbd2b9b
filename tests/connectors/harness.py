"""One harness per connector kind: its fake platform, a working config, and ways to break it.

The conformance suite runs every test over every harness; a new connector needs one here.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.fakes import (
    bluesky,
    facebook,
    feeds,
    hackernews,
    instagram,
    linkedin,
    mastodon,
    reddit,
    x,
    youtube,
)
from tests.connectors.fakes.server import FakeServer


@dataclass
class Harness:
    kind: str
    config: dict[str, Any]
    add: Callable[[str], None]  # publish an item with this text on the fake platform
    endpoint: str  # path prefix of the reading endpoint, for scripted failures
    bad_credentials: dict[str, Any] | None = None  # a config the platform refuses
    fake: Any = None
    over_http: bool = True  # False: nothing to script on the fake HTTP server (files)


def rss(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = feeds.FakeFeeds(server)
    counter = iter(range(1, 10_000))

    def add(text: str) -> None:
        n = next(counter)
        fake.add(
            f"post-{n}",
            f"Inlägg {n}",
            text,
            datetime(2026, 11, 20, 9, tzinfo=UTC) + timedelta(hours=n),
        )

    return Harness("rss", {"url": fake.rss_url}, add, "/feed.xml", None, fake)


def mastodon_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = mastodon.FakeMastodon(server)
    monkeypatch.setenv("TEST_MASTODON_TOKEN", mastodon.TOKEN)
    monkeypatch.setenv("WRONG_MASTODON_TOKEN", "not-the-token")
    config = {
        "instance": fake.url,
        "hashtags": ["elvåra"],
        "queries": ["elvåra"],
        "token": {"$env": "TEST_MASTODON_TOKEN"},
    }
    return Harness(
        "mastodon",
        config,
        lambda text: fake.post(f"{text} #elvåra", tags=("elvåra",)),
        "/api/v1/timelines/tag",
        {**config, "token": {"$env": "WRONG_MASTODON_TOKEN"}},
        fake,
    )


def hackernews_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = hackernews.FakeHackerNews(server)
    return Harness(
        "hackernews",
        {"queries": ["elvåra"], "service": fake.url},
        lambda text: fake.story(f"Elvåra: {text}"),
        "/api/v1/search_by_date",
        None,
        fake,
    )


def bluesky_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = bluesky.FakeBluesky(server, require_auth=True)
    monkeypatch.setenv("TEST_BSKY_PASSWORD", bluesky.APP_PASSWORD)
    monkeypatch.setenv("WRONG_BSKY_PASSWORD", "badpass-9999")
    config = {
        "queries": ["elvåra"],
        "service": fake.url,
        "identifier": bluesky.HANDLE,
        "app_password": {"$env": "TEST_BSKY_PASSWORD"},
    }
    return Harness(
        "bluesky",
        config,
        lambda text: fake.post(f"elvåra {text}"),
        "/xrpc/app.bsky.feed.searchPosts",
        {**config, "app_password": {"$env": "WRONG_BSKY_PASSWORD"}},
        fake,
    )


def reddit_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = reddit.FakeReddit(server)
    monkeypatch.setenv("TEST_REDDIT_ID", reddit.CLIENT_ID)
    monkeypatch.setenv("TEST_REDDIT_SECRET", reddit.CLIENT_SECRET)
    monkeypatch.setenv("WRONG_REDDIT_SECRET", "not-the-token")
    config = {
        "queries": ["elvåra"],
        "client_id": {"$env": "TEST_REDDIT_ID"},
        "client_secret": {"$env": "TEST_REDDIT_SECRET"},
        "username": "lyssna_test",
        "service": fake.url,
        "auth_service": fake.url,
    }
    return Harness(
        "reddit",
        config,
        lambda text: fake.post(f"Elvåra: {text}", "Vad tycker ni?"),
        "/search",
        {**config, "client_secret": {"$env": "WRONG_REDDIT_SECRET"}},
        fake,
    )


def youtube_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = youtube.FakeYouTube(server)
    monkeypatch.setenv("TEST_YOUTUBE_KEY", youtube.API_KEY)
    monkeypatch.setenv("WRONG_YOUTUBE_KEY", "not-the-token")
    config = {"queries": ["elvåra"], "api_key": {"$env": "TEST_YOUTUBE_KEY"}, "service": fake.url}
    return Harness(
        "youtube",
        config,
        lambda text: fake.video(f"Elvåra: {text}", "Ny video"),
        "/youtube/v3/search",
        {**config, "api_key": {"$env": "WRONG_YOUTUBE_KEY"}},
        fake,
    )


def x_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = x.FakeX(server)
    monkeypatch.setenv("TEST_X_TOKEN", x.BEARER)
    monkeypatch.setenv("WRONG_X_TOKEN", "not-the-token")
    config = {"queries": ["elvåra"], "token": {"$env": "TEST_X_TOKEN"}, "service": fake.url}
    return Harness(
        "x",
        config,
        lambda text: fake.post(f"Elvåra: {text}"),
        "/2/tweets/search/recent",
        {**config, "token": {"$env": "WRONG_X_TOKEN"}},
        fake,
    )


def facebook_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = facebook.FakeFacebook(server)
    monkeypatch.setenv("TEST_FB_TOKEN", facebook.PAGE_TOKEN)
    monkeypatch.setenv("WRONG_FB_TOKEN", "not-the-token")
    config = {"page": facebook.PAGE_ID, "token": {"$env": "TEST_FB_TOKEN"}, "service": fake.url}
    return Harness(
        "facebook",
        config,
        lambda text: fake.post(f"Elvåra: {text}"),
        f"/{facebook.VERSION}/{facebook.PAGE_ID}/feed",
        {**config, "token": {"$env": "WRONG_FB_TOKEN"}},
        fake,
    )


def instagram_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = instagram.FakeInstagram(server)
    monkeypatch.setenv("TEST_IG_TOKEN", instagram.TOKEN)
    monkeypatch.setenv("WRONG_IG_TOKEN", "not-the-token")
    config = {
        "account": instagram.ACCOUNT_ID,
        "token": {"$env": "TEST_IG_TOKEN"},
        "service": fake.url,
    }
    return Harness(
        "instagram",
        config,
        lambda text: fake.post(f"Elvåra: {text}"),
        f"/{facebook.VERSION}/{instagram.ACCOUNT_ID}/media",
        {**config, "token": {"$env": "WRONG_IG_TOKEN"}},
        fake,
    )


def linkedin_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    fake = linkedin.FakeLinkedIn(server)
    monkeypatch.setenv("TEST_LI_TOKEN", linkedin.TOKEN)
    monkeypatch.setenv("WRONG_LI_TOKEN", "not-the-token")
    config = {
        "organization": linkedin.ORG_ID,
        "token": {"$env": "TEST_LI_TOKEN"},
        "service": fake.url,
    }
    return Harness(
        "linkedin",
        config,
        lambda text: fake.post(f"Elvåra: {text}"),
        "/rest/posts",
        {**config, "token": {"$env": "WRONG_LI_TOKEN"}},
        fake,
    )


def file_(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Harness:
    """An export folder another tool writes JSON Lines into, a line per record."""
    folder = Path(tempfile.mkdtemp(prefix="lyssna-file-source-"))
    export = folder / "export.jsonl"
    export.touch()
    counter = iter(range(1, 10_000))

    def add(text: str) -> None:
        n = next(counter)
        created = datetime(2026, 11, 20, 9, tzinfo=UTC) + timedelta(hours=n)
        record = {"id": f"e{n}", "text": text, "created_at": created.isoformat()}
        with export.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")

    return Harness("file", {"path": str(folder)}, add, "", None, folder, over_http=False)


HARNESSES: dict[str, Callable[[FakeServer, pytest.MonkeyPatch], Harness]] = {
    "rss": rss,
    "mastodon": mastodon_,
    "hackernews": hackernews_,
    "bluesky": bluesky_,
    "reddit": reddit_,
    "youtube": youtube_,
    "x": x_,
    "facebook": facebook_,
    "instagram": instagram_,
    "linkedin": linkedin_,
    "file": file_,
}
