"""`lyssna strategy ...` as a user runs it: exit codes, messages, tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lyssna.cli import common
from lyssna.cli.strategy import strategy_app
from lyssna.strategy import EXAMPLE_FILE, strategy_path
from lyssna.workspace import WorkspaceContext

from .conftest import NOW, STRATEGY

# The lead registers strategy_app on the main app; until then a small app of our own, whose
# callback resets the global flags as the main app's does.
app = typer.Typer()


@app.callback()
def _main() -> None:
    common.set_global_flags()


app.add_typer(strategy_app, name="strategy")


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: no wrapping inside the cells we test
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), catch_exceptions=False, input=input)

    return invoke


def test_init_then_check(run, tmp_path: Path) -> None:
    missing = run("strategy", "check")
    assert missing.exit_code == 2 and "strategy init" in missing.output
    assert run("strategy", "init").exit_code == 0
    written = tmp_path / "home" / "workspaces" / "default" / "strategy.yaml"
    assert "Fill it in" in written.read_text(encoding="utf-8")
    again = run("strategy", "init")
    assert again.exit_code == 2 and "already exists" in again.output
    assert run("strategy", "init", "--example", "--force").exit_code == 0
    assert written.read_text(encoding="utf-8") == EXAMPLE_FILE.read_text(encoding="utf-8")
    checked = run("strategy", "check")
    assert checked.exit_code == 0 and "is valid" in checked.output


def test_check_reports_every_problem_with_file_line_column(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "company:\n  name: Acme\n  colour: red\npurpose: Help.\n"
        "campaigns:\n  - {name: W, start: 2026-12-01, end: 2026-11-01}\n",
        encoding="utf-8",
    )
    result = run("strategy", "check", str(bad))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{bad}:3:3: unknown key 'colour'" in result.output
    assert f"{bad}:6:39:" in result.output and "before it starts" in result.output
    assert "2 problem(s)" in result.output


def test_lint_exit_codes_and_flags(run, tmp_path: Path) -> None:
    flagged = run("strategy", "lint", "Köp nu! Marknadens bästa elavtal!!")
    assert flagged.exit_code == 1
    for word in ("sales", "bragging", "exclamation", "Köp nu", "Marknadens bästa"):
        assert word in flagged.output
    clean = run("strategy", "lint", "Så läser du elräkningen: överst står förbrukningen.")
    assert clean.exit_code == 0 and "Clean" in clean.output
    post = tmp_path / "post.txt"
    post.write_text("Kjøp nå – vi har markedets beste fiber.", encoding="utf-8")
    assert run("strategy", "lint", str(post), "--lang", "no").exit_code == 1
    assert run("strategy", "lint", "-", input="Osta nyt!").exit_code == 1
    unanswered = run("strategy", "lint", "Tack för frågan!", "--question", "När kommer fakturan?")
    assert unanswered.exit_code == 1 and "unanswered" in unanswered.output
    bad_lang = run("strategy", "lint", "hej", "--lang", "de")
    assert bad_lang.exit_code == 2 and "unknown language" in bad_lang.output


def test_lint_uses_the_strategy_voice(run) -> None:
    assert run("strategy", "init", "--example").exit_code == 0
    result = run("strategy", "lint", "Vi är en game changer för ditt elnät.")
    assert result.exit_code == 1 and "off_voice" in result.output
    linkedin = run("strategy", "lint", "We leverage the grid.", "--channel", "linkedin")
    assert linkedin.exit_code == 1 and "leverage" in linkedin.output
    assert run("strategy", "lint", "We leverage the grid.").exit_code == 0
    unknown = run("strategy", "lint", "Hej", "--channel", "myspace")
    assert unknown.exit_code == 2 and "no channel 'myspace'" in unknown.output


def test_profiles(run) -> None:
    run("strategy", "init", "--example")
    result = run("strategy", "profiles")
    assert result.exit_code == 0
    assert "linkedin" in result.output and "ready" in result.output
    assert "no profile" in result.output and "not present" in result.output


def test_report_and_where(run, filled: WorkspaceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = filled.settings
    monkeypatch.setenv("LYSSNA_HOME", str(settings.home))
    monkeypatch.setenv("LYSSNA_DATABASE_URL", settings.database_url)
    path = strategy_path(settings.home, settings.workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STRATEGY, encoding="utf-8")
    monkeypatch.setattr("lyssna.strategy.report.utcnow", lambda: NOW)
    monkeypatch.setattr("lyssna.strategy.channels.utcnow", lambda: NOW)

    report = run("strategy", "report", "--period", "7d")
    assert report.exit_code == 0, report.output
    for text in ("Net", "green", "amber", "red", "not measured yet (needs publishing)", "75%"):
        assert text in report.output
    where = run("strategy", "where", "--period", "7d")
    assert where.exit_code == 0, where.output
    for text in ("be present", "reconsider", "keep", "not present", "Language"):
        assert text in where.output
    bad = run("strategy", "report", "--period", "a week")
    assert bad.exit_code == 2 and "not a period" in bad.output


def test_where_without_a_strategy(
    run, filled: WorkspaceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LYSSNA_HOME", str(filled.settings.home))
    monkeypatch.setenv("LYSSNA_DATABASE_URL", filled.settings.database_url)
    monkeypatch.setattr("lyssna.strategy.channels.utcnow", lambda: NOW)
    result = run("strategy", "where", "--period", "7d")
    assert result.exit_code == 0, result.output
    assert "No strategy.yaml yet" in result.output and "not in strategy" in result.output


def test_report_on_an_invalid_strategy_says_so(run, tmp_path: Path) -> None:
    path = strategy_path(tmp_path / "home", "default")
    path.parent.mkdir(parents=True)
    path.write_text("company: {name: A}\npurpose: 3\n", encoding="utf-8")
    result = run("strategy", "report")
    assert result.exit_code == 2 and "strategy check" in result.output
    assert "Traceback" not in result.output
