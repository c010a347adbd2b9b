"""The shared HTTP plumbing: retries, waits, rate-limit budgets, errors, pagination, cursors."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest

from lyssna.connectors.base import (
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    RetriableError,
)
from lyssna.connectors.http import (
    HttpClient,
    RetryPolicy,
    Walk,
    newest_id,
    parse_link_header,
    parse_reset,
    parse_retry_after,
    query_param,
)
from lyssna.connectors.text import html_to_text
from tests.connectors.fakes.server import FakeServer, Response, json_response


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(sleeps: Sleeps, **retry: float) -> HttpClient:
    policy = RetryPolicy(**{"attempts": 4, "base_delay": 1.0, "max_delay": 8.0, **retry})
    return HttpClient(timeout=1.0, retry=policy, sleep=sleeps)


def get(http: HttpClient, url: str):
    async def go():
        async with http:
            return await http.get_json(url)

    return asyncio.run(go())


def test_retry_after_is_honoured_exactly(server: FakeServer):
    server.route("GET", "/x")(lambda r: json_response({"ok": True}))
    server.script(json_response({"error": "slow down"}, 429, **{"Retry-After": "7"}))
    sleeps = Sleeps()
    body, _ = get(client(sleeps), f"{server.url}/x")
    assert body == {"ok": True}
    assert sleeps.calls == [7.0]


def test_server_errors_back_off_exponentially_with_jitter(server: FakeServer):
    server.route("GET", "/x")(lambda r: json_response({"ok": True}))
    server.script(*[Response(502, b"bad gateway")] * 3)
    sleeps = Sleeps()
    get(client(sleeps), f"{server.url}/x")
    assert len(sleeps.calls) == 3
    for attempt, wait in enumerate(sleeps.calls):
        cap = min(8.0, 2**attempt)
        assert cap / 2 <= wait <= cap


def test_gives_up_after_the_last_attempt(server: FakeServer):
    server.script(*[Response(500, b"")] * 4)
    with pytest.raises(RetriableError, match="500"):
        get(client(Sleeps()), f"{server.url}/x")
    assert len(server.requests) == 4


def test_a_long_wait_becomes_a_reschedule_not_a_sleep(server: FakeServer):
    server.script(json_response({"error": "later"}, 429, **{"Retry-After": "3600"}))
    sleeps = Sleeps()
    with pytest.raises(RateLimitedError) as raised:
        get(client(sleeps, max_wait=60), f"{server.url}/x")
    assert sleeps.calls == []
    assert raised.value.retry_at > datetime.now(UTC) + timedelta(minutes=59)


def test_a_used_up_budget_waits_for_the_reset(server: FakeServer):
    reset = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    server.route("GET", "/x")(
        lambda r: json_response(
            {"ok": True},
            **{
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset,
            },
        )
    )
    sleeps = Sleeps()
    http = client(sleeps)

    async def twice():
        async with http:
            await http.get_json(f"{server.url}/x")
            await http.get_json(f"{server.url}/x")

    asyncio.run(twice())
    assert len(sleeps.calls) == 1 and 25 < sleeps.calls[0] <= 30
    assert http.rate_limit.limit == 300


def test_connection_refused_is_retriable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RetriableError, match="cannot reach"):
        get(client(Sleeps(), attempts=2), f"http://127.0.0.1:{port}/x")


def test_bodies_beyond_the_limit_are_refused(server: FakeServer):
    server.route("GET", "/x")(lambda r: Response(200, b"[" + b"1," * 600_000 + b"1]"))
    http = HttpClient(max_body_bytes=1_000_000)
    with pytest.raises(MalformedResponseError, match="more than 1 MB"):
        get(http, f"{server.url}/x")


def test_error_messages_hide_query_strings(server: FakeServer):
    server.script(json_response({"error": "nope"}, 404))
    with pytest.raises(Exception) as raised:
        get(client(Sleeps()), f"{server.url}/x?access_token=SECRET")
    assert "SECRET" not in str(raised.value)
    assert "nope" in str(raised.value)


def test_link_header_and_query_params():
    links = parse_link_header(
        '<https://m.example/api/v1/timelines/tag/a?max_id=105>; rel="next", '
        '<https://m.example/api/v1/timelines/tag/a?min_id=110>; rel="prev"'
    )
    assert query_param(links["next"], "max_id") == "105"
    assert query_param(links["prev"], "min_id") == "110"
    assert parse_link_header(None) == {}


def test_reset_and_retry_after_formats():
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_reset("2026-11-23T12:00:00.000Z") == datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert parse_reset("1795000000") == datetime.fromtimestamp(1795000000, UTC)
    in_a_minute = parse_reset("60")
    assert in_a_minute is not None and in_a_minute > datetime.now(UTC)


def test_walk_reads_down_to_where_it_stopped():
    first, more = Walk().after_page("100", next_below="60")
    assert first == Walk(since="100") and not more  # the first run reads one page
    walking, more = first.after_page("180", next_below="140")
    assert more and walking == Walk(since="100", below="140", top="180")
    done, more = walking.after_page("139", next_below=None)
    assert not more and done == Walk(since="180")
    idle, more = done.after_page(None, None)
    assert idle == Walk(since="180") and not more
    assert Walk.from_cursor({"walk": done.as_json()}) == done


def test_numeric_ids_compare_as_numbers():
    assert newest_id(["99", "100", "7"]) == "100"


def test_html_to_text():
    html = '<p>Hej <a href="x">@anna</a>!</p><p>Rad ett<br>rad två &amp; tre</p><script>x</script>'
    assert html_to_text(html) == "Hej @anna!\n\nRad ett\nrad två & tre"
    assert html_to_text(None) == ""


# --- Requests that create something: never sent twice when they may have got through --------


def post(http: HttpClient, url: str, **kw):
    async def go():
        async with http:
            return await http.request("POST", url, form={"status": "hej"}, **kw)

    return asyncio.run(go())


@pytest.mark.parametrize(
    "answer",
    [
        Response(503, b"busy"),
        Response(502, b"bad gateway"),
        Response(200, b"", delay=1.5),  # stored, but the answer comes too late
        Response(hang_up=True),  # stored, then the connection drops
    ],
    ids=["503", "502", "timeout", "hang-up"],
)
def test_a_post_that_may_have_got_through_is_not_sent_again(server: FakeServer, answer):
    server.script(answer, path="/x")
    server.route("POST", "/x")(lambda r: json_response({"id": "1"}))
    with pytest.raises(OutcomeUnknownError, match="may have reached"):
        post(client(Sleeps()), f"{server.url}/x")
    assert len(server.requests_to("/x")) == 1


def test_a_post_that_never_left_is_retried():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RetriableError, match="cannot reach") as raised:
        post(client(Sleeps(), attempts=2), f"http://127.0.0.1:{port}/x")
    assert not isinstance(raised.value, OutcomeUnknownError)  # certainly not sent


def test_a_post_refused_unread_is_retried(server: FakeServer):
    server.script(json_response({"error": "Too many requests"}, 429, **{"Retry-After": "2"}))
    server.route("POST", "/x")(lambda r: json_response({"id": "1"}))
    sleeps = Sleeps()
    response = post(client(sleeps), f"{server.url}/x")
    assert response.status_code == 200 and sleeps.calls == [2.0]
    assert len(server.requests_to("/x")) == 2


def test_a_deduplicated_post_is_retried_but_an_unknown_end_is_reported(server: FakeServer):
    server.script(Response(503, b"busy"), path="/x")
    server.route("POST", "/x")(lambda r: json_response({"id": "1"}))
    assert post(client(Sleeps()), f"{server.url}/x", idempotent=True).status_code == 200
    server.script(*[Response(hang_up=True)] * 4, path="/x")
    with pytest.raises(OutcomeUnknownError):
        post(client(Sleeps()), f"{server.url}/x", idempotent=True)
    assert len(server.requests_to("/x")) == 2 + 4


def test_a_post_whose_answer_cannot_be_read_may_have_got_through(server: FakeServer):
    server.route("POST", "/x")(lambda r: Response(200, b"[" + b"1," * 600_000 + b"1]"))
    with pytest.raises(OutcomeUnknownError):
        post(HttpClient(max_body_bytes=1_000_000), f"{server.url}/x")


def test_a_get_is_still_retried_after_a_timeout(server: FakeServer):
    server.script(Response(200, b"{}", delay=1.5), path="/x")
    server.route("GET", "/x")(lambda r: json_response({"ok": True}))
    body, _ = get(client(Sleeps()), f"{server.url}/x")
    assert body == {"ok": True}
