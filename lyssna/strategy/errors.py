"""Errors the strategy commands raise on purpose; the CLI shows them as messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lyssna.core.errors import UserError

if TYPE_CHECKING:
    from lyssna.strategy.loader import Problem


class StrategyFileError(UserError):
    """The strategy file is missing or cannot be read."""


class InvalidStrategyError(UserError):
    """The strategy file has problems; `problems` lists each with its position."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else None
        super().__init__(
            f"{path} has {len(problems)} problem(s), first: {first}; see `lyssna strategy check`"
        )
