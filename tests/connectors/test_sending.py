"""Replying and publishing through connectors, at most once, against fake platforms.

For every connector that sends: a reply lands in the mention's thread, a new post is published,
a missing credential says what to configure, refusals (401, 422, ...) are clear errors, and when
the platform stored a message but the answer was lost, `find_sent` finds it and nothing is
posted twice; when nothing was stored, `find_sent` says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    OutcomeUnknownError,
    Outgoing,
    RateLimitedError,
    RawItem,
    RequestRejectedError,
    SendingNotSupportedError,
)
from lyssna.connectors.bluesky.sender import record_key
from tests.connectors.conftest import fast_http
from tests.connectors.fakes import bluesky, mastodon, reddit, x, youtube
from tests.connectors.fakes.server import FakeServer

NOW = datetime.now(UTC)


def act(kind: str, config: dict[str, Any], action: Callable[[Any], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        cls = registry.get(kind)
        async with fast_http() as http:
            return await action(cls(cls.config_model.model_validate(config), http))

    return asyncio.run(go())


def send(kind: str, config: dict[str, Any], message: Outgoing) -> Any:
    return act(kind, config, lambda c: c.send(message))


def find_sent(kind: str, config: dict[str, Any], message: Outgoing) -> Any:
    return act(kind, config, lambda c: c.find_sent(message))


def mentions(kind: str, config: dict[str, Any]) -> list[RawItem]:
    """What the inbox would hold: the items as collected."""
    return act(kind, config, lambda c: c.fetch(None)).items


def reply_to(kind: str, item: RawItem, text: str, key: str = "k-1", **kw: Any) -> Outgoing:
    """A reply to a collected item, addressed as the inbox addresses it: the mention's id."""
    record = registry.get(kind).map(None, item, NOW).record  # type: ignore[arg-type]
    return Outgoing(key, text, reply_to_id=record["id"], reply_to_raw=item.payload, **kw)


def post(text: str, key: str = "p-1", **kw: Any) -> Outgoing:
    return Outgoing(key, text, first_attempt_at=kw.pop("first_attempt_at", NOW), **kw)


# --- Mastodon --------------------------------------------------------------------------------


@pytest.fixture
def masto(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    fake = mastodon.FakeMastodon(server)
    monkeypatch.setenv("M_READ", mastodon.TOKEN)
    monkeypatch.setenv("M_WRITE", mastodon.WRITE_TOKEN)
    config = {
        "instance": fake.url,
        "hashtags": ["elvåra"],
        "token": {"$env": "M_READ"},
        "write_token": {"$env": "M_WRITE"},
    }
    return fake, config


def test_mastodon_replies_in_the_thread(masto):
    fake, config = masto
    asked = fake.post("Har #elvåra öppet i jul?", tags=("elvåra",))
    item = mentions("mastodon", config)[0]
    sent = send("mastodon", config, reply_to("mastodon", item, "Ja, 10–14 varje dag!"))
    [reply] = fake.replies_to(asked["id"])
    assert reply["content"].endswith("Ja, 10–14 varje dag!</p>")
    assert "@<span>anna</span>" in reply["content"]  # the author is told
    assert sent.external_id == reply["uri"] and sent.url == reply["url"]
    request = fake.server.requests_to("/api/v1/statuses")[-1]
    assert request.headers["idempotency-key"] == "k-1"
    assert request.form()["in_reply_to_id"] == asked["id"]


def test_mastodon_reply_keeps_a_given_mention_and_a_private_status_private(masto):
    fake, config = masto
    asked = fake.post("Hej #elvåra", tags=("elvåra",), visibility="private")
    item = mentions("mastodon", config)[0]
    send("mastodon", config, reply_to("mastodon", item, "@anna tack!"))
    [reply] = fake.replies_to(asked["id"])
    assert reply["visibility"] == "private"
    assert reply["content"].count("@<span>anna</span>") == 1


def test_mastodon_replies_to_a_status_from_another_server(masto):
    fake, config = masto
    remote = fake.remote_status("Elvåra svarar aldrig")
    message = Outgoing("k-2", "Vi svarar nu!", reply_to_id=remote["uri"], reply_to_raw=remote)
    sent = send("mastodon", config, message)
    local = next(s for s in fake.statuses if s["uri"] == remote["uri"])
    [reply] = fake.replies_to(local["id"])  # threaded under the local copy, found by search
    assert "@<span>kari</span>" in reply["content"]
    assert find_sent("mastodon", config, message) == sent


def test_mastodon_publishes_a_post(masto):
    fake, config = masto
    sent = send("mastodon", config, post("Nu öppnar vi i Bergen!\n\nVälkomna."))
    [status] = fake.ours()
    assert status["in_reply_to_id"] is None
    assert status["content"] == "<p>Nu öppnar vi i Bergen!</p><p>Välkomna.</p>"
    assert sent.external_id == status["uri"]


def test_mastodon_without_a_write_token_says_what_to_configure(masto):
    fake, config = masto
    del config["write_token"]
    with pytest.raises(SendingNotSupportedError, match="write_token") as raised:
        send("mastodon", config, post("Hej"))
    assert "write:statuses" in raised.value.reason
    assert fake.server.requests_to("/api/v1/statuses") == []


def test_mastodon_refusals_are_clear(masto, monkeypatch: pytest.MonkeyPatch):
    fake, config = masto
    with pytest.raises(RequestRejectedError, match="Text can't be blank") as blank:
        send("mastodon", config, post("   "))
    assert "422" in blank.value.reason
    with pytest.raises(RequestRejectedError, match="character limit"):
        send("mastodon", config, post("x" * 501))
    monkeypatch.setenv("M_WRONG", "not-the-token")
    with pytest.raises(AuthError) as refused:
        send("mastodon", {**config, "write_token": {"$env": "M_WRONG"}}, post("Hej"))
    assert "401" in refused.value.reason and "$M_WRONG" in refused.value.reason
    assert "not-the-token" not in refused.value.reason
    with pytest.raises(AuthError, match="outside the authorized scopes") as scope:
        send("mastodon", {**config, "write_token": {"$env": "M_READ"}}, post("Hej"))
    assert "write:statuses" in scope.value.reason
    assert fake.ours() == []


def test_mastodon_rate_limit_is_reported_with_the_time_to_come_back(masto):
    fake, config = masto
    fake.post_budget = 0
    with pytest.raises(RateLimitedError) as raised:
        send("mastodon", config, post("Hej"))
    assert raised.value.retry_at is not None and raised.value.retry_at > NOW + timedelta(hours=2)
    assert fake.ours() == []


@pytest.mark.parametrize("how", ["hang up", "timeout"])
def test_mastodon_a_lost_answer_is_retried_under_the_same_key(masto, how: str):
    fake, config = masto
    fake.lose_next_answer(how)
    sent = send("mastodon", config, post("Välkomna!"))
    [status] = fake.ours()  # the retry got the stored status back, not a second one
    assert sent.external_id == status["uri"]
    assert len(fake.server.requests_to("/api/v1/statuses")) == 2


def test_mastodon_find_sent_after_every_answer_was_lost(masto):
    fake, config = masto
    asked = fake.post("Fråga #elvåra", tags=("elvåra",))
    item = mentions("mastodon", config)[0]
    message = reply_to("mastodon", item, "Svar!", first_attempt_at=NOW)
    for _ in range(3):
        fake.lose_next_answer()
    with pytest.raises(OutcomeUnknownError):
        send("mastodon", config, message)
    [reply] = fake.replies_to(asked["id"])
    assert find_sent("mastodon", config, message).external_id == reply["uri"]
    published = post("Nyhet!")
    for _ in range(3):
        fake.lose_next_answer()
    with pytest.raises(OutcomeUnknownError):
        send("mastodon", config, published)
    assert find_sent("mastodon", config, published).external_id == fake.ours()[-1]["uri"]
    assert len(fake.ours()) == 2


def test_mastodon_find_sent_is_none_when_nothing_was_posted(masto):
    fake, config = masto
    fake.post("Fråga #elvåra", tags=("elvåra",))
    item = mentions("mastodon", config)[0]
    send("mastodon", config, reply_to("mastodon", item, "Ett annat svar", key="other"))
    send("mastodon", config, post("Ett annat inlägg", key="other-post"))
    assert find_sent("mastodon", config, reply_to("mastodon", item, "Svar!")) is None
    assert find_sent("mastodon", config, post("Nyhet!")) is None
    assert find_sent("mastodon", config, post("Nyhet!", first_attempt_at=None)) is None


def test_mastodon_find_sent_cannot_tell_on_a_busy_account_without_a_time(masto):
    fake, config = masto
    old = (NOW - timedelta(days=2)).isoformat()
    for n in range(401):
        fake.post(f"gammalt {n}", account=dict(mastodon.US), created_at=old)
    with pytest.raises(ConnectorError, match="cannot tell"):
        find_sent("mastodon", config, post("Nyhet!", first_attempt_at=None))
    # With the time of the first attempt, old statuses rule it out.
    assert find_sent("mastodon", config, post("Nyhet!")) is None


# --- Bluesky ---------------------------------------------------------------------------------


@pytest.fixture
def bsky(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    fake = bluesky.FakeBluesky(server, require_auth=True)
    monkeypatch.setenv("B_PASSWORD", bluesky.APP_PASSWORD)
    config = {
        "queries": ["elvåra"],
        "service": fake.url,
        "identifier": bluesky.HANDLE,
        "app_password": {"$env": "B_PASSWORD"},
    }
    return fake, config


def test_bluesky_replies_in_the_thread(bsky):
    fake, config = bsky
    asked = fake.post("elvåra: öppet i jul?")
    item = mentions("bluesky", config)[0]
    sent = send("bluesky", config, reply_to("bluesky", item, "Ja, 10–14!"))
    [reply] = fake.replies_to(asked["uri"])
    parent = {"uri": asked["uri"], "cid": asked["cid"]}
    assert reply["record"]["reply"] == {"root": parent, "parent": parent}
    assert reply["record"]["text"] == "Ja, 10–14!"
    rkey = record_key("k-1")
    assert sent.external_id == f"at://{bluesky.DID}/app.bsky.feed.post/{rkey}"
    assert sent.url == f"https://bsky.app/profile/{bluesky.HANDLE}/post/{rkey}"


def test_bluesky_a_reply_to_a_reply_keeps_the_threads_root(bsky):
    fake, config = bsky
    root = fake.post("Första inlägget")
    root_ref = {"uri": root["uri"], "cid": root["cid"]}
    middle = fake.post("elvåra svarar inte")
    middle["record"]["reply"] = {"root": root_ref, "parent": root_ref}
    item = mentions("bluesky", config)[0]
    send("bluesky", config, reply_to("bluesky", item, "Vi svarar nu"))
    [reply] = fake.replies_to(middle["uri"])
    assert reply["record"]["reply"]["root"] == root_ref
    assert reply["record"]["reply"]["parent"] == {"uri": middle["uri"], "cid": middle["cid"]}


def test_bluesky_finds_the_post_to_answer_when_its_view_was_not_kept(bsky):
    fake, config = bsky
    asked = fake.post("elvåra?")
    send("bluesky", config, Outgoing("k-1", "Hej!", reply_to_id=asked["uri"]))
    assert len(fake.replies_to(asked["uri"])) == 1


def test_bluesky_publishes_a_post_with_clickable_links(bsky):
    fake, config = bsky
    text = "Välkomna till vårt café! Läs mer: https://elvara.example/jul."
    send("bluesky", config, post(text))
    [ours] = fake.ours()
    assert "reply" not in ours["record"]
    [facet] = ours["record"]["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end] == b"https://elvara.example/jul"
    assert facet["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://elvara.example/jul"}
    ]


def test_bluesky_without_an_account_says_what_to_configure(bsky):
    fake, config = bsky
    config = {"queries": ["elvåra"], "service": fake.url}
    with pytest.raises(SendingNotSupportedError, match="--identifier"):
        send("bluesky", config, post("Hej"))
    assert fake.server.requests_to("/xrpc/com.atproto.repo.createRecord") == []


def test_bluesky_refusals_are_clear(bsky, monkeypatch: pytest.MonkeyPatch):
    fake, config = bsky
    monkeypatch.setenv("B_WRONG", "badpass-9999")
    with pytest.raises(AuthError) as refused:  # before any session exists
        send("bluesky", {**config, "app_password": {"$env": "B_WRONG"}}, post("Hej"))
    assert "401" in refused.value.reason and "$B_WRONG" in refused.value.reason
    assert "badpass" not in refused.value.reason
    with pytest.raises(RequestRejectedError, match="300 graphemes") as long:
        send("bluesky", config, post("x" * 301))
    assert "400" in long.value.reason
    fake.write_points = 0
    with pytest.raises(RateLimitedError) as limited:
        send("bluesky", config, post("Hej"))
    assert limited.value.retry_at is not None
    assert fake.ours() == []


def test_bluesky_signs_in_again_when_the_session_expired(bsky):
    fake, config = bsky
    send("bluesky", config, post("Ett", key="a"))
    fake.expire_tokens()
    send("bluesky", config, post("Två", key="b"))
    assert [p["record"]["text"] for p in fake.ours()] == ["Ett", "Två"]


@pytest.mark.parametrize("how", ["hang up", "timeout"])
def test_bluesky_a_lost_answer_is_found_and_never_posted_twice(bsky, how: str):
    fake, config = bsky
    fake.lose_next_answer(how)
    message = post("Nyhet!")
    with pytest.raises(OutcomeUnknownError):
        send("bluesky", config, message)
    [stored] = fake.ours()
    assert find_sent("bluesky", config, message).external_id == stored["uri"]
    # Even a caller that sends again without asking gets the same post, not a second one.
    assert send("bluesky", config, message).external_id == stored["uri"]
    assert len(fake.ours()) == 1


def test_bluesky_find_sent_is_none_when_nothing_was_posted(bsky):
    fake, config = bsky
    send("bluesky", config, post("Något annat", key="other"))
    assert find_sent("bluesky", config, post("Nyhet!")) is None


def test_bluesky_record_keys_are_timestamp_identifiers():
    keys = {record_key(f"reply-{n}") for n in range(1000)}
    assert len(keys) == 1000 and record_key("reply-1") == record_key("reply-1")
    for key in keys:
        assert len(key) == 13 and key[0] in "234567abcdefghij"
        assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")


# --- Reddit ----------------------------------------------------------------------------------


@pytest.fixture
def rdt(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    fake = reddit.FakeReddit(server)
    monkeypatch.setenv("R_ID", reddit.CLIENT_ID)
    monkeypatch.setenv("R_SECRET", reddit.CLIENT_SECRET)
    monkeypatch.setenv("R_PASSWORD", reddit.PASSWORD)
    config = {
        "subreddits": ["elvara"],
        "client_id": {"$env": "R_ID"},
        "client_secret": {"$env": "R_SECRET"},
        "username": reddit.USERNAME,
        "password": {"$env": "R_PASSWORD"},
        "publish_subreddit": "r/elvara",
        "service": fake.url,
        "auth_service": fake.url,
    }
    return fake, config


def test_reddit_replies_to_a_comment_and_to_a_post(rdt):
    fake, config = rdt
    story = fake.post("Elvåra i Bergen", "Någon som varit där?")
    asked = fake.comment("Har Elvåra glutenfritt?", story["data"]["name"])
    item = mentions("reddit", config)[0]
    sent = send("reddit", config, reply_to("reddit", item, "Ja, alla dagar!"))
    [reply] = fake.replies_to(asked["data"]["name"])
    assert reply["data"]["body"] == "Ja, alla dagar!" and reply["data"]["author"] == reddit.USERNAME
    assert sent.external_id == reply["data"]["name"]
    assert sent.url == f"https://www.reddit.com{reply['data']['permalink']}"
    on_post = Outgoing("k-2", "Välkomna!", reply_to_id=story["data"]["name"])
    send("reddit", config, on_post)
    assert [c["data"]["body"] for c in fake.replies_to(story["data"]["name"])] == [
        "Har Elvåra glutenfritt?",
        "Välkomna!",
    ]
    request = fake.server.requests_to("/api/comment")[-1]
    assert request.form() == {
        "thing_id": story["data"]["name"],
        "text": "Välkomna!",
        "api_type": "json",
    }


def test_reddit_publishes_a_text_post_titled_by_its_first_line(rdt):
    fake, config = rdt
    sent = send("reddit", config, post("Vi öppnar i Bergen\n\nFrån 1 december, välkomna!"))
    [ours] = fake.ours("t3")
    assert ours["data"]["title"] == "Vi öppnar i Bergen"
    assert ours["data"]["selftext"] == "Från 1 december, välkomna!"
    assert ours["data"]["subreddit"] == "elvara"
    assert sent.external_id == ours["data"]["name"]


def test_reddit_without_a_password_or_subreddit_says_what_to_configure(rdt):
    fake, config = rdt
    reading = {k: v for k, v in config.items() if k not in ("password", "publish_subreddit")}
    with pytest.raises(SendingNotSupportedError, match="password"):
        send("reddit", reading, Outgoing("k", "Hej", reply_to_id="t1_abc"))
    no_subreddit = {k: v for k, v in config.items() if k != "publish_subreddit"}
    with pytest.raises(SendingNotSupportedError, match="publish_subreddit"):
        send("reddit", no_subreddit, post("Hej"))
    assert fake.server.requests_to("/api/") == []


def test_reddit_refusals_are_clear(rdt, monkeypatch: pytest.MonkeyPatch):
    fake, config = rdt
    monkeypatch.setenv("R_WRONG", "not-the-password")
    with pytest.raises(AuthError, match="invalid_grant") as refused:  # before a token exists
        send("reddit", {**config, "password": {"$env": "R_WRONG"}}, post("Hej"))
    assert "$R_WRONG" in refused.value.reason and "not-the-password" not in refused.value.reason
    story = fake.post("Elvåra", "?")
    target = story["data"]["name"]
    with pytest.raises(RequestRejectedError, match="NO_TEXT") as empty:
        send("reddit", config, Outgoing("k", "  ", reply_to_id=target))
    assert "we need something here" in empty.value.reason
    story["data"]["archived"] = True
    with pytest.raises(RequestRejectedError, match="TOO_OLD"):
        send("reddit", config, Outgoing("k", "Hej", reply_to_id=target))
    with pytest.raises(RequestRejectedError, match="TOO_LONG"):
        send("reddit", config, post("x" * 301))
    fake.comment_budget = 0
    with pytest.raises(RateLimitedError, match="RATELIMIT") as limited:
        send("reddit", config, post("Hej"))
    assert limited.value.retry_at is not None
    assert limited.value.retry_at > datetime.now(UTC) + timedelta(minutes=8)
    assert fake.ours() == []


@pytest.mark.parametrize("how", ["hang up", "timeout"])
def test_reddit_a_lost_answer_is_not_sent_again_and_is_found(rdt, how: str):
    fake, config = rdt
    asked = fake.comment("Elvåra?", "t3_zzzzz", subreddit="elvara")
    item = mentions("reddit", config)[0]
    message = reply_to("reddit", item, "Svar!", first_attempt_at=NOW)
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("reddit", config, message)
    [reply] = fake.replies_to(asked["data"]["name"])
    assert len(fake.server.requests_to("/api/comment")) == 1  # never sent twice
    assert find_sent("reddit", config, message).external_id == reply["data"]["name"]
    published = post("Nyhet\n\nText")
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("reddit", config, published)
    assert find_sent("reddit", config, published).external_id == fake.ours("t3")[0]["data"]["name"]


def test_reddit_find_sent_is_none_when_nothing_was_posted(rdt):
    fake, config = rdt
    asked = fake.comment("Elvåra?", "t3_zzzzz", subreddit="elvara")
    item = mentions("reddit", config)[0]
    send("reddit", config, reply_to("reddit", item, "Ett annat svar", key="x"))
    assert find_sent("reddit", config, reply_to("reddit", item, "Svar!")) is None
    assert find_sent("reddit", config, post("Nyhet")) is None
    assert fake.replies_to(asked["data"]["name"])  # only the other answer


# --- YouTube ---------------------------------------------------------------------------------


@pytest.fixture
def yt(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    fake = youtube.FakeYouTube(server)
    for name, value in {
        "Y_KEY": youtube.API_KEY,
        "Y_CLIENT": youtube.CLIENT_ID,
        "Y_SECRET": youtube.CLIENT_SECRET,
        "Y_REFRESH": youtube.REFRESH_TOKEN,
        "Y_READONLY": youtube.READONLY_REFRESH_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    config = {
        "queries": ["elvåra"],
        "videos": ["vid00000001"],
        "api_key": {"$env": "Y_KEY"},
        "oauth_client_id": {"$env": "Y_CLIENT"},
        "oauth_client_secret": {"$env": "Y_SECRET"},
        "refresh_token": {"$env": "Y_REFRESH"},
        "service": fake.url,
        "token_service": fake.url,
    }
    return fake, config


def collected(kind: str, config: dict[str, Any], what: str) -> RawItem:
    return next(i for i in mentions(kind, config) if i.payload.get("kind") == what)


def test_youtube_replies_in_a_comment_thread(yt):
    fake, config = yt
    fake.video("Elvåra i Bergen")
    thread = fake.comment("Elvåra, när öppnar ni?", "vid00000001")
    item = collected("youtube", config, "youtube#commentThread")
    sent = send("youtube", config, reply_to("youtube", item, "Den 1 december!"))
    [reply] = fake.replies[thread["id"]]
    assert reply["snippet"]["textOriginal"] == "Den 1 december!"
    assert reply["snippet"]["authorChannelId"] == {"value": youtube.CHANNEL}
    assert sent.external_id == reply["id"]
    assert sent.url == f"https://www.youtube.com/watch?v=vid00000001&lc={reply['id']}"
    request = fake.server.requests_to("/youtube/v3/comments")[-1]
    assert request.json() == {
        "snippet": {"parentId": thread["id"], "textOriginal": "Den 1 december!"}
    }
    assert request.bearer and "key" not in request.query  # the channel's token, not the key


def test_youtube_answers_a_video_with_a_top_level_comment(yt):
    fake, config = yt
    video = fake.video("Elvåra i Bergen")
    item = collected("youtube", config, "youtube#searchResult")
    sent = send("youtube", config, reply_to("youtube", item, "Tack för besöket!"))
    thread = fake.threads[-1]
    assert thread["snippet"]["videoId"] == video["id"]["videoId"]
    assert thread["snippet"]["channelId"] == video["snippet"]["channelId"]
    assert thread["snippet"]["topLevelComment"]["snippet"]["textOriginal"] == "Tack för besöket!"
    assert sent.external_id == thread["snippet"]["topLevelComment"]["id"]


def test_youtube_cannot_publish_and_without_oauth_says_what_to_configure(yt):
    fake, config = yt
    assert registry.get("youtube").can_publish is False
    with pytest.raises(SendingNotSupportedError, match="cannot publish"):
        send("youtube", config, post("Ny video"))
    reading = {k: v for k, v in config.items() if k not in OAUTH_FIELDS}
    with pytest.raises(SendingNotSupportedError, match="refresh_token"):
        send("youtube", reading, Outgoing("k", "Hej", reply_to_id="UgzComment000001"))
    assert not [r for r in fake.server.requests if r.method == "POST"]


OAUTH_FIELDS = ("oauth_client_id", "oauth_client_secret", "refresh_token")


def test_youtube_refusals_are_clear(yt, monkeypatch: pytest.MonkeyPatch):
    fake, config = yt
    monkeypatch.setenv("Y_WRONG", "1//0not-the-token")
    with pytest.raises(AuthError, match="invalid_grant") as refused:
        send("youtube", {**config, "refresh_token": {"$env": "Y_WRONG"}}, post_on(fake))
    assert "$Y_WRONG" in refused.value.reason and "not-the-token" not in refused.value.reason
    readonly = {**config, "refresh_token": {"$env": "Y_READONLY"}}
    with pytest.raises(AuthError, match="insufficient authentication scopes") as scope:
        send("youtube", readonly, post_on(fake))
    assert "youtube.force-ssl" in scope.value.reason
    with pytest.raises(RequestRejectedError, match="Comments cannot be empty"):
        send("youtube", config, post_on(fake, " "))
    video = fake.video("Elvåra")["id"]["videoId"]
    fake.comments_disabled.add(video)
    with pytest.raises(RequestRejectedError, match="comments are turned off"):
        send("youtube", config, Outgoing("k", "Hej", reply_to_id=video))
    fake.used = fake.quota
    with pytest.raises(RateLimitedError, match="quota") as quota:
        send("youtube", config, post_on(fake))
    assert quota.value.retry_at is not None
    assert fake.ours() == []


def post_on(fake: Any, text: str = "Hej") -> Outgoing:
    """A reply to a new comment thread on the fake."""
    thread = fake.comment("Elvåra?", "vid00000001")
    return Outgoing("k", text, reply_to_id=thread["id"], reply_to_raw=thread)


def test_youtube_a_refused_access_token_is_renewed_once(yt):
    fake, config = yt
    send("youtube", config, post_on(fake, "Ett"))
    fake.expire_access_tokens()
    send("youtube", config, post_on(fake, "Två"))
    assert [c["snippet"]["textOriginal"] for c in fake.ours()] == ["Ett", "Två"]


@pytest.mark.parametrize("how", ["hang up", "timeout"])
def test_youtube_a_lost_answer_is_not_sent_again_and_is_found(yt, how: str):
    fake, config = yt
    message = post_on(fake, "Svar!")
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("youtube", config, message)
    [reply] = fake.ours()
    assert len([r for r in fake.server.requests if r.method == "POST" and "v3" in r.path]) == 1
    assert find_sent("youtube", config, message).external_id == reply["id"]
    video = fake.video("Elvåra")["id"]["videoId"]
    on_video = Outgoing("v", "Tack!", reply_to_id=video, first_attempt_at=NOW)
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("youtube", config, on_video)
    [top] = [c for c in fake.ours() if c["snippet"]["videoId"] == video]
    assert find_sent("youtube", config, on_video).external_id == top["id"]


def test_youtube_find_sent_is_none_when_nothing_was_posted(yt):
    fake, config = yt
    video = fake.video("Elvåra")["id"]["videoId"]
    message = post_on(fake, "Svar!")
    send("youtube", config, Outgoing("other", "Ett annat svar", reply_to_id=message.reply_to_id))
    assert find_sent("youtube", config, message) is None
    on_video = Outgoing("v", "Tack!", reply_to_id=video, first_attempt_at=NOW)
    assert find_sent("youtube", config, on_video) is None


# --- X ---------------------------------------------------------------------------------------


@pytest.fixture
def xx(server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    fake = x.FakeX(server)
    for name, value in {
        "X_BEARER": x.BEARER,
        "X_KEY": x.API_KEY,
        "X_KEY_SECRET": x.API_KEY_SECRET,
        "X_TOKEN": x.ACCESS_TOKEN,
        "X_TOKEN_SECRET": x.ACCESS_TOKEN_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    config = {
        "queries": ["elvåra"],
        "token": {"$env": "X_BEARER"},
        "api_key": {"$env": "X_KEY"},
        "api_key_secret": {"$env": "X_KEY_SECRET"},
        "access_token": {"$env": "X_TOKEN"},
        "access_token_secret": {"$env": "X_TOKEN_SECRET"},
        "service": fake.url,
    }
    return fake, config


def test_x_replies_in_the_thread_signed_as_the_account(xx):
    fake, config = xx
    asked = fake.post("Elvåra, öppet i jul?")
    item = mentions("x", config)[0]
    sent = send("x", config, reply_to("x", item, "Ja! Se https://elvara.example/jul & välkomna"))
    [reply] = fake.replies_to(asked["id"])
    assert reply["author_id"] == x.US
    assert reply["text"] == "@kari_n Ja! Se https://t.co/AbCdEf123 &amp; välkomna"
    assert sent.external_id == reply["id"]
    assert sent.url == f"https://x.com/i/web/status/{reply['id']}"
    request = fake.server.requests_to("/2/tweets")[-1]
    assert request.json() == {
        "text": "Ja! Se https://elvara.example/jul & välkomna",
        "reply": {"in_reply_to_tweet_id": asked["id"]},
    }
    assert request.headers["authorization"].startswith("OAuth ")


def test_x_publishes_a_post(xx):
    fake, config = xx
    sent = send("x", config, post("Nu öppnar vi i Bergen!"))
    [ours] = fake.ours()
    assert ours["text"] == "Nu öppnar vi i Bergen!" and "referenced_tweets" not in ours
    assert sent.external_id == ours["id"]


def test_x_without_an_access_token_says_what_to_configure(xx):
    fake, config = xx
    reading = {"queries": ["elvåra"], "token": {"$env": "X_BEARER"}, "service": fake.url}
    with pytest.raises(SendingNotSupportedError, match="access_token"):
        send("x", reading, post("Hej"))
    assert fake.server.requests_to("/2/tweets") == []


def test_x_refusals_are_clear(xx, monkeypatch: pytest.MonkeyPatch):
    fake, config = xx
    monkeypatch.setenv("X_WRONG", "not-the-secret")
    with pytest.raises(AuthError) as refused:
        send("x", {**config, "access_token_secret": {"$env": "X_WRONG"}}, post("Hej"))
    assert "401" in refused.value.reason and "$X_WRONG" in refused.value.reason
    assert "not-the-secret" not in refused.value.reason
    monkeypatch.setenv("X_READONLY", x.READ_ONLY_TOKEN)
    monkeypatch.setenv("X_READONLY_SECRET", "readonly-secret")
    read_only = {
        **config,
        "access_token": {"$env": "X_READONLY"},
        "access_token_secret": {"$env": "X_READONLY_SECRET"},
    }
    with pytest.raises(AuthError, match="oauth1 app permissions") as permissions:
        send("x", read_only, post("Hej"))
    assert "Read and write" in permissions.value.reason
    with pytest.raises(RequestRejectedError, match="too long") as long:
        send("x", config, post("x" * 281))
    assert "400" in long.value.reason
    send("x", config, post("Hej!", key="first"))
    with pytest.raises(RequestRejectedError, match="duplicate content"):
        send("x", config, post("Hej!", key="second"))
    fake.write_remaining = 0
    with pytest.raises(RateLimitedError) as limited:
        send("x", config, post("Hej igen"))
    assert limited.value.retry_at is not None
    assert len(fake.ours()) == 1


@pytest.mark.parametrize("how", ["hang up", "timeout"])
def test_x_a_lost_answer_is_not_sent_again_and_is_found(xx, how: str):
    fake, config = xx
    asked = fake.post("Elvåra?")
    item = mentions("x", config)[0]
    message = reply_to("x", item, "Svar med länk https://elvara.example/a")
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("x", config, message)
    [reply] = fake.replies_to(asked["id"])
    assert len([r for r in fake.server.requests if r.method == "POST"]) == 1  # never twice
    assert find_sent("x", config, message).external_id == reply["id"]
    published = post("Nyhet & mer")
    fake.lose_next_answer(how)
    with pytest.raises(OutcomeUnknownError):
        send("x", config, published)
    assert find_sent("x", config, published).external_id == fake.ours()[-1]["id"]


def test_x_find_sent_is_none_when_nothing_was_posted(xx):
    fake, config = xx
    fake.post("Elvåra?")
    item = mentions("x", config)[0]
    send("x", config, reply_to("x", item, "Ett annat svar", key="other"))
    assert find_sent("x", config, reply_to("x", item, "Svar!")) is None
    assert find_sent("x", config, post("Nyhet")) is None
    signed = [r for r in fake.server.requests if r.headers["authorization"].startswith("OAuth")]
    assert len(fake.nonces) == len(signed) > 0  # every request signed anew
