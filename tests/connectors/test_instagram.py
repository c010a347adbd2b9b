"""What is particular to Instagram business accounts, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    Outgoing,
    RateLimitedError,
    RetriableError,
    SendingNotSupportedError,
    SourceNotFoundError,
)
from lyssna.core.clock import utcnow
from lyssna.pipeline.normalise import normalise
from tests.connectors.conftest import connector_for
from tests.connectors.conftest import fetch_all as shared_fetch_all
from tests.connectors.conftest import records as shared_records
from tests.connectors.fakes import instagram
from tests.connectors.fakes.facebook import VERSION
from tests.connectors.fakes.instagram import ACCOUNT_ID, TOKEN, USERNAME, FakeInstagram
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
run = asyncio.run


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeInstagram:
    monkeypatch.setenv("IG_TOKEN", TOKEN)
    return FakeInstagram(server)


def config(fake: FakeInstagram, **overrides: Any) -> dict[str, Any]:
    return {"account": ACCOUNT_ID, "token": {"$env": "IG_TOKEN"}, "service": fake.url, **overrides}


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("instagram", settings)


fetch_all = partial(shared_fetch_all, "instagram")
records = partial(shared_records, "instagram", retrieved_at=NOW)


# --- reading ---------------------------------------------------------------------------------


def test_own_posts_and_their_comments_and_replies(fake, server):
    media = fake.post("Ny höstkollektion från Elvåra 🍂")
    top = fake.comment(media["id"], "Så fina! När kommer de?")
    reply = fake.comment(media["id"], "Undrar också", parent=top["id"])
    found = records(run(connect(config(fake, tags=False)).fetch(None)).items)
    post = found[media["id"]]
    assert post["text"] == "Ny höstkollektion från Elvåra 🍂"
    assert post["author"]["handle"] == USERNAME
    assert post["url"] == media["permalink"]
    assert post["created_at"] == "2026-11-20T08:01:00+00:00"
    assert post["metrics"] == {"likes": 12, "shares": None, "replies": 2, "views": None}
    assert "unknown_fields" not in post["connector"]
    assert found[top["id"]]["reply_to"] == media["id"]
    assert found[top["id"]]["url"] == media["permalink"]  # comments have no link of their own
    assert found[top["id"]]["author"]["handle"] == "kari.nordmann"
    assert found[reply["id"]]["reply_to"] == top["id"]
    assert "unknown_fields" not in found[reply["id"]]["connector"]
    normalise(found[reply["id"]])
    request = server.requests_to(f"/{VERSION}/{media['id']}/comments")[0]
    assert "replies{" in (request.arg("fields") or "")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


def test_a_new_reply_under_an_older_comment_is_collected(fake):
    media = fake.post("Elvåra")
    old = fake.comment(media["id"], "Gammal kommentar")
    settings = config(fake, tags=False)
    _, cursor = fetch_all(settings)
    fake.comment(media["id"], "Nyare kommentar")
    late = fake.comment(media["id"], "Sent svar", parent=old["id"])
    items, _ = fetch_all(settings, cursor)
    assert late["id"] in records(items)


def test_tags_and_hashtags(fake, server):
    tagged = fake.tag("Fin dag med @elvara_ab")
    fake.hashtagged("elvåra", "Äntligen! #elvåra")
    settings = config(fake, media=False, hashtags=["#Elvåra"])
    items, cursor = fetch_all(settings)
    found = records(items)
    assert found[tagged["id"]]["connector"]["edge"] == "tags"
    hashtag = next(r for r in found.values() if r["connector"]["edge"] == "hashtag")
    assert hashtag["connector"]["hashtag"] == "elvåra"
    assert hashtag["author"] is None  # hashtag lists never say who posted
    assert cursor["hashtag_ids"] == {"elvåra": fake.hashtags["elvåra"]}
    recent = server.requests_to(f"/{VERSION}/{fake.hashtags['elvåra']}/recent_media")[0]
    assert recent.arg("user_id") == ACCOUNT_ID and "username" not in (recent.arg("fields") or "")
    fetch_all(settings, cursor)
    assert len(server.requests_to(f"/{VERSION}/ig_hashtag_search")) == 1  # looked up once


def test_the_media_walk_pages_back_to_where_it_stopped(fake, server):
    settings = config(fake, tags=False, comments=False, page_size=2)
    fake.post("Elvåra 0")
    _, cursor = fetch_all(settings)
    for n in range(1, 6):
        fake.post(f"Elvåra {n}")
    items, cursor = fetch_all(settings, cursor)
    assert {f"Elvåra {n}" for n in range(1, 6)} <= {r["text"] for r in records(items).values()}
    assert TOKEN not in str(cursor)


def test_a_deleted_post_is_let_go(fake):
    media = fake.post("Elvåra")
    settings = config(fake, tags=False)
    _, cursor = fetch_all(settings)
    fake.media.remove(media)
    _, cursor = fetch_all(settings, cursor)
    assert media["id"] not in [m[0] for m in cursor["media"]]


def test_hostile_captions_and_missing_fields(fake):
    texts = [
        "Elvåra 🎉👩🏽‍💻",
        "مرحبا Elvåra \u202eevil\u202c",
        "Elv\u200båra\ufeff",
        "x" * 100_000,
    ]
    for text in texts:
        fake.post(text)
    fake.post("", like_count=None)
    fake.media[-1]["caption"] = None
    fake.media.append({"id": "17900000000000999", "timestamp": "not a time", "username": 7})
    found = records(run(connect(config(fake, tags=False)).fetch(None)).items)
    assert set(texts) <= {r["text"] for r in found.values()}
    broken = found["17900000000000999"]
    assert broken["created_at"] is None and broken["author"] is None and broken["text"] == ""


# --- failures --------------------------------------------------------------------------------


def test_an_invalid_token_is_named_never_shown(fake, monkeypatch):
    monkeypatch.setenv("IG_TOKEN", "EAAG-wrong")
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "$IG_TOKEN" in raised.value.reason and "Graph error 190" in raised.value.reason
    assert "EAAG-wrong" not in raised.value.reason


def test_missing_comment_permission_is_named(fake):
    fake.post("Elvåra")
    fake.permissions.discard("instagram_manage_comments")
    with pytest.raises(AuthError, match="lacks the permission instagram_manage_comments"):
        run(connect(config(fake, tags=False)).fetch(None))


def test_a_throttled_account_backs_off_for_metas_estimate(fake):
    fake.throttled = True
    with pytest.raises(RateLimitedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "Graph error 80002" in raised.value.reason
    assert raised.value.retry_at is not None
    assert raised.value.retry_at > utcnow() + timedelta(minutes=29)


def test_a_wrong_account_id_is_not_found(fake):
    with pytest.raises(SourceNotFoundError, match="Check the account id 17841499999999999"):
        run(connect(config(fake, account="17841499999999999", media=False)).fetch(None))


# --- sending ---------------------------------------------------------------------------------


def answer(text: str, payload: dict[str, Any], reply_to: str, **kw: Any) -> Outgoing:
    return Outgoing(key="k", text=text, reply_to_id=reply_to, reply_to_raw=payload, **kw)


def comment_payload(media: dict[str, Any], comment: dict[str, Any]) -> dict[str, Any]:
    return {
        "edge": "comments",
        "media": {"id": media["id"], "permalink": media["permalink"]},
        "comment": comment,
    }


def test_replies_join_the_top_level_comment_and_are_found_again(fake):
    media = fake.post("Elvåra")
    top = fake.comment(media["id"], "Fråga?")
    inner = fake.comment(media["id"], "Samma fråga", parent=top["id"])
    connector = connect(config(fake))
    sent = run(connector.send(answer("Svar 🙂", comment_payload(media, top), top["id"])))
    again = run(connector.send(answer("Till dig", comment_payload(media, inner), inner["id"])))
    made = fake.sent()
    assert [c["parent_id"] for c in made] == [top["id"], top["id"]]
    assert sent.external_id == made[0]["id"] and sent.url == media["permalink"]
    found = run(connector.find_sent(answer("Svar 🙂", comment_payload(media, top), top["id"])))
    assert found == sent
    assert run(connector.find_sent(answer("Till dig", comment_payload(media, inner), inner["id"])))
    assert again.external_id == made[1]["id"]
    missing = answer("Aldrig", comment_payload(media, top), top["id"])
    assert run(connector.find_sent(missing)) is None


def test_a_comment_on_an_own_post(fake):
    media = fake.post("Elvåra")
    connector = connect(config(fake))
    message = answer("Tack alla!", {"edge": "media", "media": media}, media["id"])
    sent = run(connector.send(message))
    assert fake.sent()[0]["id"] == sent.external_id and "parent_id" not in fake.sent()[0]
    assert run(connector.find_sent(message)) == sent


def test_an_answer_that_may_have_gone_through_is_not_sent_twice(fake, server):
    media = fake.post("Elvåra")
    top = fake.comment(media["id"], "Fråga?")
    fake.fail_after_create = True
    connector = connect(config(fake))
    message = answer("Svar", comment_payload(media, top), top["id"])
    with pytest.raises(RetriableError):
        run(connector.send(message))
    assert len([r for r in server.requests if r.method == "POST"]) == 1
    assert run(connector.find_sent(message)).external_id == fake.sent()[0]["id"]


def test_what_instagram_cannot_do_is_said(fake):
    connector = connect(config(fake))
    with pytest.raises(SendingNotSupportedError, match="photo or a video"):
        run(connector.send(Outgoing(key="k", text="Nytt inlägg")))
    tagged = fake.tag("@elvara_ab")
    with pytest.raises(SendingNotSupportedError, match="tag the account"):
        run(connector.send(answer("Tack", {"edge": "tags", "media": tagged}, tagged["id"])))
    with pytest.raises(SendingNotSupportedError, match="hashtag"):
        run(connector.send(answer("Hej", {"edge": "hashtag", "media": tagged}, tagged["id"])))
    assert fake.sent() == []
    cls = registry.get("instagram")
    assert cls.can_reply and not cls.can_publish


# --- check and settings ------------------------------------------------------------------------


def test_check_counts_hashtags_without_searching(fake, server):
    fake.hashtagged("kaffe", "#kaffe")
    fake.searched.append(fake.hashtags["kaffe"])
    verdict = run(connect(config(fake, hashtags=["elvåra"])).check())
    assert verdict.ok, verdict.message
    assert f"@{USERNAME}" in verdict.message
    assert "hashtags: 1 of 30 searched in the last 7 days (1 configured here)" in verdict.details
    assert not server.requests_to(f"/{VERSION}/ig_hashtag_search")


def test_config_is_checked():
    model = registry.get("instagram").config_model
    base = {"account": ACCOUNT_ID, "token": {"$env": "T"}}
    with pytest.raises(ValueError, match="numeric id"):
        model.model_validate({**base, "account": "@elvara_ab"})
    with pytest.raises(ValueError, match="no emoji"):
        model.model_validate({**base, "hashtags": ["☕"]})
    with pytest.raises(ValueError, match="30 hashtags a week"):
        model.model_validate({**base, "hashtags": [f"tag{n}" for n in range(31)]})
    assert model.model_validate({**base, "hashtags": ["#Elvåra", "elvåra"]}).hashtags == ["elvåra"]


def test_sources_add_instagram(fake, sources_cli):
    added = sources_cli(
        "add", "instagram", "ig", "--account", ACCOUNT_ID, "--hashtag", "elvåra",
        "--token-env", "IG_TOKEN", "--service", fake.url, catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$IG_TOKEN" in added.output and instagram.TOKEN not in added.output
    tested = sources_cli("test", "ig", catch_exceptions=False)
    assert tested.exit_code == 0 and "Instagram accepts the token" in tested.output
