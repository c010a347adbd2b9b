"""The strategy editor in a real Chromium: an error shows its line and column, the fix saves,
and the report appears."""

from __future__ import annotations

import pytest

from lyssna.strategy import strategy_path

# The browser, server and page fixtures (and the SQLite-only workspace) of the browser tests.
from tests.web.test_browser import _sign_in, browser, page, server, workspace  # noqa: F401
from tests.web.test_strategy_pages import VALID

pytestmark = pytest.mark.browser


def test_edit_check_fix_save_and_read_the_report(page, site):  # noqa: F811
    path = strategy_path(site.ctx.settings.home, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(VALID, encoding="utf-8")
    _sign_in(page, site, "admin")
    page.click("nav.main-nav >> text=Strategy")
    page.wait_for_selector("#goals")
    page.click("nav.strategy-nav >> text=Edit")

    editor = page.locator("#strategy-text")
    broken = VALID.replace("target: 25", "target: 140")
    editor.fill(broken)
    page.click("#strategy-check")
    problem = page.locator("#strategy-problems .problems li").first
    assert "line 15, column 13" in problem.inner_text()
    assert "impossible target 140" in problem.inner_text()
    # Our script puts the cursor on the problem.
    problem.locator("a.problem-at").click()
    assert page.evaluate("document.activeElement.id") == "strategy-text"
    assert "Line 15, column 13" in page.locator("#cursor-position").inner_text()

    # Saving the broken text is refused and the text is kept.
    page.click("#strategy-save")
    assert "line 15, column 13" in page.locator("#strategy-problems").inner_text()
    assert "target: 140" in editor.input_value()
    assert path.read_text(encoding="utf-8") == VALID

    editor.fill(broken.replace("target: 140", "target: 15"))
    page.click("#strategy-check")
    page.wait_for_selector("#strategy-valid")
    page.click("#strategy-save")
    page.wait_for_url("**/w/default/strategy?done=saved")
    assert "The strategy was saved." in page.locator("main").inner_text()
    assert page.locator("#goals tbody tr").count() == 3
    assert page.locator("#where tbody tr").count() >= 3
    assert "target: 15" in path.read_text(encoding="utf-8")
    assert path.with_name("strategy.yaml.bak").read_text(encoding="utf-8") == VALID
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.csp_violations == []  # type: ignore[attr-defined]
