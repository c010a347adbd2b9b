"""What is particular to Facebook Pages, beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Outgoing,
    RateLimitedError,
    RequestRejectedError,
    RetriableError,
    SourceNotFoundError,
)
from lyssna.connectors.facebook.graph import graph_time, next_query, read_usage
from lyssna.core.clock import utcnow
from lyssna.pipeline.normalise import normalise
from tests.connectors.conftest import connector_for
from tests.connectors.conftest import fetch_all as shared_fetch_all
from tests.connectors.conftest import records as shared_records
from tests.connectors.fakes import facebook
from tests.connectors.fakes.facebook import PAGE_ID, PAGE_TOKEN, FakeFacebook
from tests.connectors.fakes.server import FakeServer

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
FEED = f"/{facebook.VERSION}/{PAGE_ID}/feed"
run = asyncio.run


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeFacebook:
    monkeypatch.setenv("FB_PAGE_TOKEN", PAGE_TOKEN)
    return FakeFacebook(server)


def config(fake: FakeFacebook, **overrides: Any) -> dict[str, Any]:
    return {
        "page": PAGE_ID,
        "token": {"$env": "FB_PAGE_TOKEN"},
        "service": fake.url,
        **overrides,
    }


def connect(settings: dict[str, Any]) -> Any:
    return connector_for("facebook", settings)


fetch_all = partial(shared_fetch_all, "facebook")
records = partial(shared_records, "facebook", retrieved_at=NOW)


# --- reading ---------------------------------------------------------------------------------


def test_page_posts_map_with_their_counts_and_link(fake, server):
    post = fake.post("Elvåra öppnar i Bergen 🎉", author=facebook.VISITOR)
    connector = connect(config(fake, tagged=False))
    result = run(connector.fetch(None))
    record = records(result.items)[post["id"]]
    assert record["text"] == "Elvåra öppnar i Bergen 🎉"
    assert record["created_at"] == "2026-11-20T08:01:00+00:00"
    assert record["url"] == post["permalink_url"]
    assert record["author"] == {
        "handle": "Kari Nordmann",
        "name": "Kari Nordmann",
        "followers": None,
    }
    assert record["metrics"] == {"likes": 7, "shares": 2, "replies": 0, "views": None}
    assert record["reply_to"] is None
    assert record["connector"]["edge"] == "feed"
    assert record["connector"]["author_id"] == facebook.VISITOR["id"]
    assert "unknown_fields" not in record["connector"]
    normalise(record)
    feed = server.requests_to(FEED)[0]
    assert feed.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert feed.arg("access_token") is None  # the token never travels in a URL
    assert "reactions.summary(total_count).limit(0)" in (feed.arg("fields") or "")
    assert feed.arg("since") is None  # the first poll reads the newest page only


def test_comments_and_replies_answer_what_they_are_under(fake, server):
    post = fake.post("Nytt från Elvåra")
    top = fake.comment(post["id"], "När öppnar ni?")
    reply = fake.comment(post["id"], "I morgon!", parent=top["id"])
    found = records(run(connect(config(fake, tagged=False)).fetch(None)).items)
    assert found[top["id"]]["reply_to"] == post["id"]
    assert found[reply["id"]]["reply_to"] == top["id"]
    assert found[top["id"]]["metrics"] == {"likes": 1, "shares": None, "replies": 1, "views": None}
    assert found[reply["id"]]["connector"]["post_id"] == post["id"]
    assert found[reply["id"]]["url"].endswith(f"comment_id={reply['id']}")
    request = server.requests_to(f"/{facebook.VERSION}/{post['id']}/comments")[0]
    assert (request.arg("filter"), request.arg("order")) == ("stream", "reverse_chronological")


def test_tagged_posts_come_from_their_own_list(fake):
    tagged = fake.tag("Tack @Elvåra AB för hjälpen")
    found = records(run(connect(config(fake, feed=False)).fetch(None)).items)
    assert found[tagged["id"]]["connector"]["edge"] == "tagged"
    assert found[tagged["id"]]["author"]["handle"] == "Kari Nordmann"


def test_the_feed_walk_pages_with_cursors_and_keeps_no_token(fake, server):
    settings = config(fake, page_size=2, tagged=False, comments=False)
    fake.post("Elvåra 0")
    _, cursor = fetch_all(settings)
    for n in range(1, 6):
        fake.post(f"Elvåra {n}")
    items, cursor = fetch_all(settings, cursor)
    texts = {r["text"] for r in records(items).values()}
    assert {f"Elvåra {n}" for n in range(1, 6)} <= texts
    later = server.requests_to(FEED)[1:]
    assert later[0].arg("since") == str(int(datetime(2026, 11, 20, 8, 1, tzinfo=UTC).timestamp()))
    assert any(r.arg("after") for r in later)  # followed paging.next
    assert PAGE_TOKEN not in json.dumps(cursor)  # paging.next carries it; the cursor must not
    again, _ = fetch_all(settings, cursor)
    assert {r["text"] for r in records(again).values()} <= {"Elvåra 5"}


def test_comments_are_read_for_the_newest_posts_only(fake, server):
    posts = [fake.post(f"Inlägg {n}") for n in range(4)]
    settings = config(fake, tagged=False, watch_posts=2)
    _, cursor = fetch_all(settings)
    assert [p[0] for p in cursor["posts"]] == [posts[3]["id"], posts[2]["id"]]
    asked = {r.path for r in server.requests if r.path.endswith("/comments")}
    assert asked == {f"/{facebook.VERSION}/{p['id']}/comments" for p in posts[2:]}
    fake.comment(posts[3]["id"], "Ny kommentar om Elvåra")
    fresh = fake.post("Ännu ett inlägg")
    items, cursor = fetch_all(settings, cursor)
    texts = {r["text"] for r in records(items).values()} - {"Inlägg 3"}  # the boundary, again
    assert texts == {"Ny kommentar om Elvåra", fresh["message"]}
    assert [p[0] for p in cursor["posts"]] == [fresh["id"], posts[3]["id"]]
    assert not any(name.endswith(posts[2]["id"]) for name in cursor["streams"])  # let go


def test_a_busy_post_continues_only_its_own_walk(fake, server):
    post = fake.post("Elvåra")
    settings = config(fake, tagged=False)
    _, cursor = fetch_all(settings)
    for n in range(250):
        fake.comment(post["id"], f"kommentar {n}")
    server.requests.clear()
    items, cursor = fetch_all(settings, cursor)
    assert len([r for r in records(items).values() if r["reply_to"]]) == 250
    feed_reads = server.requests_to(FEED)
    comment_reads = server.requests_to(f"/{facebook.VERSION}/{post['id']}/comments")
    assert (len(feed_reads), len(comment_reads)) == (1, 3)


def test_a_deleted_post_is_let_go(fake):
    post = fake.post("Elvåra")
    settings = config(fake, tagged=False)
    _, cursor = fetch_all(settings)
    fake.posts.remove(post)
    fake.post("Nytt inlägg")
    _, cursor = fetch_all(settings, cursor)  # its comments answer "does not exist": no failure
    assert post["id"] not in [p[0] for p in cursor["posts"]]
    assert f"comments:{post['id']}" not in cursor["streams"]


def test_hostile_text_is_kept_as_written(fake):
    post = fake.post("Elvåra")
    texts = [
        "Elvåra 🎉🔥👩🏽‍💻 🇸🇪",
        "مرحبا Elvåra שלום \u202eevil\u202c",
        "Elv\u200båra\u200d med\ufeff nollbredd",
        "Elvåra \x00 nolltecken",
        "x" * 120_000,
    ]
    for text in texts:
        fake.comment(post["id"], text)
    fake.comment(post["id"], "utan författare", author=None)
    fake.comments[-1]["from"] = None
    fake.comments.append(
        {"id": "broken_1", "message": None, "created_time": None, "like_count": -3, "from": "x"}
    )
    fake.comment_post["broken_1"] = post["id"]
    found = records(run(connect(config(fake, tagged=False)).fetch(None)).items)
    assert {r["text"] for r in found.values()} >= set(texts)
    assert found["broken_1"]["author"] is None and found["broken_1"]["metrics"]["likes"] is None
    assert next(r for r in found.values() if r["text"] == "utan författare")["author"] is None


# --- failures --------------------------------------------------------------------------------


def test_an_expired_token_says_how_to_get_a_new_one(fake):
    fake.expired = True
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    reason = raised.value.reason
    assert "Graph error 190/463" in reason and "Session has expired" in reason
    assert "$FB_PAGE_TOKEN" in reason and "Get a new Page access token" in reason
    assert PAGE_TOKEN not in reason


def test_a_missing_permission_is_named(fake):
    fake.permissions.discard("pages_read_engagement")
    with pytest.raises(AuthError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "lacks the permission pages_read_engagement" in raised.value.reason


def test_an_unknown_page_is_not_found(fake):
    fake.posts.append({"id": "x"})
    with pytest.raises(SourceNotFoundError) as raised:
        run(connect(config(fake, page="123", feed=False)).fetch(None))
    assert "Check the Page id 123" in raised.value.reason


def test_a_throttled_page_waits_as_long_as_meta_says(fake):
    fake.throttled = True
    with pytest.raises(RateLimitedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "Graph error 80001" in raised.value.reason
    assert raised.value.retry_at is not None
    assert raised.value.retry_at > utcnow() + timedelta(minutes=29)


def test_usage_near_the_limit_stops_before_meta_throttles(fake, server):
    fake.post("Elvåra")
    fake.usage, fake.regain_minutes = 97, 20
    connector = connect(config(fake, tagged=False))
    with pytest.raises(RateLimitedError) as raised:
        run(connector.fetch(None))  # the feed answers, then the budget is spent
    assert "budget" in raised.value.reason
    assert raised.value.retry_at is not None and raised.value.retry_at > utcnow() + timedelta(
        minutes=19
    )
    assert len(server.requests) == 1


def test_meta_transient_errors_are_retried(fake, server):
    fake.post("Elvåra")
    server.script(
        facebook.graph_error(
            500, 2, "Service temporarily unavailable", type_="FacebookApiException"
        ),
        path=FEED,
    )
    assert len(run(connect(config(fake, tagged=False)).fetch(None)).items) == 1
    server.script(
        *[facebook.graph_error(400, 2, "An unexpected error has occurred.")] * 3, path=FEED
    )
    with pytest.raises(RetriableError, match="failed for a moment"):
        run(connect(config(fake, tagged=False)).fetch(None))


def test_an_invalid_parameter_is_a_refusal_with_metas_words(fake, server):
    server.script(
        facebook.graph_error(400, 100, "(#100) The value must be a valid comment order"), path=FEED
    )
    with pytest.raises(RequestRejectedError) as raised:
        run(connect(config(fake)).fetch(None))
    assert "Graph error 100: (#100) The value must be a valid comment order" in raised.value.reason
    assert len(server.requests_to(FEED)) == 1  # a refusal is not retried


def test_usage_headers_and_paging_links_are_read_as_documented():
    usage = read_usage(
        {
            "X-App-Usage": '{"call_count": 28, "total_time": 25, "total_cputime": 25}',
            "X-Business-Use-Case-Usage": json.dumps(
                {"1": [{"type": "pages", "call_count": 96, "estimated_time_to_regain_access": 7}]}
            ),
        }
    )
    assert usage is not None and usage.percent == 96 and usage.regain_in == timedelta(minutes=7)
    assert read_usage({"X-App-Usage": "not json"}) is None
    assert next_query(None) is None
    query = next_query(
        "https://graph.facebook.com/v26.0/1/feed?access_token=SECRET&after=QQ&limit=2"
    )
    assert query == "after=QQ&limit=2"
    assert graph_time("2026-11-20T08:01:00+0000") == datetime(2026, 11, 20, 8, 1, tzinfo=UTC)


# --- sending ---------------------------------------------------------------------------------


def message(text: str, reply_to: dict[str, Any] | None = None, **kw: Any) -> Outgoing:
    if reply_to is None:
        return Outgoing(key="k1", text=text, **kw)
    payload = {"edge": "comments", "post_id": "p", "comment": reply_to}
    return Outgoing(key="k1", text=text, reply_to_id=reply_to["id"], reply_to_raw=payload, **kw)


def test_replies_go_into_the_thread_and_are_found_again(fake):
    post = fake.post("Elvåra")
    top = fake.comment(post["id"], "Hur lång är leveranstiden?")
    inner = fake.comment(post["id"], "Undrar också", parent=top["id"])
    connector = connect(config(fake))
    first = run(connector.send(message("Tre dagar 🚚", top)))
    second = run(connector.send(message("Samma för dig!", inner)))
    made = fake.sent()
    assert [c["parent"]["id"] for c in made] == [top["id"], top["id"]]  # two deep, as Facebook
    assert first.external_id == made[0]["id"] and first.url == made[0]["permalink_url"]
    assert run(connector.find_sent(message("Tre dagar 🚚", top))) == first
    assert run(connector.find_sent(message("Samma för dig!", inner))).external_id == (
        second.external_id
    )
    assert run(connector.find_sent(message("Något annat", top))) is None


def test_a_comment_on_a_post_and_a_new_post(fake):
    post = fake.post("Elvåra")
    connector = connect(config(fake))
    on_post = Outgoing(
        key="k",
        text="Välkomna!",
        reply_to_id=post["id"],
        reply_to_raw={"edge": "feed", "post": post},
    )
    sent = run(connector.send(on_post))
    assert fake.sent()[0]["id"] == sent.external_id and "parent" not in fake.sent()[0]
    published = run(connector.send(Outgoing(key="n", text="Nu öppnar vi i Bergen")))
    assert fake.posts[-1]["id"] == published.external_id
    assert published.url == fake.posts[-1]["permalink_url"]
    found = run(
        connector.find_sent(Outgoing(key="n", text="Nu  öppnar vi i Bergen", first_attempt_at=NOW))
    )
    assert found is not None and found.external_id == published.external_id


def test_a_post_that_may_have_gone_through_is_not_sent_twice(fake, server):
    post = fake.post("Elvåra")
    top = fake.comment(post["id"], "Fråga")
    fake.fail_after_create = True
    connector = connect(config(fake))
    with pytest.raises(RetriableError):
        run(connector.send(message("Svar", top)))
    assert len(fake.sent()) == 1  # one attempt reached Meta, none repeated
    assert len([r for r in server.requests if r.method == "POST"]) == 1
    fake.fail_after_create = False
    found = run(connector.find_sent(message("Svar", top)))
    assert found is not None and found.external_id == fake.sent()[0]["id"]


def test_find_sent_stops_at_the_first_attempt_or_says_it_cannot_tell(fake):
    for n in range(30):
        fake.post(f"Äldre inlägg {n}")
    connector = connect(config(fake))
    late = Outgoing(
        key="n", text="Aldrig skickat", first_attempt_at=datetime(2026, 11, 20, 8, 25, tzinfo=UTC)
    )
    assert run(connector.find_sent(late)) is None
    for n in range(260):
        fake.post(f"Nytt inlägg {n}")
    unbounded = Outgoing(key="n", text="Aldrig skickat")
    with pytest.raises(ConnectorError, match="cannot tell"):
        run(connector.find_sent(unbounded))


def test_sending_refusals_are_clear(fake):
    post = fake.post("Elvåra")
    top = fake.comment(post["id"], "Fråga")
    connector = connect(config(fake))
    with pytest.raises(RequestRejectedError, match="empty"):
        run(connector.send(message("   ", top)))
    with pytest.raises(RequestRejectedError, match="8,000 characters"):
        run(connector.send(message("x" * 8001, top)))
    fake.permissions.discard("pages_manage_engagement")
    with pytest.raises(AuthError, match="lacks the permission pages_manage_engagement"):
        run(connector.send(message("Svar", top)))
    assert fake.sent() == []


# --- check and settings ------------------------------------------------------------------------


def test_check_names_the_page_and_the_usage(fake):
    verdict = run(connect(config(fake)).check())
    assert verdict.ok, verdict.message
    assert "Elvåra AB" in verdict.details[0]
    assert "12% of the rate limit used" in verdict.message
    assert {"feed: readable", "tagged: readable"} <= set(verdict.details)


def test_config_is_checked():
    model = registry.get("facebook").config_model
    with pytest.raises(ValueError, match="Page id is a number"):
        model.model_validate({"page": "elvara", "token": {"$env": "T"}})
    with pytest.raises(ValueError, match="v26.0"):
        model.model_validate({"page": "1", "token": {"$env": "T"}, "graph_version": "26"})
    with pytest.raises(ValueError, match="feed, the tagged"):
        model.model_validate({"page": "1", "token": {"$env": "T"}, "feed": False, "tagged": False})


def test_sources_add_facebook(fake, sources_cli):
    added = sources_cli(
        "add", "facebook", "fb", "--page", PAGE_ID, "--token-env", "FB_PAGE_TOKEN",
        "--service", fake.url, "--set", "watch_posts=3", "--set", "tagged=false",
        catch_exceptions=False,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "$FB_PAGE_TOKEN" in added.output and PAGE_TOKEN not in added.output
    assert "watch_posts=3" in added.output and "tagged=False" in added.output
    tested = sources_cli("test", "fb", catch_exceptions=False)
    assert tested.exit_code == 0 and "Facebook accepts the Page access token" in tested.output
    wrong = sources_cli("add", "facebook", "f2", "--page", "elvara", "--token-env", "FB_PAGE_TOKEN")
    assert wrong.exit_code == 2 and "--page" in wrong.output and "is a number" in wrong.output
