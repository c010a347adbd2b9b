"""`lyssna inbox reply`, approval and the queue from the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lyssna.cli.main import app
from lyssna.connectors.base import AuthError
from lyssna.strategy import strategy_path


@pytest.fixture
def run(chat, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(chat.ctx.settings.home))
    monkeypatch.setenv("LYSSNA_DATABASE_URL", chat.ctx.settings.database_url)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


def test_reply_from_the_command_line(run, chat, platform):
    done = run("inbox", "reply", str(chat.item_id), "--text", "Hej Olle!", "--as",
               "kari@example.no")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"Reply 1 to #{chat.item_id}: sent as post-1." in done.output
    shown = run("inbox", "show", str(chat.item_id))
    assert "reply 1 by Kari: sent post-1: Hej Olle!" in shown.output
    assert "reply_sent" in shown.output
    again = run("inbox", "reply", str(chat.item_id), "--as", "kari@example.no")
    assert again.exit_code == 2 and "--text TEXT or --saved NAME" in again.output


def test_a_saved_reply_filled_in(run, chat, platform):
    path = strategy_path(chat.ctx.settings.home, chat.ctx.workspace.slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "company:\n  name: Nordbank\npurpose: Help.\nanswers:\n  question:\n    how: Answer.\n"
        "saved_replies:\n  - situation: question\n    lang: sv\n"
        "    text: Hej {author}! {agent} på {company} svarar här på {channel}.\n",
        encoding="utf-8",
    )
    done = run("inbox", "reply", str(chat.item_id), "--saved", "question-sv", "--as",
               "kari@example.no")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert platform.posts[0].text == "Hej @olle! Kari på Nordbank svarar här på Mastodon."
    missing = run("inbox", "reply", str(chat.item_id), "--saved", "nope", "--as",
                  "kari@example.no")  # fmt: skip
    assert missing.exit_code == 2 and "no saved reply named 'nope'" in missing.output


def test_approval_and_refusals(run, chat, platform):
    assert "without approval" in run("inbox", "approval").output
    assert "role responder (or weaker)" in run("inbox", "approval", "responder").output
    waiting = run("inbox", "reply", str(chat.item_id), "--text", "Hej!", "--as",
                  "kari@example.no")  # fmt: skip
    assert "waiting for an approver" in waiting.output
    listed = run("inbox", "replies")
    assert "awaiting approval" in listed.output and "kari@example.no" in listed.output
    platform.send_script = [AuthError("the write token was revoked")]
    refused = run("inbox", "approve", "1", "--as", "lars@example.no")
    assert refused.exit_code == 1
    assert "NOT sent" in refused.output and "write token was revoked" in refused.output
    sent = run("inbox", "resend", "1", "--as", "kari@example.no")
    assert sent.exit_code == 0 and "sent as post-1" in sent.output
    assert "Nothing to send." in run("inbox", "send-queued").output
    bad = run("inbox", "approval", "owner")
    assert bad.exit_code == 2 and "not 'owner'" in bad.output


def test_teams_and_rules_from_the_command_line(run, chat):
    added = run("inbox", "teams", "add", "Kundservice", "--member", "kari@example.no")
    assert "Kundservice: kari@example.no" in added.output
    member = run("inbox", "teams", "member", "Kundservice", "lars@example.no")
    assert "Kundservice: kari@example.no, lars@example.no" in member.output
    rule = run("inbox", "rules", "add", "--lang", "sv", "--team", "Kundservice")
    assert "Rule 1: language sv -> team Kundservice" in rule.output
    assert "1. language sv -> team Kundservice" in run("inbox", "rules", "list").output
    given = run("inbox", "assign", str(chat.item_id), "--team", "Kundservice", "--version", "1")
    assert given.exit_code == 0 and "version 2" in given.output
    assert "Rule 1 removed." in run("inbox", "rules", "remove", "1").output
    assert "Team Kundservice removed." in run("inbox", "teams", "remove", "Kundservice").output
    bad = run("inbox", "rules", "add", "--lang", "sv")
    assert bad.exit_code == 2 and "a rule gives items to a team" in bad.output
