"""`strategy check`: every problem is found, at its exact line and column, in plain language."""

from __future__ import annotations

from pathlib import Path

import pytest

from lyssna.strategy import EXAMPLE_FILE, TEMPLATE_FILE, check_file, check_text, load_strategy
from lyssna.strategy.errors import InvalidStrategyError, StrategyFileError

# A small valid strategy; each test breaks one line of it. Line numbers are noted on the right.
BASE = """\
company:
  name: Acme AB
  competitor_topics: [Rival]
purpose: Help customers.
team:
  roles:
    community: [Sara Lind]
channels:
  facebook:
    present: true
    purpose: Questions.
    answer: [community]
  x:
    present: false
    reason: Our customers are not there.
answers:
  question:
    how: Answer it.
goals:
  - name: Share
    metric: share_of_voice
    target: 40
"""
#  1 company          8 channels          15 reason           22 target
#  4 purpose         12 answer            19 goals


def problems(text: str) -> list[tuple[int, int, str]]:
    _, found = check_text(text, "s.yaml")
    return [(p.line, p.column, p.message) for p in found]


def only(text: str) -> tuple[int, int, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_base_and_shipped_examples_are_valid() -> None:
    assert problems(BASE) == []
    for path in (EXAMPLE_FILE, TEMPLATE_FILE):
        strategy, found = check_file(path)
        assert found == [], [str(p) for p in found]
        assert strategy is not None
    elvara = load_strategy(EXAMPLE_FILE)
    assert elvara.company.name == "Elvåra"
    assert set(elvara.company.competitor_topics) == {"Kraftlyn", "Vatteo"}
    assert "x" not in elvara.present_channels() and "linkedin" in elvara.present_channels()


def test_unknown_key_points_at_the_key_and_suggests() -> None:
    line, column, message = only(BASE.replace("  name: Acme AB", "  name: Acme AB\n  webiste: a"))
    assert (line, column) == (3, 3)
    assert "unknown key 'webiste'" in message and "'website'" in message


def test_wrong_type() -> None:
    line, column, message = only(BASE.replace("present: true", "present: sometimes"))
    assert (line, column) == (10, 14)
    assert "channels.facebook.present" in message and "boolean" in message


@pytest.mark.parametrize(
    ("replacement", "column", "words"),
    [
        ("    target: 140", 13, "percentage from 0 to 100"),
        ("    target: -3", 13, "percentage from 0 to 100"),
    ],
)
def test_impossible_percentage(replacement: str, column: int, words: str) -> None:
    line, col, message = only(BASE.replace("    target: 40", replacement))
    assert (line, col) == (22, column) and words in message


def test_negative_count_and_zero_response_time() -> None:
    text = BASE + (
        "  - name: Volume\n"  # 23
        "    metric: mention_volume\n"
        "    target: -5\n"  # 25
        "  - name: Fast\n"
        "    metric: first_response_time\n"
        "    target: 0h\n"  # 28
        "  - name: Faster\n"
        "    metric: first_response_time\n"
        "    target: 0\n"  # 31
    )
    found = problems(text)
    assert [(line, col) for line, col, _ in found] == [(25, 13), (28, 13), (31, 13)]
    assert "cannot be negative" in found[0][2]
    assert "longer than zero" in found[1][2] and "longer than zero" in found[2][2]


def test_unknown_channel_name_as_key_and_as_reference() -> None:
    text = BASE.replace("  x:\n", "  myspace:\n    present: true\n    purpose: Old.\n  x:\n")
    line, column, message = only(text)
    assert (line, column) == (13, 3) and "unknown channel 'myspace'" in message
    text = BASE + (
        "campaigns:\n"  # 23
        "  - name: Winter\n"
        "    start: 2026-11-01\n"
        "    end: 2026-12-01\n"
        "    channels: [facebok]\n"  # 27
    )
    line, column, message = only(text)
    assert (line, column) == (27, 16)
    assert "unknown channel 'facebok'" in message and "'facebook'" in message


def test_role_answering_on_a_channel_the_company_left() -> None:
    text = BASE.replace(
        "    reason: Our customers are not there.",
        "    reason: Our customers are not there.\n    answer: [community]",
    )
    line, column, message = only(text)
    assert (line, column) == (16, 14)
    assert "'community' answers on x" in message and "decided not to be on x" in message


def test_unknown_role() -> None:
    line, column, message = only(BASE.replace("answer: [community]", "answer: [comunity]"))
    assert (line, column) == (12, 14) and "did you mean 'community'" in message


def test_campaign_ending_before_it_starts() -> None:
    text = BASE + (
        "campaigns:\n  - name: Winter\n    start: 2026-12-01\n    end: 2026-11-01\n"  # 26
    )
    line, column, message = only(text)
    assert (line, column) == (26, 10)
    assert "ends (2026-11-01) before it starts (2026-12-01)" in message


def test_saved_reply_for_a_situation_without_guideline() -> None:
    text = BASE + (
        "saved_replies:\n"
        "  - situation: complaint\n"  # 24
        "    lang: sv\n"
        "    text: Vi beklagar.\n"
    )
    line, column, message = only(text)
    assert (line, column) == (24, 16)
    assert "no guideline for 'complaint'" in message


def test_unknown_situation_and_missing_field() -> None:
    text = BASE.replace("  question:\n    how: Answer it.", "  praize:\n    how: Thank them.")
    line, column, message = only(text)
    assert (line, column) == (17, 3) and "unknown situation 'praize'" in message
    line, column, message = only(BASE.replace("    metric: share_of_voice\n", ""))
    assert (line, column) == (20, 5) and "'metric' is required" in message


def test_absent_channel_needs_a_reason() -> None:
    line, column, message = only(BASE.replace("    reason: Our customers are not there.\n", ""))
    assert (line, column) == (14, 14) and "give its reason" in message


def test_yaml_syntax_error_has_a_position() -> None:
    line, column, message = only(
        BASE.replace("  competitor_topics: [Rival]", "  competitor: [Rival")
    )
    assert message.startswith("YAML:")
    assert line == 4 and column >= 1


def test_duplicate_key() -> None:
    line, column, message = only(BASE + "purpose: Again.\n")
    assert (line, column) == (23, 1) and "given twice" in message


def test_every_problem_is_reported_at_once() -> None:
    text = (
        BASE.replace("  name: Acme AB", "  name: Acme AB\n  colour: red")  # +1 line from here
        .replace("present: true", "present: 3")
        .replace("    target: 40", "    target: 400")
        + "campaigns:\n  - name: W\n    start: 2026-12-01\n    end: 2026-11-01\n"
    )
    found = problems(text)
    assert [(line, col) for line, col, _ in found] == [(3, 3), (11, 14), (23, 13), (27, 10)]


def test_no_stays_norwegian() -> None:
    # YAML 1.1 would read `no` as false; a strategy for the Nordics must not.
    text = BASE.replace("  name: Acme AB", "  name: Acme AB\n  languages: [sv, no, da]")
    strategy, found = check_text(text)
    assert found == [] and strategy is not None
    assert strategy.company.languages == ["sv", "no", "da"]
    assert only(BASE.replace("present: true", "present: yes"))[:2] == (10, 14)


def test_not_a_mapping_and_empty_file() -> None:
    assert only("- just\n- a list\n")[:2] == (1, 1)
    assert "empty" in only("")[2]


def test_load_strategy_errors(tmp_path: Path) -> None:
    with pytest.raises(StrategyFileError, match="strategy init"):
        load_strategy(tmp_path / "strategy.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("    target: 40", "    target: 400"), encoding="utf-8")
    with pytest.raises(InvalidStrategyError) as caught:
        load_strategy(bad)
    assert caught.value.problems[0].line == 22
    assert f"{bad}:22:13" in str(caught.value)


def test_docs_show_the_shipped_example() -> None:
    docs = Path(__file__).parents[2] / "docs" / "strategy.md"
    block = docs.read_text(encoding="utf-8").split("```yaml\n")[-1].split("```")[0]
    assert block == EXAMPLE_FILE.read_text(encoding="utf-8")


def test_campaign_goal_must_exist() -> None:
    text = BASE + (
        "campaigns:\n"
        "  - name: Winter\n"
        "    start: 2026-11-01\n"
        "    end: 2026-12-01\n"
        "    goal: Shares\n"  # 27
    )
    line, column, message = only(text)
    assert (line, column) == (27, 11) and "did you mean 'Share'" in message


def test_dates_quoted_or_impossible() -> None:
    campaign = "campaigns:\n  - name: Winter\n    start: {start}\n    end: 2026-12-01\n"
    assert problems(BASE + campaign.format(start='"2026-11-01"')) == []
    assert only(BASE + campaign.format(start="2026-02-30")) == (
        25,
        12,
        "cannot read this value: day is out of range for month",
    )


def test_saved_replies_and_holding_statements_pass_the_text_check() -> None:
    text = BASE + (
        "voice:\n"
        "  avoid: [synergi*]\n"
        "saved_replies:\n"
        "  - situation: question\n"
        "    lang: sv\n"
        "    text: Köp nu, vi har synergier!\n"  # 28
    )
    found = problems(text)
    assert [(line, col) for line, col, _ in found] == [(28, 11), (28, 11)]
    assert "sales talk" in found[0][2] and "voice avoids" in found[1][2]
