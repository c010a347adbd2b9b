"""What the workspace's strategy says about the inbox: the first-response target, and the
guideline and saved replies for an item's situation. A missing or invalid strategy says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lyssna.inbox.answerers import workspace_strategy


@dataclass(frozen=True, slots=True)
class ReplyGuidance:
    situation: str | None
    how: str | None = None
    saved_replies: list[tuple[str, str]] = field(default_factory=list)  # (lang, text)


def first_response_target(home: Path, slug: str) -> float | None:
    """The strategy's first-response target in hours; None without a (valid) strategy or goal."""
    from lyssna.strategy.validate import goal_target

    strategy = workspace_strategy(home, slug)
    if strategy is None:
        return None
    for goal in strategy.goals:
        if goal.metric == "first_response_time":
            return goal_target(goal)
    return None


def situation_of(reasons: list[str]) -> str | None:
    """The strategy's situation for an item's triage reasons (a complaint outranks a question)."""
    if "complaint" in reasons:
        return "complaint"
    if "question" in reasons:
        return "question"
    return None


def reply_guidance(home: Path, slug: str, reasons: list[str]) -> ReplyGuidance:
    situation = situation_of(reasons)
    strategy = workspace_strategy(home, slug)
    if strategy is None or situation is None:
        return ReplyGuidance(situation)
    guideline = strategy.answers.get(situation)  # type: ignore[call-overload]
    return ReplyGuidance(
        situation,
        guideline.how if guideline else None,
        [(r.lang, r.text) for r in strategy.saved_replies if r.situation == situation],
    )
