"""Which mentions need an answer, and how urgently. Pure functions over a mention's facts.

A mention enters when it asks something, complains, or addresses the company, and is about the
company (it matches a brand topic) or addressed to it: complaints about a competitor and
questions about the weather stay in the explorer. Articles (RSS) are read, not answered in a
thread, so only those addressed to the company enter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Words that open a question, per language (the text need not end with "?" on social media).
_QUESTION_OPENERS = frozenset(
    """
    vad hur när varför vem vilken vilka vilket kan kan finns får ska går
    hva hvordan når hvorfor hvem hvilken hvilke kan finnes får skal går kva korleis kvifor
    hvad hvornår hvilket kan findes må skal
    mitä miten milloin miksi kuka mikä missä onko voiko saako pitääkö
    what how when why who which where can could is are does do will anyone
    """.split()
)
_FINNISH_QUESTION_SUFFIX = re.compile(r"^\w+(?:ko|kö)$")
_WORD = re.compile(r"\w+")
_LINK = re.compile(r"https?://\S+|www\.\S+")  # a "?" in a link's query string asks nothing

# Channels whose items are articles to read, not conversations to answer.
ARTICLE_CHANNELS = frozenset({"rss"})

NEGATIVE_WEIGHT = 30
QUESTION_WEIGHT = 25
DIRECT_WEIGHT = 15
REACH_WEIGHT = 8  # per power of ten of followers
REACH_CAP = 30


@dataclass(frozen=True, slots=True)
class Facts:
    text: str
    sentiment: str | None
    sentiment_score: float | None
    author_handle: str | None
    followers: int | None
    near_duplicate: bool
    about_us: bool = True  # matches a brand topic (True when the workspace has none)
    channel: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    enters: bool
    priority: int
    reasons: tuple[str, ...]


def is_question(text: str) -> bool:
    text = _LINK.sub(" ", text)
    if "?" in text:
        return True
    words = _WORD.findall(text.lower())
    if not words:
        return False
    first = words[0]
    return first in _QUESTION_OPENERS or bool(_FINNISH_QUESTION_SUFFIX.match(first))


def _mentions_any(text: str, handles: frozenset[str]) -> bool:
    lowered = text.lower()
    return any(f"@{h}" in lowered for h in handles)


def triage(facts: Facts, company_handles: frozenset[str]) -> Decision:
    """Enter the inbox for a question, a complaint or a direct address; never the company's own."""
    author = (facts.author_handle or "").lower().lstrip("@")
    if author and author in company_handles:
        return Decision(False, 0, ("written by the company",))
    reasons: list[str] = []
    priority = 0
    direct = _mentions_any(facts.text, company_handles)
    if not direct:
        if facts.channel in ARTICLE_CHANNELS:
            return Decision(False, 0, ("an article",))
        if not facts.about_us:
            return Decision(False, 0, ("not about us",))
    question = is_question(facts.text)
    complaint = facts.sentiment == "negative"
    if question:
        reasons.append("question")
        priority += QUESTION_WEIGHT
    if complaint:
        reasons.append("complaint")
        strength = min(1.0, abs(facts.sentiment_score or 0.5))
        priority += round(NEGATIVE_WEIGHT * (0.5 + strength / 2))
    if direct:
        reasons.append("addressed to us")
        priority += DIRECT_WEIGHT
    if not reasons:
        return Decision(False, 0, ())
    if facts.near_duplicate and not (question or direct):
        # A copy-paste campaign is seen in the explorer; one answer each would be spam.
        return Decision(False, 0, ("near-duplicate",))
    if facts.followers:
        reach = min(REACH_CAP, round(REACH_WEIGHT * math.log10(facts.followers + 1)))
        if reach:
            reasons.append(f"reach {facts.followers:,}")
            priority += reach
    return Decision(True, min(100, priority), tuple(reasons))
