"""The README's first command: `lyssna demo` builds a workspace with the generated stream."""

import json

from typer.testing import CliRunner

from lyssna.cli.main import app


def test_demo_loads_a_workspace_and_is_rerunnable(tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    runner = CliRunner()
    first = runner.invoke(
        app, ["demo", "--count", "3000", "--days", "10", "--no-serve"], catch_exceptions=False
    )
    assert first.exit_code == 0, first.output
    assert "Stored 3,000 mentions" in first.output
    second = runner.invoke(app, ["demo", "--no-serve"], catch_exceptions=False)
    assert "already holds 3,000 mentions" in second.output

    topics = runner.invoke(app, ["-w", "demo", "topics", "list"]).output
    assert "Elvåra" in topics and "competitor" in topics
    stats = runner.invoke(app, ["-w", "demo", "stats", "--format", "jsonl"]).output
    rows = {json.loads(line)["topic"]: json.loads(line) for line in stats.splitlines()}
    assert rows["(all mentions)"]["total"] == 3000
    assert rows["Elvåra"]["negative"] > 0 and rows["Elvåra"]["positive"] > 0
