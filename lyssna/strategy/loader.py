"""Reading strategy.yaml while remembering where every key and value stands in the file.

PyYAML composes the document into nodes that carry their start marks; we turn those into plain
Python values and a map from path (("channels", "x", "answer", 0)) to (line, column), so that a
problem found later, by pydantic or by the cross-checks, can be shown at its place in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from yaml.constructor import ConstructorError, SafeConstructor  # type: ignore[import-untyped]

PathKey = tuple[str | int, ...]

STRATEGY_FILE_NAME = "strategy.yaml"


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 also reads no, yes, on, off as booleans,
    which would turn Norwegian (`languages: [sv, no]`) and a plain "No" into False."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the strategy, at a 1-based line and column of a file."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(slots=True)
class Positions:
    """Where each value (and each mapping key) starts, by path; 1-based line and column."""

    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, path: PathKey) -> tuple[int, int]:
        """The value's position, or the nearest enclosing one that is known."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.values:
                return self.values[path[:end]]
        return (1, 1)

    def of_key(self, path: PathKey) -> tuple[int, int]:
        return self.keys.get(path) or self.of_value(path)


@dataclass(slots=True)
class Document:
    """The parsed YAML: plain data, positions, and problems found while reading it."""

    file: str
    data: Any
    positions: Positions
    problems: list[Problem]

    def problem(self, path: PathKey, message: str, *, at_key: bool = False) -> Problem:
        line, column = self.positions.of_key(path) if at_key else self.positions.of_value(path)
        return Problem(self.file, line, column, message)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions = Positions()
        self.problems: list[Problem] = []
        self.constructor = SafeConstructor()

    def problem(self, node: yaml.Node, message: str) -> None:
        line, column = _mark(node)
        self.problems.append(Problem(self.file, line, column, message))

    def value(self, node: yaml.Node, path: PathKey) -> Any:
        self.positions.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            self.constructor.flatten_mapping(node)  # resolves `<<:` merge keys
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.scalar(key_node)
                if not isinstance(key, str):
                    self.problem(key_node, f"a key must be a name, not {key!r}")
                    continue
                if key in result:
                    self.problem(key_node, f"{key!r} is given twice; the second would win")
                    continue
                self.positions.keys[(*path, key)] = _mark(key_node)
                result[key] = self.value(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, "a key must be a plain name")
            return None
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as exc:  # e.g. an impossible date 2026-02-30
            self.problem(node, f"cannot read this value: {exc}".splitlines()[0])
            return node.value


def parse_yaml(text: str, file: str) -> Document:
    """YAML text -> Document; a syntax error becomes a Problem at its position, not an exception."""
    reader = _Reader(file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "not valid YAML"
        return Document(
            file, None, reader.positions, [Problem(file, line, column, f"YAML: {what}")]
        )
    except yaml.YAMLError as exc:
        return Document(file, None, reader.positions, [Problem(file, 1, 1, f"YAML: {exc}")])
    if node is None:
        return Document(file, None, reader.positions, [Problem(file, 1, 1, "the file is empty")])
    data = reader.value(node, ())
    return Document(file, data, reader.positions, reader.problems)


def read_yaml(path: Path) -> Document:
    from lyssna.strategy.errors import StrategyFileError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StrategyFileError(
            f"no strategy at {path}: write one with `lyssna strategy init`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StrategyFileError(f"cannot read {path}: {exc}") from None
    return parse_yaml(text, str(path))
