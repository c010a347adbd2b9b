"""The inbox in a real Chromium: open it, open an item, take it, resolve it, see it leave the
open list; and a mention carrying markup is shown as text, never run."""

from __future__ import annotations

import pytest

from tests.web.conftest import _ingest

# The browser, server and page fixtures (and the SQLite-only workspace) of the browser tests.
from tests.web.test_browser import _sign_in, browser, page, server, workspace  # noqa: F401

XSS = "Does Acme <img src=x onerror=alert(1)> work on Sundays?"

pytestmark = pytest.mark.browser


def test_take_an_item_resolve_it_and_markup_stays_text(page, site):  # noqa: F811
    _ingest(site.ctx, [("xss", "x", "en", 1, XSS, "neutral", 10, 0)])
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, site, "responder")

    page.click("nav.main-nav >> text=Inbox")
    page.wait_for_url("**/w/default/inbox")
    row = page.locator("tr", has_text="work on Sundays")
    assert "<img src=x onerror=alert(1)>" in row.locator("td.text").inner_text()
    assert page.locator("td.text img").count() == 0
    before = page.locator("tbody tr").count()

    row.locator("td.text a").click()
    page.wait_for_selector("#assign-form")
    text = page.locator("article.current .text").inner_text()
    assert text == XSS and page.locator("article img").count() == 0

    page.click("#assign-me")
    page.wait_for_selector("p.notice")
    assert site.email("responder") in page.locator("#item-assignee").inner_text()
    assert page.locator("#item-status").inner_text() == "Assigned"

    page.click("#resolve")
    page.wait_for_selector("p.notice")
    assert page.locator("#item-status").inner_text() == "Resolved"
    assert "set the status to" in page.locator("ol.history").inner_text()

    page.click("text=← Inbox")
    page.wait_for_url("**/w/default/inbox")
    assert page.locator("tbody tr").count() == before - 1
    assert page.locator("tr", has_text="work on Sundays").count() == 0
    assert dialogs == [] and page.errors == [] and page.csp_violations == []
