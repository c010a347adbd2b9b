"""Who may answer on a channel, as the strategy says: roles or named people per channel plan.

A strategy that says nothing about a channel (or is missing) leaves everyone free to answer
there; a channel the company decided not to be on has nobody answering.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lyssna.core.errors import UserError
from lyssna.strategy.schema import Strategy


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str


def _people(strategy: Strategy, names: list[str]) -> set[str]:
    """Names in an answer list, with roles expanded to their members; lower-cased."""
    found: set[str] = set()
    for name in names:
        members = strategy.team.roles.get(name)
        found.update(m.lower() for m in (members if members is not None else [name]))
    return found


def may_answer(strategy: Strategy | None, channel: str, *, name: str, email: str) -> Verdict:
    """Whether the person (by display name or email) may answer on `channel`."""
    if strategy is None:
        return Verdict(True, "no strategy")
    plan = strategy.channels.get(channel)
    if plan is None:
        return Verdict(True, f"the strategy has no plan for {channel}")
    if not plan.present:
        return Verdict(False, f"the strategy says the company is not on {channel}")
    if not plan.answer:
        return Verdict(True, f"the strategy names nobody in particular for {channel}")
    people = _people(strategy, list(plan.answer))
    if name.strip().lower() in people or email.strip().lower() in people:
        return Verdict(True, f"named in the strategy for {channel}")
    return Verdict(
        False,
        f"the strategy says {', '.join(plan.answer)} answer on {channel}, "
        f"and {name or email} is not among them",
    )


def workspace_strategy(home: Path, slug: str) -> Strategy | None:
    """The workspace's strategy, or None when it has none or it does not pass its checks.

    Checked once per version of the file: the inbox asks on every page, and checking a
    strategy (YAML, types, cross-checks, text lint) takes longer than the page itself.
    """
    from lyssna.strategy import strategy_path

    path = strategy_path(home, slug)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _checked(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _checked(path: Path, _mtime_ns: int, _size: int) -> Strategy | None:
    from lyssna.strategy.validate import load_strategy

    try:
        return load_strategy(path)
    except (UserError, OSError):
        return None
