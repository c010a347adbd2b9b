"""The strategy document as typed records (pydantic), one class per section of strategy.yaml.

Types and single-field limits live here; rules that relate one part of the document to another
(a role answering on a channel the company left, a campaign ending before it starts) live in
`validate.py`, where each problem can point at the exact place in the file.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

# Channels Lyssna knows (listening, inbox or publishing); a strategy may name only these.
KNOWN_CHANNELS: tuple[str, ...] = (
    "x", "facebook", "instagram", "linkedin", "tiktok", "threads", "youtube", "reddit",
    "hackernews", "mastodon", "bluesky", "rss", "reviews", "forums", "email", "website",
)  # fmt: skip

SITUATIONS: tuple[str, ...] = ("praise", "criticism", "question", "complaint", "crisis")
Situation = Literal["praise", "criticism", "question", "complaint", "crisis"]

# What a goal measures. The first four come from the listening core; the others need parts of
# Lyssna that are not built yet and are reported as "not measured yet".
Metric = Literal[
    "mention_volume",
    "net_sentiment",
    "share_of_voice",
    "negative_share",
    "first_response_time",
    "posts_per_week",
    "useful_post_ratio",
]
LISTENING_METRICS: tuple[str, ...] = (
    "mention_volume",
    "net_sentiment",
    "share_of_voice",
    "negative_share",
)
# Metrics where lower is better; all others are "at least".
AT_MOST_METRICS: tuple[str, ...] = ("negative_share", "first_response_time")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$")
_DURATION_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LANG = re.compile(r"^[a-z]{2}$")


def parse_duration(value: object) -> timedelta:
    """'30m', '2h', '1d', '1w' -> timedelta; refuses zero and negative durations."""
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        duration = timedelta(**{_DURATION_UNITS[match.group(2)]: float(match.group(1))})
    else:
        raise ValueError(f"{value!r} is not a duration: write it as 30m, 2h, 1d or 1w")
    if duration <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return duration


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _check_lang(value: str) -> str:
    if not _LANG.match(value):
        raise ValueError(f"{value!r} is not a two-letter language code such as sv, no, da, fi, en")
    return value


Lang = Annotated[str, BeforeValidator(lambda v: _check_lang(v) if isinstance(v, str) else v)]
NonEmpty = Annotated[str, Field(min_length=1)]


class Record(BaseModel):
    """Every section: unknown keys are errors, YAML's own types are taken as they are."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Company(Record):
    name: NonEmpty
    website: str | None = None
    # Listening topics that measure the goals: the brand and the competitors.
    brand_topic: str | None = None
    competitor_topics: list[NonEmpty] = []
    languages: list[Lang] = []


class Goal(Record):
    name: NonEmpty
    metric: Metric
    # A number; for first_response_time also a duration such as 2h or 30m (a number is hours).
    target: float | str
    # For mention_volume: the target is per week unless said otherwise.
    per: Literal["day", "week", "month"] = "week"
    channel: str | None = None  # posts_per_week, first_response_time: which channel
    when: str | None = None  # "weekdays 08-17": free text, shown in the report
    # How far short of the target still counts as amber (points for percentages,
    # a fraction of the target for counts); default: see report.py.
    amber_margin: float | None = Field(default=None, ge=0)
    why: str | None = None


class Audience(Record):
    name: NonEmpty
    description: str | None = None
    languages: list[Lang] = []
    channels: list[str] = []


class Voice(Record):
    tone: str | None = None
    avoid: list[NonEmpty] = []  # words this voice never uses; `strategy lint` flags them


class Cadence(Record):
    posts_per_week: float = Field(ge=0)
    useful_per_promotional: float | None = Field(default=None, gt=0)


class Profile(Record):
    description: str | None = None
    person: str | None = None  # the real person behind the account
    interests: list[NonEmpty] = []
    website: str | None = None
    photo: str | None = None


class ChannelPlan(Record):
    present: bool
    reason: str | None = None  # why (especially why not)
    purpose: str | None = None
    voice: Voice = Voice()
    cadence: Cadence | None = None
    publish: list[NonEmpty] = []  # roles or named people
    answer: list[NonEmpty] = []
    languages: list[Lang] = []
    profile: Profile | None = None


class Team(Record):
    # role -> named people in it
    roles: dict[str, list[NonEmpty]] = {}


class Escalation(Record):
    to: list[NonEmpty]
    when: NonEmpty


class Guideline(Record):
    how: NonEmpty
    respond_within: Duration | None = None
    escalate: Escalation | None = None


class SavedReply(Record):
    situation: Situation
    lang: Lang
    text: NonEmpty
    name: str | None = None


class CrisisTriggers(Record):
    negative_per_hour_above: int | None = Field(default=None, gt=0)
    net_sentiment_below: float | None = Field(default=None, ge=-100, le=100)
    mentions_per_hour_above: int | None = Field(default=None, gt=0)


class Crisis(Record):
    triggers: CrisisTriggers
    decides: list[NonEmpty] = Field(min_length=1)
    holding_statements: dict[str, NonEmpty] = {}  # language -> statement
    update_every: Duration
    steps: list[NonEmpty] = []

    @field_validator("holding_statements")
    @classmethod
    def _languages(cls, value: dict[str, str]) -> dict[str, str]:
        for lang in value:
            _check_lang(lang)
        return value


class Content(Record):
    # Useful posts for each promotional one, across all channels.
    useful_per_promotional: float = Field(gt=0)


# A date written in quotes ("2026-11-01") is as good as a bare one.
LaxDate = Annotated[date, Field(strict=False)]


class Campaign(Record):
    name: NonEmpty
    start: LaxDate
    end: LaxDate
    channels: list[str] = []
    goal: str | None = None


class Strategy(Record):
    version: Literal[1] = 1
    company: Company
    purpose: NonEmpty
    goals: list[Goal] = []
    audiences: list[Audience] = []
    voice: Voice = Voice()
    team: Team = Team()
    channels: dict[str, ChannelPlan] = {}
    answers: dict[Situation, Guideline] = {}
    saved_replies: list[SavedReply] = []
    crisis: Crisis | None = None
    content: Content | None = None
    campaigns: list[Campaign] = []

    def present_channels(self) -> list[str]:
        return [name for name, plan in self.channels.items() if plan.present]

    def avoided_words(self, channel: str | None = None) -> list[str]:
        """The company's words to avoid, plus the channel's own when one is named."""
        words = list(self.voice.avoid)
        plan = self.channels.get(channel) if channel else None
        if plan is not None:
            words += [w for w in plan.voice.avoid if w not in words]
        return words
