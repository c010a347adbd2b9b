"""Placeholders in saved replies: `{author_name}` and the like, filled when a reply is inserted.

`{{` and `}}` stand for a literal brace. `lyssna strategy check` reports any other name, so a
typo is found when the strategy is written, not when a customer is being answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

PLACEHOLDERS: dict[str, str] = {
    "author": "the customer's handle, e.g. @anna",
    "author_name": "the customer's display name (their handle when they show none)",
    "agent": "the name of the person answering",
    "company": "the company's name (company.name)",
    "channel": "the channel, e.g. Mastodon",
}


def problems(text: str) -> list[str]:
    """What is wrong with the placeholders in `text` (empty when nothing is)."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in Formatter().parse(text)]
    except ValueError:
        return ["a lone '{' or '}': write {{ or }} for a brace, or {author_name} for a placeholder"]
    found = []
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            found.append(f"unknown placeholder {{{name}}}: use {known}")
        elif spec or conversion:
            found.append(f"write the placeholder as {{{name}}}, without ':' or '!'")
    return found


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its placeholders filled; ValueError naming the first problem."""
    found = problems(text)
    if found:
        raise ValueError(found[0])
    return text.format_map({name: values.get(name, "") for name in PLACEHOLDERS})
