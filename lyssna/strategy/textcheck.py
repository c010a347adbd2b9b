"""The text check: does a text the company is about to write sound like a person or an advert?

`lint(text)` returns flags, each with its kind, a plain reason and the offending span (character
offsets into the text). It checks sales talk, bragging, too many calls to action, exclamation
overload, all-caps shouting, an answer that ignores the question asked, and words the strategy's
voice forbids. Without a language it checks all five languages' lists: a Swedish post that says
"buy now" is still pushy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from lyssna.core.errors import UserError
from lyssna.core.records import MessageParams
from lyssna.strategy import lexicon

FlagKind = Literal[
    "sales", "bragging", "calls_to_action", "exclamation", "shouting", "unanswered", "off_voice"
]
# The message id of a flag's reason, beside its English text: a user interface says it in the
# user's language (lyssna/web/i18n/strategy_messages.<lang>.json).
ReasonCode = Literal[
    "sales",
    "bragging",
    "calls_to_action",
    "exclamation_run",
    "exclamation_count",
    "shouting",
    "off_voice",
    "unanswered_words",
    "unanswered_when",
    "unanswered_price",
]

MAX_CALLS_TO_ACTION = 1
MAX_EXCLAMATIONS = 2
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    reason: str
    start: int  # character offsets into the text checked
    end: int
    span: str
    reason_code: ReasonCode
    reason_params: MessageParams  # the values `reason` mentions

    def __str__(self) -> str:
        return f"{self.start + 1}-{self.end}: {self.kind}: {self.reason} ({self.span!r})"


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for word in phrase.split():
        if word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word))
    # Letters on either side would mean we are inside another word.
    return r"(?<![\w#])" + r"[\s\-]+".join(parts) + r"(?!\w)"


@lru_cache(maxsize=64)
def _compile(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so "köp redan idag" wins over "köp".
    ordered = sorted(set(phrases), key=len, reverse=True)
    return re.compile("|".join(_phrase_pattern(p) for p in ordered), re.IGNORECASE)


def _langs(lang: str | None) -> tuple[str, ...]:
    if lang is None:
        return lexicon.LANGS
    code = {"nb": "no", "nn": "no"}.get(lang.lower(), lang.lower())
    if code not in lexicon.LANGS:
        raise UserError(f"unknown language {lang!r}: use one of {', '.join(lexicon.LANGS)}")
    return (code,) if code == "en" else (code, "en")  # English slogans turn up everywhere


def _phrases(table: dict[str, tuple[str, ...]], langs: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for lang in langs for p in table[lang])


def _find(text: str, phrases: tuple[str, ...]) -> list[re.Match[str]]:
    if not phrases:
        return []
    return list(_compile(phrases).finditer(text))


def _shouting(text: str) -> list[Flag]:
    loud: list[re.Match[str] | None] = []
    for found in _WORD.finditer(text):
        word = found.group()
        if (
            sum(c.isalpha() for c in word) >= 2
            and word.isupper()
            and word.upper() not in lexicon.ACRONYMS
        ):
            loud.append(found)
    flags: list[Flag] = []
    # Neighbouring loud words are one shout; it counts from five letters on ("KÖP NU", "GRATIS"),
    # so a short abbreviation is not a shout.
    group: list[re.Match[str]] = []
    for match in [*loud, None]:  # None closes the last group
        if (
            match is not None
            and group
            and text[group[-1].end() : match.start()].strip(" ,.!?:") == ""
        ):
            group.append(match)
            continue
        size = sum(len(m.group()) for m in group)
        if group and size >= 5:
            start, end = group[0].start(), group[-1].end()
            flags.append(
                Flag(
                    "shouting",
                    "all-caps reads as shouting",
                    start,
                    end,
                    text[start:end],
                    "shouting",
                    {},
                )
            )
        group = [match] if match is not None else []
    return flags


def _exclamations(text: str) -> list[Flag]:
    flags = []
    for run in re.finditer(r"!{2,}", text):
        flags.append(
            Flag(
                "exclamation",
                "several exclamation marks in a row",
                *run.span(),
                run.group(),
                "exclamation_run",
                {},
            )
        )
    marks = [m.start() for m in re.finditer("!", text)]
    if len(marks) > MAX_EXCLAMATIONS and not flags:
        at = marks[MAX_EXCLAMATIONS]
        flags.append(
            Flag(
                "exclamation",
                f"{len(marks)} exclamation marks; keep to {MAX_EXCLAMATIONS} at most",
                at,
                at + 1,
                "!",
                "exclamation_count",
                {"count": len(marks), "max": MAX_EXCLAMATIONS},
            )
        )
    return flags


def _stem(word: str) -> str:
    return word.lower()[:5]


def _content_words(text: str, langs: Sequence[str]) -> dict[str, str]:
    """stem -> first word with that stem, for words that carry meaning."""
    stop = set().union(*(lexicon.STOPWORDS[lang] for lang in langs))
    words: dict[str, str] = {}
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if len(word) >= 3 and word not in stop:
            words.setdefault(_stem(word), word)
    return words


def _unanswered(text: str, question: str, langs: Sequence[str]) -> list[Flag]:
    flags = []
    asked = _content_words(question, langs)
    said = _content_words(text, langs)
    if asked and not (set(asked) & set(said)):
        words = ", ".join(sorted(asked.values())[:6])
        flags.append(
            Flag(
                "unanswered",
                f"shares no content word with the question ({words}); does it answer it?",
                0,
                len(text),
                text,
                "unanswered_words",
                {"words": words},
            )
        )
    if _find(question, lexicon.WHEN_QUESTION) and not (
        re.search(r"\d", text) or _find(text, lexicon.TIME_WORDS)
    ):
        flags.append(
            Flag(
                "unanswered",
                "the question asks when; the reply gives no time",
                0,
                len(text),
                text,
                "unanswered_when",
                {},
            )
        )
    if _find(question, lexicon.PRICE_QUESTION) and not (
        re.search(r"\d", text) or _find(text, lexicon.PRICE_WORDS)
    ):
        flags.append(
            Flag(
                "unanswered",
                "the question asks what it costs; the reply gives no price",
                0,
                len(text),
                text,
                "unanswered_price",
                {},
            )
        )
    return flags


def lint(
    text: str,
    *,
    lang: str | None = None,
    question: str | None = None,
    avoid: Sequence[str] = (),
    checks: Iterable[FlagKind] | None = None,
) -> list[Flag]:
    """Every flag for `text`, in text order. `avoid`: words the strategy's voice forbids."""
    langs = _langs(lang)
    wanted = set(checks) if checks is not None else None
    flags: list[Flag] = []

    def want(kind: FlagKind) -> bool:
        return wanted is None or kind in wanted

    sales = _find(text, _phrases(lexicon.SALES, langs)) if want("sales") else []
    for m in sales:
        flags.append(Flag("sales", "sales talk: pushes to buy", *m.span(), m.group(), "sales", {}))
    if want("bragging"):
        for m in _find(text, _phrases(lexicon.BRAGGING, langs)):
            flags.append(
                Flag(
                    "bragging",
                    "bragging: a claim nobody can check",
                    *m.span(),
                    m.group(),
                    "bragging",
                    {},
                )
            )
    if want("calls_to_action"):
        calls = _find(text, _phrases(lexicon.CALLS_TO_ACTION, langs))
        if len(calls) > MAX_CALLS_TO_ACTION:
            extra = calls[MAX_CALLS_TO_ACTION]
            said = ", ".join(repr(c.group()) for c in calls)
            flags.append(
                Flag(
                    "calls_to_action",
                    f"{len(calls)} calls to action ({said}); keep to {MAX_CALLS_TO_ACTION}",
                    extra.start(),
                    calls[-1].end(),
                    text[extra.start() : calls[-1].end()],
                    "calls_to_action",
                    {"count": len(calls), "calls": said, "max": MAX_CALLS_TO_ACTION},
                )
            )
    if want("exclamation"):
        flags += _exclamations(text)
    if want("shouting"):
        flags += _shouting(text)
    if want("off_voice") and avoid:
        for m in _find(text, tuple(avoid)):
            flags.append(
                Flag(
                    "off_voice",
                    "the strategy's voice avoids this word",
                    *m.span(),
                    m.group(),
                    "off_voice",
                    {},
                )
            )
    if want("unanswered") and question and question.strip():
        flags += _unanswered(text, question, langs)
    return sorted(flags, key=lambda f: (f.start, f.kind))
