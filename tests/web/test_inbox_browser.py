"""The inbox in a real Chromium: open it, open an item, take it, resolve it, see it leave the
open list; and a mention carrying markup is shown as text, never run."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.web.conftest import _ingest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
XSS = "Does Acme <img src=x onerror=alert(1)> work on Sundays?"

pytestmark = pytest.mark.browser

if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is required for the browser tests in CI", pytrace=False)
    pytest.skip(f"no Chromium at {CHROMIUM}: browser tests skipped", allow_module_level=True)


@pytest.fixture
def workspace(sqlite_workspace):
    """One backend is enough in the browser: the routes are tested on both in process."""
    return sqlite_workspace


@pytest.fixture
def server(site) -> Iterator[str]:
    import uvicorn

    from lyssna.web import create_app

    _ingest(site.ctx, [("xss", "x", "en", 1, XSS, "neutral", 10, 0)])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(site.ctx.settings)
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    app.state.web.engine.dispose()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(base_url=server)
        page = context.new_page()
        page.problems = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.problems.append(str(exc)))  # type: ignore[attr-defined]
        page.on("dialog", lambda d: (page.problems.append(f"dialog {d.message}"), d.dismiss()))  # type: ignore[attr-defined]
        page.on(
            "console",
            lambda msg: page.problems.append(msg.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in msg.text
            else None,
        )
        yield page
        context.close()
        browser.close()


def test_take_an_item_resolve_it_and_markup_stays_text(page, site):
    page.goto("/signin")
    page.fill("input[name=email]", site.email("responder"))
    page.fill("input[name=password]", site.passwords["responder"])
    page.click("button[type=submit].primary")
    page.wait_for_url("**/w/default/")

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
    assert page.problems == []  # type: ignore[attr-defined]
