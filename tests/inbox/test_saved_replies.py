"""Saved replies: placeholders checked by `strategy check`, offered per situation and language,
filled in for the item and the person answering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lyssna.core.errors import UserError
from lyssna.core.records import Author, Metrics
from lyssna.inbox import saved_replies
from lyssna.storage.search import StoredMention
from lyssna.strategy import check_text, placeholders

STRATEGY = """\
company:
  name: Elvåra
purpose: Help.
answers:
  complaint:
    how: Apologise.
  praise:
    how: Thank them.
saved_replies:
  - situation: complaint
    lang: sv
    text: Hej {author_name}, vi beklagar. Hälsningar {agent} på {company}.
  - situation: complaint
    lang: fi
    text: Olemme pahoillamme, {author}.
  - situation: praise
    lang: "no"
    text: Tusen takk, {author_name}! {{Vi}} svarer på {channel}.
  - situation: complaint
    lang: sv
    text: Skicka kundnumret i ett privat meddelande.
crisis:
  triggers:
    negative_per_hour_above: 10
  decides: [Johan]
  holding_statements:
    sv: Vi vet om felet och uppdaterar här varje timme.
  update_every: 1h
"""


def mention(lang: str = "nb", name: str | None = "Kari Nordmann") -> StoredMention:
    return StoredMention(
        id=1, channel="youtube", external_id="v1", created_at=datetime(2026, 11, 20, tzinfo=UTC),
        text="Takk!", author=Author("@kari", name, 40), url=None, host=None, reply_to=None,
        lang=lang, lang_variant=None, lang_confidence=None, sentiment="positive",
        sentiment_score=0.8, explanation=(), metrics=Metrics(), near_duplicate=False,
    )  # fmt: skip


@pytest.fixture
def strategy():
    parsed, problems = check_text(STRATEGY)
    assert problems == [] and parsed is not None
    return parsed


def test_unknown_placeholders_are_strategy_problems():
    broken = STRATEGY.replace("{agent}", "{agnet}").replace("{{Vi}}", "{Vi")
    _, problems = check_text(broken)
    messages = [(p.line, p.message) for p in problems]
    assert (12, "unknown placeholder {agnet}: use {author}, {author_name}, {agent}, {company}, "
                "{channel}") in messages  # fmt: skip
    assert any("a lone '{'" in m for _, m in messages)
    assert placeholders.problems("{author!r}") == [
        "write the placeholder as {author}, without ':' or '!'"
    ]


def test_names_situations_and_holding_statements(strategy):
    names = [(r.name, r.situation, r.lang) for r in saved_replies.all_saved(strategy)]
    assert names == [
        ("complaint-sv", "complaint", "sv"),
        ("complaint-fi", "complaint", "fi"),
        ("praise-no", "praise", "no"),
        ("complaint-sv-2", "complaint", "sv"),
        ("holding-sv", "crisis", "sv"),
    ]


def test_the_items_situation_and_language_come_first(strategy):
    praise_no = saved_replies.for_item(strategy, "praise", "nb")
    assert praise_no[0].name == "praise-no"
    complaint_fi = saved_replies.for_item(strategy, "complaint", "fi")
    assert [r.name for r in complaint_fi[:3]] == ["complaint-fi", "complaint-sv", "complaint-sv-2"]
    assert saved_replies.situation_of(["addressed to us"], "positive") == "praise"
    assert saved_replies.situation_of(["question", "complaint"], "negative") == "complaint"


def test_filled_for_the_item_and_the_person(strategy):
    reply = saved_replies.find(strategy, "PRAISE-no")
    text = saved_replies.fill(
        reply, mention=mention(), agent="Ingrid", strategy=strategy, workspace_name="x"
    )
    assert text == "Tusen takk, Kari Nordmann! {Vi} svarer på YouTube."
    fi = saved_replies.fill(
        saved_replies.find(strategy, "complaint-fi"), mention=mention("fi", None), agent="Aino",
        strategy=strategy, workspace_name="x",
    )  # fmt: skip
    assert fi == "Olemme pahoillamme, @kari."
    with pytest.raises(UserError, match="no saved reply named 'thanks'.*praise-no"):
        saved_replies.find(strategy, "thanks")
