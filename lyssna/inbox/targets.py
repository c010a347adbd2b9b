"""What the workspace's strategy says about the inbox: the first-response target, and the
guideline and saved replies for an item's situation. A missing or invalid strategy says nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lyssna.inbox.answerers import workspace_strategy
from lyssna.inbox.saved_replies import SavedReply, for_item, situation_of


@dataclass(frozen=True, slots=True)
class ReplyGuidance:
    situation: str | None
    how: str | None = None
    saved_replies: list[SavedReply] = field(default_factory=list)  # best fit first


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


def reply_guidance(
    home: Path, slug: str, reasons: list[str], *, sentiment: str | None = None,
    lang: str | None = None,
) -> ReplyGuidance:  # fmt: skip
    situation = situation_of(reasons, sentiment)
    strategy = workspace_strategy(home, slug)
    if strategy is None:
        return ReplyGuidance(situation)
    guideline = strategy.answers.get(situation) if situation else None  # type: ignore[call-overload]
    return ReplyGuidance(
        situation, guideline.how if guideline else None, for_item(strategy, situation, lang)
    )
