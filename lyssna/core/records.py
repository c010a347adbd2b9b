"""Typed records that flow through Lyssna. They know no platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Sentiment = Literal["negative", "neutral", "positive"]
SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")

TopicKind = Literal["brand", "competitor", "theme"]
TOPIC_KINDS: tuple[TopicKind, ...] = ("brand", "competitor", "theme")

# The values a message for a person mentions, by name. Messages that a user interface may say in
# the user's language carry them beside their English text and a message id (`code`).
MessageParams = dict[str, str | int | float]


@dataclass(slots=True, frozen=True)
class Author:
    handle: str
    name: str | None = None
    followers: int | None = None  # None: the platform did not say (not zero)


@dataclass(slots=True, frozen=True)
class Metrics:
    """Engagement counts; None means the platform did not say."""

    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    views: int | None = None

    def engagement(self) -> int:
        return (self.likes or 0) + (self.shares or 0) + (self.replies or 0)


@dataclass(slots=True, frozen=True)
class Reason:
    """One thing that pushed a sentiment verdict: a word, phrase, emoji or rule, and its weight."""

    kind: (
        str  # "word", "phrase", "emoji", "emoticon", "negation", "intensifier", "rule", "model"...
    )
    text: str
    weight: float


@dataclass(slots=True, frozen=True)
class TextAnalysis:
    """What the analysis says about one text."""

    lang: str  # ISO 639-1, "no" for Norwegian, "und" when it cannot say
    lang_confidence: float
    sentiment: Sentiment
    sentiment_score: float  # -1 .. 1
    lang_variant: str | None = None  # "nb" or "nn" for Norwegian when it can tell
    explanation: tuple[Reason, ...] | None = ()  # None: not worked out (see analyse_many)


@dataclass(slots=True)
class IncomingMention:
    """A record after normalisation, before analysis and storage."""

    channel: str
    external_id: str
    text: str
    created_at: datetime  # timezone-aware, UTC
    author: Author | None = None
    url: str | None = None
    host: str | None = None
    lang: str | None = None  # given by the record (trusted) or None
    reply_to: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    raw: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    text_hash: str = ""
    fingerprint: str = (
        ""  # near-duplicate key: same words, whatever the punctuation, links, handles
    )


@dataclass(slots=True, frozen=True)
class Topic:
    id: int
    name: str
    query: str
    kind: TopicKind
