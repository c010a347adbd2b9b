"""End to end, in a real Chromium against the fake Mastodon server on 127.0.0.1: a customer's
question is collected by a source (`lyssna listen --once`), triaged into the inbox, taken,
answered from the item page, and the answer reaches Mastodon as a reply in the thread; the
response time then shows in the metrics."""

from __future__ import annotations

import asyncio
import html
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from lyssna.connectors.manage import add_source
from lyssna.connectors.runner import Runner
from tests.connectors.fakes.mastodon import WRITE_TOKEN, FakeMastodon
from tests.connectors.fakes.server import FakeServer

# The browser, server and page fixtures (and the SQLite-only workspace) of the browser tests.
from tests.web.test_browser import _sign_in, browser, page, server, workspace  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "Hur byter jag kort hos Acme? Appen hittar inte mitt gamla"
ANSWER = "Hej! Du byter kort i appen under Kort > Byt kort. Hör av dig om det krånglar."


@pytest.fixture
def mastodon(monkeypatch):
    fake_server = FakeServer().start()
    fake = FakeMastodon(fake_server)
    monkeypatch.setenv("LYSSNA_TEST_MASTODON_WRITE", WRITE_TOKEN)
    yield fake
    fake_server.stop()


@pytest.fixture
def asked(site, mastodon):
    """A question on Mastodon, collected by a source (`lyssna listen --once`)."""
    asked_at = datetime.now(UTC) - timedelta(minutes=20)
    status = mastodon.post(
        QUESTION, tags=("acme",), created_at=asked_at.isoformat().replace("+00:00", "Z")
    )
    add_source(
        site.ctx,
        "mastodon",
        "social",
        {
            "instance": mastodon.url,
            "hashtags": ["acme"],
            "write_token": {"$env": "LYSSNA_TEST_MASTODON_WRITE"},
        },
    )
    # In a thread: Playwright keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        (outcome,) = pool.submit(asyncio.run, Runner(site.ctx).run_once()).result()
    assert outcome.ok and outcome.new == 1, outcome.error
    return status


def test_a_question_from_mastodon_is_answered_in_its_thread(page, site, mastodon, asked):  # noqa: F811
    _sign_in(page, site, "responder")
    page.click("nav.main-nav >> text=Inbox")
    row = page.locator("tr", has_text="Hur byter jag kort")
    assert "question" in row.inner_text()
    row.locator("td.text a").click()
    page.wait_for_selector("#reply-form")

    page.click("#assign-me")
    page.wait_for_selector("p.notice")
    assert site.email("responder") in page.locator("#item-assignee").inner_text()

    page.fill("#reply-text", ANSWER)
    page.click("#send-reply")
    page.wait_for_selector("p.notice")
    assert page.locator("p.notice").inner_text() == "Reply sent."
    ours = page.locator("article.ours")
    assert ANSWER in ours.locator(".text").inner_text()
    (reply,) = mastodon.replies_to(asked["id"])
    assert ours.locator(".platform-id").inner_text() == reply["uri"]
    assert "sent a reply" in page.locator("ol.history").inner_text()

    # On Mastodon: a reply in the thread, naming the customer, posted once.
    assert reply["account"]["acct"] == "elvara"
    assert ANSWER in html.unescape(re.sub(r"<[^>]+>", "", reply["content"]))
    assert "@anna" in reply["content"]
    assert len(mastodon.server.requests_to("/api/v1/statuses")) >= 1
    posts = [r for r in mastodon.server.requests if r.method == "POST"]
    assert len(posts) == 1 and posts[0].headers.get("idempotency-key")

    # The response time: answered about 20 minutes after the question.
    page.goto("/w/default/inbox/metrics?period=24h")
    channel_row = page.locator("#metrics-channel tr", has_text="mastodon")
    cells = channel_row.locator("td").all_inner_texts()
    assert cells[1] == "1"  # answered
    minutes = int(re.match(r"(\d+) min", cells[2]).group(1))
    assert 19 <= minutes <= 25
    assert page.errors == [] and page.csp_violations == []  # type: ignore[attr-defined]


def test_a_colleague_sees_who_is_writing(browser, server, page, site, asked):  # noqa: F811
    _sign_in(page, site, "responder")
    page.click("nav.main-nav >> text=Inbox")
    page.locator("tr", has_text="Hur byter jag kort").locator("td.text a").click()
    page.wait_for_selector("#reply-form")
    item_url = page.url

    colleague = browser.new_context(base_url=server).new_page()
    _sign_in(colleague, site, "editor")
    colleague.goto(item_url)
    assert colleague.locator("#colleague-writing").is_hidden()

    page.fill("#reply-text", "Hej! Jag kollar")  # typing starts the beat
    notice = colleague.locator("#colleague-writing")
    notice.wait_for(state="visible", timeout=15_000)
    assert notice.inner_text() == f"{site.email('responder')} is writing a reply right now."
    # Sending over it is refused until the colleague says so.
    colleague.fill("#reply-text", "Hej Anna!")
    colleague.click("#send-reply")
    colleague.wait_for_selector("#send-reply >> text=Send anyway")
    assert "is writing a reply to this item right now" in colleague.locator("p.error").inner_text()
    assert colleague.locator("#reply-text").input_value() == "Hej Anna!"
    colleague.context.close()
