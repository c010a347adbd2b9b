"""The app in a real Chromium: sign in, read the dashboard, search, correct, switch language,
and prove that a script hidden in a mention never runs."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator

import pytest

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

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(site.ctx.settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.csp_violations = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    page.on(
        "console",
        lambda msg: page.csp_violations.append(msg.text)  # type: ignore[attr-defined]
        if "Content Security Policy" in msg.text
        else None,
    )
    yield page
    context.close()


def _sign_in(page, site, role: str) -> None:
    page.goto("/signin")
    page.fill("input[name=email]", site.email(role))
    page.fill("input[name=password]", site.passwords[role])
    page.click("button[type=submit].primary")
    page.wait_for_url("**/w/default/")


def test_dashboard_draws_its_charts(page, site):
    _sign_in(page, site, "viewer")
    page.wait_for_selector("[data-chart=volume][data-drawn=true]", timeout=20_000)
    assert page.locator("[data-chart=volume] svg.main-svg").count() >= 1
    assert page.locator("#kpi-total").inner_text().strip() == "38"
    # The table view opens with the same numbers.
    page.click("#card-channels summary")
    assert page.locator("#card-channels table tbody tr").count() >= 4
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.csp_violations == []  # type: ignore[attr-defined]
    assert page.evaluate("window.__xss") is None


def test_search_highlights_and_script_in_mention_does_not_run(page, site):
    _sign_in(page, site, "viewer")
    page.click("nav.main-nav >> text=Mentions")
    page.fill("input[name=q]", "company")
    page.click("button.primary")
    page.wait_for_selector("article.mention")
    text = page.locator("article.mention .text").first.inner_text()
    assert "<script>window.__xss = 1</script>" in text  # shown as text, not run
    assert page.locator("article.mention mark").first.inner_text() == "company"
    assert page.evaluate("window.__xss") is None
    assert page.locator("article.mention img").count() == 0
    assert page.errors == []  # type: ignore[attr-defined]


def test_malformed_query_marks_the_column(page, site):
    _sign_in(page, site, "viewer")
    page.goto("/w/default/mentions")
    page.fill("input[name=q]", "acme AND (rival")
    page.click("button.primary")
    error = page.locator("#query-error")
    assert "column" in error.inner_text()
    assert page.locator("input[name=q]").get_attribute("aria-invalid") == "true"


def test_responder_corrects_a_sentiment(page, site):
    _sign_in(page, site, "responder")
    mention_id = site.mention_id("2")
    page.goto(f"/w/default/mentions/{mention_id}")
    card = page.locator(f"#mention-{mention_id}")
    assert card.locator(".sentiment").inner_text() == "Negative"
    card.locator("select[name=sentiment]").select_option("positive")
    card.locator("form.correct button").click()
    page.wait_for_selector(".notice")
    assert page.locator(f"#mention-{mention_id} .sentiment").inner_text() == "Positive"


def test_switch_language(page, site):
    _sign_in(page, site, "viewer")
    page.goto("/account")
    page.select_option("#language-form select", "sv")
    page.click("#language-form button")
    page.goto("/w/default/")
    assert page.locator("h1").inner_text() == "Översikt"
    assert page.locator("html").get_attribute("lang") == "sv"
    page.goto("/account")
    page.select_option("#language-form select", "fi")
    page.click("#language-form button")
    page.goto("/w/default/mentions")
    assert page.locator("h1").inner_text() == "Maininnat"


def test_invited_person_sets_a_password_through_the_link(browser, page, server, site):
    _sign_in(page, site, "admin")
    page.goto("/w/default/members")
    page.fill("section.card input[name=email]", "invited@example.com")
    page.select_option("section.card select[name=role]", "responder")
    page.click("section.card button.primary")
    link = page.locator("#setup-link").inner_text().strip()
    assert link.startswith(server + "/invite/")
    page.click("button[data-copy]")  # copies, or selects the link where there is no clipboard
    assert page.errors == []  # type: ignore[attr-defined]

    other = browser.new_context(base_url=server)  # the invited person's own browser
    invited = other.new_page()
    invited.goto(link)
    invited.fill("input[name=password]", "my own long password")
    invited.fill("input[name=repeat]", "my own long password")
    invited.click("button.primary")
    invited.wait_for_url("**/w/default/")
    assert invited.locator("h1").inner_text() == "Dashboard"
    invited.goto(link)  # a second visit: the link is spent
    assert "no longer valid" in invited.locator("#invite-error").inner_text()
    other.close()


def test_admin_adds_a_source_and_its_last_error_cannot_run_script(page, site):
    from lyssna.connectors import manage
    from lyssna.storage import connector_state as state_store
    from lyssna.storage.database import write_transaction

    manage.add_source(site.ctx, "hackernews", "hn", {"queries": ["acme"]})
    with write_transaction(site.ctx.engine) as conn:  # an error text quoting a hostile page
        record = state_store.get(conn, site.ctx.workspace.id, "hn")
        state_store.record_failure(
            conn,
            record.id,
            at=record.created_at,
            health="unhealthy",
            error='<img src=x onerror="window.__xss = 3">',
            next_run_at=record.created_at,
        )
    _sign_in(page, site, "admin")
    page.click("nav.main-nav >> text=Sources")
    assert "failing" in page.locator("tr[data-source=hn]").inner_text()
    page.select_option("select[name=kind]", "mastodon")
    page.click("text=Choose")
    page.wait_for_selector("input[name=f_instance]")
    page.fill("input[name=name]", "fedi")
    page.fill("input[name=f_instance]", "https://mastodon.example")
    page.fill("textarea[name=f_hashtags]", "elvåra")
    page.fill("input[name=env_token]", "MASTODON_TOKEN")
    page.click("button[value=save]")
    page.wait_for_selector("tr[data-source=fedi]")
    assert "$MASTODON_TOKEN" in page.locator("tr[data-source=fedi]").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.csp_violations == []  # type: ignore[attr-defined]
