"""What is particular to LinkedIn organization pages, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote

import pytest

from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    GoneError,
    Outgoing,
    RateLimitedError,
    RequestRejectedError,
    RetriableError,
)
from lyssna.connectors.linkedin.api import little_text, next_midnight, plain_text
from lyssna.core.clock import utcnow
from lyssna.pipeline.normalise import normalise
from tests.connectors.conftest import connector_for
from tests.connectors.conftest import fetch_all as shared_fetch_all
from tests.connectors.conftest import records as shared_records
from tests.connectors.fakes.linkedin import MEMBER, ORG, ORG_ID, TOKEN, FakeLinkedIn
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
run = asyncio.run


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeLinkedIn:
    monkeypatch.setenv("LI_TOKEN", TOKEN)
    return FakeLinkedIn(server)


def config(fake: FakeLinkedIn, **overrides: Any) -> dict[str, Any]:
    return {"organization": ORG_ID, "token": {"$env": "LI_TOKEN"}, "service": fake.url, **overrides}


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("linkedin", settings)


fetch_all = partial(shared_fetch_all, "linkedin")
records = partial(shared_records, "linkedin", retrieved_at=NOW)


# --- reading ---------------------------------------------------------------------------------


def test_posts_map_from_little_text(fake, server):
    post = fake.post(
        "Hej från @[Elvåra AB](urn:li:organization:2414183)! {hashtag|\\#|höst} "
        "\\(nytt\\) 50\\% \\_rabatt\\_ 🍂"
    )
    record = records(run(connect(config(fake)).fetch(None)).items)[post["id"]]
    assert record["text"] == "Hej från @Elvåra AB! #höst (nytt) 50% _rabatt_ 🍂"
    assert record["url"] == f"https://www.linkedin.com/feed/update/{post['id']}/"
    assert record["author"]["handle"] == ORG
    assert record["created_at"] == "2026-11-20T08:01:00+00:00"
    assert record["metrics"] == {"likes": None, "shares": None, "replies": None, "views": None}
    assert "unknown_fields" not in record["connector"]
    normalise(record)
    request = server.requests_to("/rest/posts")[0]
    assert request.headers["linkedin-version"] == "202605"
    assert request.headers["x-restli-protocol-version"] == "2.0.0"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert (request.arg("q"), request.arg("author"), request.arg("sortBy")) == (
        "author",
        ORG,
        "LAST_MODIFIED",
    )


def test_comments_and_replies_map_to_their_thread(fake, server):
    post = fake.post("Elvåra")
    top = fake.comment(post["id"], "Grattis!")
    reply = fake.comment(post["id"], "Instämmer", parent=top["commentUrn"])
    found = records(run(connect(config(fake)).fetch(None)).items)
    comment = found[top["commentUrn"]]
    assert comment["reply_to"] == post["id"]
    assert comment["author"]["handle"] == MEMBER
    assert comment["metrics"] == {"likes": 2, "shares": None, "replies": 1, "views": None}
    assert comment["url"].startswith(
        "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001/?commentUrn="
    )
    assert found[reply["commentUrn"]]["reply_to"] == top["commentUrn"]
    assert "unknown_fields" not in found[reply["commentUrn"]]["connector"]
    asked = [r.path for r in server.requests if "socialActions" in r.path]
    assert f"/rest/socialActions/{quote(post['id'], safe='')}/comments" in asked


def test_new_comments_are_found_whatever_the_order(fake, server):
    post = fake.post("Elvåra")
    for n in range(3):
        fake.comment(post["id"], f"tidig {n}")
    settings = config(fake)
    _, cursor = fetch_all(settings)
    top = fake.comments[0]
    fake.comment(post["id"], "ny kommentar")
    fake.comment(post["id"], "nytt svar", parent=top["commentUrn"])
    items, cursor = fetch_all(settings, cursor)
    texts = {r["text"] for r in records(items).values()}
    assert {"ny kommentar", "nytt svar"} <= texts
    assert not texts & {"tidig 0", "tidig 1"}  # older than what was collected: not again
    server.requests.clear()
    fetch_all(settings, cursor)
    replies_read = [r for r in server.requests if "comment%3A" in r.path]
    assert replies_read == []  # reply counts unchanged: replies not read again


def test_a_long_sweep_goes_on_at_the_next_fetch(fake):
    post = fake.post("Elvåra")
    settings = config(fake)
    _, cursor = fetch_all(settings)
    for n in range(620):
        fake.comment(post["id"], f"kommentar {n}")
    connector = connect(settings)
    first = run(connector.fetch(cursor))
    assert first.more and len([i for i in first.items if i.payload["edge"] == "comments"]) == 500
    second = run(connector.fetch(first.next_cursor))
    assert not second.more
    seen = set(records(first.items)) | set(records(second.items))
    assert len([s for s in seen if s.startswith("urn:li:comment:")]) == 620


def test_the_posts_walk_pages_with_start(fake, server):
    settings = config(fake, page_size=2, comments=False)
    fake.post("Elvåra 0")
    _, cursor = fetch_all(settings)
    for n in range(1, 6):
        fake.post(f"Elvåra {n}")
    items, cursor = fetch_all(settings, cursor)
    assert {f"Elvåra {n}" for n in range(1, 6)} <= {r["text"] for r in records(items).values()}
    assert [r.arg("start") for r in server.requests_to("/rest/posts")][1:4] == ["0", "2", "4"]
    assert TOKEN not in str(cursor)


def test_a_deleted_post_is_let_go(fake):
    post = fake.post("Elvåra")
    settings = config(fake)
    _, cursor = fetch_all(settings)
    fake.posts.remove(post)
    fake.post("Nytt")
    _, cursor = fetch_all(settings, cursor)
    assert post["id"] not in [p[0] for p in cursor["posts"]]
    assert post["id"] not in cursor["comments"]


def test_hostile_comments(fake):
    post = fake.post("Elvåra")
    texts = [
        "🎉👩🏽‍💻 Elvåra",
        "مرحبا \u202eevil\u202c",
        "Elv\u200båra\ufeff",
        "x" * 50_000,
        "a\x00b",
    ]
    for text in texts:
        fake.comment(post["id"], text)
    fake.comments.append({"object": "urn:li:activity:1", "message": None, "created": "x"})
    fake.comments[-1]["commentUrn"] = "urn:li:comment:(urn:li:activity:1,9)"
    fake.comments[-1]["object"] = FakeLinkedIn.activity(post["id"])
    found = records(run(connect(config(fake)).fetch(None)).items)
    assert set(texts) <= {r["text"] for r in found.values()}
    broken = found["urn:li:comment:(urn:li:activity:1,9)"]
    assert broken["text"] == "" and broken["created_at"] is None and broken["author"] is None


def test_little_text_round_trips():
    for text in ["Hej (alla) [nu] <3 #elvåra och #höst_rea ~ * | {x} @kari \\ _", "50 % & #1"]:
        assert plain_text(little_text(text)) == text
    assert little_text("Ny #höst kollektion (snart)") == (
        "Ny {hashtag|\\#|höst} kollektion \\(snart\\)"
    )


# --- failures --------------------------------------------------------------------------------


def test_an_expired_token_says_how_to_renew_it(fake):
    fake.expired = True
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    reason = raised.value.reason
    assert "EXPIRED_ACCESS_TOKEN" in reason and "60 days" in reason and "$LI_TOKEN" in reason
    assert TOKEN not in reason


def test_a_missing_scope_names_scopes_and_role(fake):
    fake.scopes.discard("r_organization_social")
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "r_organization_social" in raised.value.reason
    assert "administrator" in raised.value.reason and ORG in raised.value.reason


def test_a_retired_version_is_gone_and_says_what_to_set(fake):
    with pytest.raises(GoneError) as raised:
        run(connect(config(fake, api_version="202401")).fetch(None))
    assert "202401" in raised.value.reason and "api_version" in raised.value.reason


def test_a_daily_limit_waits_for_midnight_utc(fake):
    fake.day_limit_reached = True
    with pytest.raises(RateLimitedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert raised.value.retry_at == next_midnight(utcnow())
    assert "midnight UTC" in raised.value.reason


# --- sending ---------------------------------------------------------------------------------


def as_mention(post: dict[str, Any], comment: dict[str, Any] | None = None) -> dict[str, Any]:
    if comment is None:
        return {"edge": "posts", "post": post}
    return {"edge": "comments", "post": post["id"], "comment": comment}


def test_replies_on_posts_and_in_comment_threads(fake):
    post = fake.post("Elvåra")
    top = fake.comment(post["id"], "Fråga?")
    inner = fake.comment(post["id"], "Jag med", parent=top["commentUrn"])
    connector = connect(config(fake))
    on_post = Outgoing(
        key="a", text="Tack alla 🙂", reply_to_id=post["id"], reply_to_raw=as_mention(post)
    )
    in_thread = Outgoing(
        key="b", text="Svar", reply_to_id=inner["commentUrn"], reply_to_raw=as_mention(post, inner)
    )
    first = run(connector.send(on_post))
    second = run(connector.send(in_thread))
    made = fake.sent()
    assert "parentComment" not in made[0] and made[1]["parentComment"] == top["commentUrn"]
    assert (first.external_id, second.external_id) == (made[0]["commentUrn"], made[1]["commentUrn"])
    assert run(connector.find_sent(on_post)) == first
    assert run(connector.find_sent(in_thread)) == second
    other = Outgoing(key="c", text="Annat", reply_to_id=post["id"], reply_to_raw=as_mention(post))
    assert run(connector.find_sent(other)) is None


def test_a_post_is_escaped_published_and_found(fake):
    connector = connect(config(fake))
    message = Outgoing(key="p", text="Nyhet (äntligen): #elvåra öppnar!", first_attempt_at=NOW)
    sent = run(connector.send(message))
    assert fake.posts[-1]["commentary"] == "Nyhet \\(äntligen\\): {hashtag|\\#|elvåra} öppnar!"
    assert sent.external_id == fake.posts[-1]["id"]
    assert sent.url == f"https://www.linkedin.com/feed/update/{sent.external_id}/"
    assert run(connector.find_sent(message)) == sent
    never = Outgoing(key="q", text="Aldrig", first_attempt_at=datetime(2026, 11, 20, 8, tzinfo=UTC))
    assert run(connector.find_sent(never)) is None


def test_a_comment_that_may_have_gone_through_is_not_sent_twice(fake, server):
    post = fake.post("Elvåra")
    fake.fail_after_create = True
    connector = connect(config(fake))
    message = Outgoing(key="a", text="Svar", reply_to_id=post["id"], reply_to_raw=as_mention(post))
    with pytest.raises(RetriableError):
        run(connector.send(message))
    assert len([r for r in server.requests if r.method == "POST"]) == 1
    fake.fail_after_create = False
    assert run(connector.find_sent(message)).external_id == fake.sent()[0]["commentUrn"]


def test_sending_refusals(fake):
    post = fake.post("Elvåra")
    connector = connect(config(fake))
    with pytest.raises(RequestRejectedError, match="1,250 characters"):
        run(connector.send(Outgoing(key="a", text="x" * 1251, reply_to_id=post["id"])))
    with pytest.raises(RequestRejectedError, match="empty"):
        run(connector.send(Outgoing(key="b", text=" ")))
    fake.scopes.discard("w_organization_social")
    with pytest.raises(AuthError, match="w_organization_social"):
        run(connector.send(Outgoing(key="c", text="Hej", reply_to_id=post["id"])))
    assert fake.sent() == [] and len(fake.posts) == 1


# --- check and settings ------------------------------------------------------------------------


def test_check(fake):
    fake.post("Elvåra")
    verdict = run(connect(config(fake)).check())
    assert verdict.ok, verdict.message
    assert "LinkedIn-Version 202605" in verdict.message
    assert "comments: readable" in verdict.details


def test_config_is_checked():
    model = registry.get("linkedin").config_model
    base = {"token": {"$env": "T"}}
    assert model.model_validate({**base, "organization": ORG}).organization == ORG
    assert model.model_validate({**base, "organization": " 2414183 "}).organization == ORG
    with pytest.raises(ValueError, match="numeric id"):
        model.model_validate({**base, "organization": "elvara-ab"})
    with pytest.raises(ValueError, match="YYYYMM"):
        model.model_validate({**base, "organization": ORG_ID, "api_version": "2026-05"})


def test_sources_add_linkedin(fake, sources_cli):
    added = sources_cli(
        "add", "linkedin", "li", "--organization", ORG_ID, "--token-env", "LI_TOKEN",
        "--service", fake.url, catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$LI_TOKEN" in added.output and TOKEN not in added.output
    tested = sources_cli("test", "li", catch_exceptions=False)
    assert tested.exit_code == 0 and "LinkedIn accepts the token" in tested.output
