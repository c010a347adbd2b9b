"""Checking a strategy: every problem, each at its line and column, in plain language.

Two passes. Pydantic checks types and single-field limits; each of its errors is mapped back to
the YAML node it concerns. Values it refused are then pruned and the rest validated again, so the
second pass, the cross-checks between sections (contradictions, unknown names, impossible
targets), still runs on everything that was readable. Nothing is silently ignored.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from lyssna.strategy import placeholders
from lyssna.strategy.errors import InvalidStrategyError
from lyssna.strategy.loader import Document, PathKey, Problem, parse_yaml, read_yaml
from lyssna.strategy.schema import KNOWN_CHANNELS, SITUATIONS, Goal, Strategy, parse_duration

_MAX_PRUNE_ROUNDS = 25


def where(path: Iterable[str | int]) -> str:
    """('goals', 2, 'target') -> 'goals[2].target', the way the docs name places."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the document"


def _suggest(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_of(loc: PathKey) -> list[str]:
    """The keys allowed where `loc` points, for 'did you mean' hints."""
    model: Any = Strategy
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            # dict values (channels.<name>, answers.<situation>) keep the same model
            continue
        annotation = fields[part].annotation
        model = _model_in(annotation)
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else []


def _model_in(annotation: Any) -> Any:
    """The pydantic model inside list[X], dict[K, X], X | None, or None."""
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in reversed(getattr(annotation, "__args__", ()) or ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(error: ErrorDetails, path: PathKey, data: Any) -> str:
    kind = error["type"]
    name = where(path)
    if kind == "missing":
        return f"{path[-1]!r} is required in {where(path[:-1])}"
    if kind == "extra_forbidden":
        allowed = _fields_of(path[:-1])
        hint = _suggest(str(path[-1]), allowed)
        return f"unknown key {path[-1]!r} in {where(path[:-1])}{hint}"
    text = str(error["msg"])
    for prefix in ("Value error, ", "Input should be ", "Assertion failed, "):
        if text.startswith(prefix):
            text = ("should be " if prefix == "Input should be " else "") + text[len(prefix) :]
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return f"{name}: {text}{shown}"


def _remove(data: Any, path: PathKey) -> bool:
    """Delete the value at `path` from nested data; False if there is nothing to delete."""
    if not path:
        return False
    parent = data
    for part in path[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = path[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = _PRUNED  # keep indices stable for the positions map
        return True
    return False


_PRUNED = object()
# Stand-ins for required top-level sections, so one missing section does not hide the rest.
_ROOT_PLACEHOLDERS: dict[str, Any] = {"company": {"name": "?"}, "purpose": "?"}


def _without_pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_pruned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_pruned(v) for v in value if v is not _PRUNED]
    return value


def _type_pass(doc: Document) -> tuple[Strategy | None, list[Problem], dict[PathKey, int]]:
    """Validate, prune what pydantic refused, repeat; the model of what is left, if any.

    Also returns, for lists that lost items, how list indices map back (pruned items vanish).
    """
    problems: list[Problem] = []
    if not isinstance(doc.data, dict):
        problems.append(
            doc.problem((), "the strategy must be a mapping of sections (company: ...)")
        )
        return None, problems, {}
    data = copy.deepcopy(doc.data)
    pruned: list[PathKey] = []
    for _ in range(_MAX_PRUNE_ROUNDS):
        try:
            return Strategy.model_validate(_without_pruned(data)), problems, _index_maps(data)
        except ValidationError as exc:
            errors = exc.errors()
        index_map = _index_maps(data)
        progressed = False
        for error in errors:
            loc = _original_path(tuple(error["loc"]), index_map)
            if loc and loc[-1] == "[key]":
                path = loc[:-1]
                problems.append(
                    doc.problem(path, f"{where(path)}: {_key_message(path)}", at_key=True)
                )
                progressed |= _remove(data, path)
                pruned.append(path)
                continue
            kind = error["type"]
            follow_up = any(loc[: len(p)] == p for p in pruned)
            if kind == "missing" and len(loc) == 1 and loc[0] in _ROOT_PLACEHOLDERS:
                if not follow_up:
                    problems.append(doc.problem((), _message(error, loc, data)))
                # keep checking the rest of the document with a stand-in
                data[str(loc[0])] = copy.deepcopy(_ROOT_PLACEHOLDERS[str(loc[0])])
                pruned.append(loc)
                progressed = True
                continue
            at_key = kind == "extra_forbidden"
            if kind == "missing":
                if not follow_up:  # else: a follow-up of a value already reported
                    problems.append(doc.problem(loc[:-1], _message(error, loc, data)))
                target = loc[:-1]
            elif follow_up:
                continue
            else:
                problems.append(doc.problem(loc, _message(error, loc, data), at_key=at_key))
                target = loc
            if target:  # a missing field makes its whole list item or mapping entry unusable
                pruned.append(target)
                progressed |= _remove(data, target)
        if not progressed:
            return None, problems, {}
    return None, problems, {}


def _key_message(path: PathKey) -> str:
    if path and path[0] == "answers":
        return f"unknown situation {path[-1]!r}: use {', '.join(SITUATIONS)}"
    return f"{path[-1]!r} is not allowed as a name here"


def _index_maps(data: Any) -> dict[PathKey, int]:
    """(list path, index after pruning) -> index in the file, for lists with pruned items."""
    mapping: dict[PathKey, int] = {}

    def walk(value: Any, path: PathKey) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, (*path, k))
        elif isinstance(value, list):
            kept = 0
            for i, v in enumerate(value):
                if v is _PRUNED:
                    continue
                mapping[(*path, kept)] = i
                kept += 1
                walk(v, (*path, i))

    walk(data, ())
    return mapping


def _original_path(loc: PathKey, index_map: dict[PathKey, int]) -> PathKey:
    out: PathKey = ()
    for part in loc:
        if isinstance(part, int):
            part = index_map.get((*out, part), part)
        out = (*out, part)
    return out


def _original_index(index_map: dict[PathKey, int], path: PathKey, index: int) -> int:
    return index_map.get((*path, index), index)


# -- cross-checks ----------------------------------------------------------------------------

_TARGET_LIMITS = {
    "share_of_voice": (0.0, 100.0, "a share of voice is a percentage from 0 to 100"),
    "negative_share": (0.0, 100.0, "a negative share is a percentage from 0 to 100"),
    "net_sentiment": (-100.0, 100.0, "net sentiment runs from -100 to +100"),
    "mention_volume": (0.0, None, "a mention count cannot be negative"),
    "posts_per_week": (0.0, None, "a number of posts cannot be negative"),
}


def goal_target(goal: Goal) -> float:
    """The goal's target as a number; a response time in hours."""
    if goal.metric == "first_response_time":
        if isinstance(goal.target, str):
            return parse_duration(goal.target).total_seconds() / 3600
    return float(goal.target)


def _cross_checks(s: Strategy, index_map: dict[PathKey, int]) -> Iterator[tuple[PathKey, str]]:
    def idx(path: PathKey, i: int) -> PathKey:
        return (*path, _original_index(index_map, path, i))

    roles = s.team.roles
    people = {p for members in roles.values() for p in members}
    names = set(roles) | people

    def unknown_who(path: PathKey, who: list[str]) -> Iterator[tuple[PathKey, str]]:
        if not roles:
            return
        for i, name in enumerate(who):
            if name not in names:
                yield (
                    idx(path, i),
                    (
                        f"{name!r} is neither a role nor a person in team.roles"
                        f"{_suggest(name, names)}"
                    ),
                )

    declared = set(s.channels)
    present = set(s.present_channels())

    def channel_ref(
        path: PathKey, name: str, *, must_be_present: bool
    ) -> Iterator[tuple[PathKey, str]]:
        if name not in KNOWN_CHANNELS:
            yield path, f"unknown channel {name!r}{_suggest(name, KNOWN_CHANNELS)}"
        elif name not in declared:
            yield path, f"channel {name!r} is not described under channels"
        elif must_be_present and name not in present:
            yield path, f"channel {name!r} is one the company decided not to be on"

    for name, plan in s.channels.items():
        base: PathKey = ("channels", name)
        if name not in KNOWN_CHANNELS:
            yield (
                (*base, "@key"),
                f"unknown channel {name!r}{_suggest(name, KNOWN_CHANNELS)}; "
                f"known channels: {', '.join(KNOWN_CHANNELS)}",
            )
        if plan.present:
            if not plan.purpose:
                yield (*base, "present"), f"say why the company is on {name}: add a purpose"
        else:
            if not plan.reason:
                yield (
                    (*base, "present"),
                    (f"not being on {name} is a decision: give its reason under 'reason'"),
                )
            for field in ("answer", "publish"):
                for i, who in enumerate(getattr(plan, field)):
                    verb = "answers" if field == "answer" else "publishes"
                    yield (
                        idx((*base, field), i),
                        (f"{who!r} {verb} on {name}, but the company decided not to be on {name}"),
                    )
            if plan.cadence is not None:
                yield (
                    (*base, "cadence"),
                    (f"a posting cadence on {name}, but the company decided not to be on {name}"),
                )
        yield from unknown_who((*base, "publish"), plan.publish)
        yield from unknown_who((*base, "answer"), plan.answer)

    for i, goal in enumerate(s.goals):
        base = idx(("goals",), i)
        yield from _goal_checks(s, goal, base)
        if goal.channel is not None:
            yield from channel_ref((*base, "channel"), goal.channel, must_be_present=True)

    for i, audience in enumerate(s.audiences):
        base = idx(("audiences",), i)
        for j, channel in enumerate(audience.channels):
            if channel not in KNOWN_CHANNELS:
                path = idx((*base, "channels"), j)
                yield path, f"unknown channel {channel!r}{_suggest(channel, KNOWN_CHANNELS)}"

    for situation, guideline in s.answers.items():
        if guideline.escalate is not None:
            yield from unknown_who(("answers", situation, "escalate", "to"), guideline.escalate.to)

    for i, reply in enumerate(s.saved_replies):
        if reply.situation not in s.answers:
            path = (*idx(("saved_replies",), i), "situation")
            yield (
                path,
                (
                    f"a saved reply for {reply.situation!r}, but answers has no guideline for "
                    f"{reply.situation!r}: add answers.{reply.situation}"
                ),
            )

    # The company's own ready-made words must pass the same text check as everything it writes.
    avoid = s.avoided_words()
    for i, reply in enumerate(s.saved_replies):
        path = (*idx(("saved_replies",), i), "text")
        yield from _text_problems(path, reply.text, reply.lang, avoid)
        for problem in placeholders.problems(reply.text):
            yield path, problem
    if s.crisis is not None:
        for lang, statement in s.crisis.holding_statements.items():
            path = ("crisis", "holding_statements", lang)
            yield from _text_problems(path, statement, lang, avoid)

    if s.crisis is not None:
        t = s.crisis.triggers
        if (
            t.negative_per_hour_above is None
            and t.net_sentiment_below is None
            and t.mentions_per_hour_above is None
        ):
            yield ("crisis", "triggers"), "a crisis protocol needs at least one trigger"
        yield from unknown_who(("crisis", "decides"), s.crisis.decides)

    for i, campaign in enumerate(s.campaigns):
        base = idx(("campaigns",), i)
        if campaign.end < campaign.start:
            yield (
                (*base, "end"),
                (
                    f"campaign {campaign.name!r} ends ({campaign.end}) before it starts "
                    f"({campaign.start})"
                ),
            )
        for j, channel in enumerate(campaign.channels):
            yield from channel_ref(idx((*base, "channels"), j), channel, must_be_present=True)
        goal_names = [g.name for g in s.goals]
        if campaign.goal is not None and campaign.goal not in goal_names:
            yield (
                (*base, "goal"),
                (
                    f"campaign {campaign.name!r} serves goal {campaign.goal!r}, which is not under "
                    f"goals{_suggest(campaign.goal, goal_names)}"
                ),
            )


def _text_problems(
    path: PathKey, text: str, lang: str, avoid: list[str]
) -> Iterator[tuple[PathKey, str]]:
    from lyssna.strategy import lexicon
    from lyssna.strategy.textcheck import lint

    checked_lang = lang if lang in lexicon.LANGS or lang in ("nb", "nn") else None
    flags = lint(
        text,
        lang=checked_lang,
        avoid=avoid,
        checks=("sales", "bragging", "shouting", "exclamation", "off_voice"),
    )
    for flag in flags:
        yield path, f"{flag.reason}: {flag.span!r}"


def _goal_checks(s: Strategy, goal: Goal, base: PathKey) -> Iterator[tuple[PathKey, str]]:
    target_path = (*base, "target")
    if goal.metric == "first_response_time":
        if isinstance(goal.target, str):
            try:
                parse_duration(goal.target)
            except ValueError as exc:
                yield target_path, f"impossible response time: {exc}"
        elif goal.target <= 0:
            yield target_path, "a response time must be longer than zero (hours, or 30m, 2h)"
        return
    if isinstance(goal.target, str):
        yield target_path, f"the target of {goal.metric} is a number, not {goal.target!r}"
        return
    if goal.metric == "useful_post_ratio" and goal.target <= 0:
        yield target_path, "useful posts per promotional post must be more than zero"
    if goal.metric in _TARGET_LIMITS:
        low, high, why = _TARGET_LIMITS[goal.metric]
        if goal.target < low or (high is not None and goal.target > high):
            yield target_path, f"impossible target {goal.target:g}: {why}"
    if goal.metric == "share_of_voice" and not s.company.competitor_topics:
        yield (
            (*base, "metric"),
            ("share of voice needs competitors: list them in company.competitor_topics"),
        )
    if goal.metric == "posts_per_week" and goal.channel is None:
        yield (*base, "metric"), "posts_per_week needs the channel it counts (channel: linkedin)"


def check_document(doc: Document) -> tuple[Strategy | None, list[Problem]]:
    """The strategy (what could be read of it) and every problem, sorted by position."""
    problems = list(doc.problems)
    if doc.data is None:
        return None, sorted(set(problems))
    strategy, type_problems, index_map = _type_pass(doc)
    problems += type_problems
    if strategy is not None:
        for path, message in _cross_checks(strategy, index_map):
            at_key = bool(path) and path[-1] == "@key"
            if at_key:
                path = path[:-1]
            problems.append(doc.problem(path, message, at_key=at_key))
    # A value the YAML reader could not construct is reported once, by the reader.
    unreadable = {(p.line, p.column) for p in doc.problems}
    problems = [p for p in problems if p in doc.problems or (p.line, p.column) not in unreadable]
    unique = sorted(set(problems))
    return strategy, unique


def check_text(text: str, file: str = "strategy.yaml") -> tuple[Strategy | None, list[Problem]]:
    return check_document(parse_yaml(text, file))


def check_file(path: Path) -> tuple[Strategy | None, list[Problem]]:
    return check_document(read_yaml(path))


def load_strategy(path: Path) -> Strategy:
    """A valid strategy, or InvalidStrategyError listing its problems."""
    strategy, problems = check_file(path)
    if problems or strategy is None:
        raise InvalidStrategyError(str(path), problems)
    return strategy
