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
from tests.connectors.conftest import fast_http
from tests.connectors.fakes import mastodon
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
