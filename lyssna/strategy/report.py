"""Goals against what the listening data shows: green, amber or red, with the trend.

Four goals can be measured from the listening core today (mention volume, net sentiment, share of
voice, negative share of the brand topic). Goals that need the inbox or publishing are listed as
"not measured yet" rather than given a made-up figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, Engine

from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.core.records import MessageParams, Topic
from lyssna.inbox import service as inbox_service
from lyssna.inbox.metrics import response_metrics
from lyssna.storage import topics as topic_store
from lyssna.storage.search import Counts, count_by_topic
from lyssna.strategy.schema import AT_MOST_METRICS, Goal, Strategy
from lyssna.strategy.validate import goal_target
from lyssna.workspace import WorkspaceContext

Status = Literal["green", "amber", "red", "no data", "not measured"]
# Message ids of a goal's note and of a crisis trigger, beside their English text: a user
# interface says them in the user's language (lyssna/web/i18n/strategy_messages.<lang>.json).
NoteCode = Literal[
    "needs_publishing",
    "no_answered",
    "no_answered_on",
    "median_response",
    "median_response_on",
    "brand_mentions",
    "no_brand_mentions",
    "share_of_voice",
    "negative_share",
    "net_sentiment",
]
TriggerCode = Literal["negative_per_hour_above", "mentions_per_hour_above", "net_sentiment_below"]
# Why the goals cannot be measured (ReportError), likewise.
ReportErrorCode = Literal["topic_not_found", "no_brand_topic"]

_PERIOD = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
_PERIOD_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
_PER_DAYS = {"day": 1, "week": 7, "month": 30}

_NEEDS: dict[str, tuple[NoteCode, str]] = {
    "posts_per_week": ("needs_publishing", "not measured yet (needs publishing)"),
    "useful_post_ratio": ("needs_publishing", "not measured yet (needs publishing)"),
}
_UNITS = {
    "mention_volume": "mentions",
    "net_sentiment": "pts",
    "share_of_voice": "%",
    "negative_share": "%",
    "first_response_time": "h",
    "posts_per_week": "posts/week",
    "useful_post_ratio": "useful per promo",
}
# How far from the target still counts as amber: points for percentages, a fraction for counts.
_DEFAULT_MARGIN = {
    "net_sentiment": 10.0,
    "share_of_voice": 5.0,
    "negative_share": 5.0,
    "mention_volume": 0.2,
}


def parse_period(value: str) -> timedelta:
    """'7d', '30d', '2w', '24h' -> timedelta."""
    match = _PERIOD.match(value)
    if not match or int(match.group(1)) == 0:
        raise UserError(f"--period {value!r} is not a period: use e.g. 24h, 7d, 30d or 4w")
    return timedelta(**{_PERIOD_UNITS[match.group(2)]: int(match.group(1))})


class ReportError(UserError):
    """The goals cannot be measured: a topic the strategy names, or a brand topic, is missing.

    `message` is the English text; `code` and `params` (a message id and the values it mentions)
    let a user interface say it in the user's language, as QuerySyntaxError does.
    """

    def __init__(self, message: str, code: ReportErrorCode, params: MessageParams) -> None:
        self.message = message
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Window:
    since: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class GoalResult:
    goal: Goal
    status: Status
    target: float  # in `unit`, scaled to the period for mention volume
    unit: str
    at_most: bool  # lower is better
    current: float | None
    previous: float | None
    note: str  # the figures behind the verdict, or why there is none
    note_code: NoteCode
    note_params: MessageParams  # the values `note` mentions

    @property
    def trend(self) -> float | None:
        """Change from the previous period, in `unit`."""
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def improving(self) -> bool | None:
        trend = self.trend
        if trend is None or trend == 0:
            return None
        return trend < 0 if self.at_most else trend > 0


@dataclass(frozen=True, slots=True)
class CrisisCheck:
    """One crisis trigger of the strategy against the worst hour of the period."""

    trigger: str  # in words: "negative mentions per hour above 40"
    trigger_code: TriggerCode
    trigger_params: MessageParams  # the values `trigger` mentions: {"limit": 40}
    threshold: float
    peak: float | None  # the worst hourly value; None when no hour had enough mentions
    peak_hour: str | None  # local "YYYY-MM-DD HH:00" in the workspace's time zone
    fired: bool


@dataclass(frozen=True, slots=True)
class StrategyReport:
    current: Window
    previous: Window
    brand_topic: str
    competitor_topics: tuple[str, ...]
    results: tuple[GoalResult, ...]
    crisis: tuple[CrisisCheck, ...] = ()


@dataclass(frozen=True, slots=True)
class _Figures:
    brand: Counts
    competitors: int  # competitor topic mentions
    # From the inbox: channel (None: every channel) -> (median first response hours, answered)
    responses: dict[str | None, tuple[float | None, int]] | None = None


def resolve_topics(
    conn: Connection, workspace_id: int, strategy: Strategy
) -> tuple[Topic, list[Topic]]:
    """The brand topic and the competitor topics the goals are measured on.

    The strategy names them (company.brand_topic, company.competitor_topics); without names the
    workspace's topics of kind brand and competitor are used.
    """
    return choose_topics(topic_store.list_all(conn, workspace_id), strategy)


def choose_topics(topics: list[Topic], strategy: Strategy) -> tuple[Topic, list[Topic]]:
    """resolve_topics among the workspace's `topics`; ReportError when one is missing."""
    by_name = {t.name: t for t in topics}

    def named(name: str, field: str) -> Topic:
        if name not in by_name:
            raise ReportError(
                f"company.{field} names {name!r}, which is not a topic in this workspace: "
                f"add it with `lyssna topics add {name!r} --query ...`",
                "topic_not_found",
                {"field": f"company.{field}", "topic": name},
            )
        return by_name[name]

    company = strategy.company
    if company.brand_topic:
        brand = named(company.brand_topic, "brand_topic")
    else:
        brands = [t for t in topics if t.kind == "brand"]
        if not brands:
            raise ReportError(
                "no brand topic to measure the goals on: set company.brand_topic in the "
                "strategy, or add a topic with --kind brand",
                "no_brand_topic",
                {},
            )
        brand = brands[0]
    if company.competitor_topics:
        competitors = [named(n, "competitor_topics") for n in company.competitor_topics]
    else:
        competitors = [t for t in topics if t.kind == "competitor"]
    return brand, competitors


def _figures(
    conn: Connection, workspace_id: int, brand: Topic, competitors: list[Topic], window: Window
) -> _Figures:
    ids = [brand.id, *(t.id for t in competitors)]
    counts = count_by_topic(conn, workspace_id, ids, since=window.since, until=window.until)
    brand_counts = counts.get(brand.id, {}).get(None, Counts())
    competitor_total = sum(counts.get(t.id, {}).get(None, Counts()).total for t in competitors)
    return _Figures(brand_counts, competitor_total)


def _responses(
    engine: Engine, workspace_id: int, window: Window, timezone: str
) -> dict[str | None, tuple[float | None, int]]:
    metrics = response_metrics(
        engine, workspace_id, since=window.since, until=window.until, timezone=timezone
    )
    found: dict[str | None, tuple[float | None, int]] = {
        None: (metrics.overall.median_hours, metrics.overall.answered)
    }
    for channel, stats in metrics.by_channel.items():
        found[channel] = (stats.median_hours, stats.answered)
    return found


# A note in English with its message id and values.
_Note = tuple[str, NoteCode, MessageParams]


def _response_value(goal: Goal, f: _Figures) -> tuple[float | None, _Note]:
    median, answered = (f.responses or {}).get(goal.channel, (None, 0))
    channel = goal.channel
    if median is None:
        if channel:
            note: _Note = (
                f"no answered inbox items on {channel} in the period",
                "no_answered_on",
                {"channel": channel},
            )
        else:
            note = ("no answered inbox items in the period", "no_answered", {})
        return None, note
    if channel:
        note = (
            f"median first response of {answered:,} answered inbox items on {channel}",
            "median_response_on",
            {"answered": answered, "channel": channel},
        )
    else:
        note = (
            f"median first response of {answered:,} answered inbox items",
            "median_response",
            {"answered": answered},
        )
    return median, note


def _value(metric: str, f: _Figures) -> float | None:
    brand = f.brand
    if metric == "mention_volume":
        return float(brand.total)
    if not brand.total:
        return None
    if metric == "net_sentiment":
        return 100.0 * (brand.positive - brand.negative) / brand.total
    if metric == "negative_share":
        return 100.0 * brand.negative / brand.total
    if metric == "share_of_voice":
        return 100.0 * brand.total / (brand.total + f.competitors)
    raise AssertionError(metric)


def _status(value: float, target: float, margin: float, at_most: bool) -> Status:
    if at_most:
        return "green" if value <= target else "amber" if value <= target + margin else "red"
    return "green" if value >= target else "amber" if value >= target - margin else "red"


def _note(metric: str, f: _Figures) -> _Note:
    b = f.brand
    if metric == "mention_volume":
        return f"{b.total:,} brand mentions", "brand_mentions", {"total": b.total}
    if not b.total:
        return "no brand mentions in the period", "no_brand_mentions", {}
    if metric == "share_of_voice":
        both = b.total + f.competitors
        return (
            f"{b.total:,} of {both:,} brand and competitor mentions",
            "share_of_voice",
            {"brand": b.total, "total": both},
        )
    if metric == "negative_share":
        return (
            f"{b.negative:,} negative of {b.total:,}",
            "negative_share",
            {"negative": b.negative, "total": b.total},
        )
    return (
        f"{b.positive:,} positive, {b.negative:,} negative of {b.total:,}",
        "net_sentiment",
        {"positive": b.positive, "negative": b.negative, "total": b.total},
    )


def evaluate_goal(goal: Goal, period: timedelta, now_f: _Figures, before_f: _Figures) -> GoalResult:
    at_most = goal.metric in AT_MOST_METRICS
    unit = _UNITS[goal.metric]
    target = goal_target(goal)
    if goal.metric in _NEEDS:
        code, text = _NEEDS[goal.metric]
        return GoalResult(goal, "not measured", target, unit, at_most, None, None, text, code, {})
    if goal.metric == "first_response_time":
        # Amber up to a quarter over the target (or amber_margin hours over it).
        margin = goal.amber_margin if goal.amber_margin is not None else target * 0.25
        current, note = _response_value(goal, now_f)
        previous, _ = _response_value(goal, before_f)
        if current is None:
            return GoalResult(goal, "no data", target, unit, at_most, None, previous, *note)
        status = _status(current, target, margin, at_most)
        return GoalResult(goal, status, target, unit, at_most, current, previous, *note)
    margin = goal.amber_margin if goal.amber_margin is not None else _DEFAULT_MARGIN[goal.metric]
    if goal.metric == "mention_volume":
        # The target is per day, week or month; the report's period may be any length.
        target = target * (period / timedelta(days=_PER_DAYS[goal.per]))
        margin = margin * target
    current = _value(goal.metric, now_f)
    previous = _value(goal.metric, before_f)
    note = _note(goal.metric, now_f)
    if current is None:
        return GoalResult(goal, "no data", target, unit, at_most, None, previous, *note)
    status = _status(current, target, margin, at_most)
    return GoalResult(goal, status, target, unit, at_most, current, previous, *note)


# Hourly net sentiment of fewer mentions than this is noise, not a crisis.
MIN_MENTIONS_FOR_HOURLY_SENTIMENT = 10


def _crisis_checks(strategy: Strategy, hourly: dict[str | None, Counts]) -> tuple[CrisisCheck, ...]:
    if strategy.crisis is None:
        return ()
    triggers = strategy.crisis.triggers
    checks: list[CrisisCheck] = []

    def peak_of(values: dict[str, float], highest: bool) -> tuple[float | None, str | None]:
        if not values:
            return None, None
        hour = (max if highest else min)(values, key=lambda h: values[h])
        return values[hour], hour

    hours = {h: c for h, c in hourly.items() if h is not None}
    limit: float
    if triggers.negative_per_hour_above is not None:
        limit = triggers.negative_per_hour_above
        peak, at = peak_of({h: float(c.negative) for h, c in hours.items()}, highest=True)
        fired = peak is not None and peak > limit
        checks.append(
            CrisisCheck(
                f"negative mentions per hour above {limit}",
                "negative_per_hour_above",
                {"limit": limit},
                limit,
                peak,
                at,
                fired,
            )
        )
    if triggers.mentions_per_hour_above is not None:
        limit = triggers.mentions_per_hour_above
        peak, at = peak_of({h: float(c.total) for h, c in hours.items()}, highest=True)
        fired = peak is not None and peak > limit
        checks.append(
            CrisisCheck(
                f"mentions per hour above {limit}",
                "mentions_per_hour_above",
                {"limit": limit},
                limit,
                peak,
                at,
                fired,
            )
        )
    if triggers.net_sentiment_below is not None:
        limit = triggers.net_sentiment_below
        nets = {
            h: 100.0 * (c.positive - c.negative) / c.total
            for h, c in hours.items()
            if c.total >= MIN_MENTIONS_FOR_HOURLY_SENTIMENT
        }
        peak, at = peak_of(nets, highest=False)
        fired = peak is not None and peak < limit
        checks.append(
            CrisisCheck(
                f"hourly net sentiment below {limit:+g}",
                "net_sentiment_below",
                {"limit": limit},
                limit,
                peak,
                at,
                fired,
            )
        )
    return tuple(checks)


def build_report(
    ctx: WorkspaceContext,
    strategy: Strategy,
    period: timedelta,
    *,
    now: datetime | None = None,
) -> StrategyReport:
    """Each goal of the strategy for the last `period`, against the period before it."""
    until = now or utcnow()
    current = Window(until - period, until)
    previous = Window(until - 2 * period, until - period)
    responses: dict[Window, dict[str | None, tuple[float | None, int]]] = {}
    if any(g.metric == "first_response_time" for g in strategy.goals):
        # Bring the inbox up to date first: answers that arrived since the last look count.
        inbox_service.sync(ctx.engine, ctx.workspace.id)
        for window in (current, previous):
            responses[window] = _responses(
                ctx.engine, ctx.workspace.id, window, ctx.workspace.timezone
            )
    with ctx.engine.connect() as conn:
        brand, competitors = resolve_topics(conn, ctx.workspace.id, strategy)
        now_f = replace(
            _figures(conn, ctx.workspace.id, brand, competitors, current),
            responses=responses.get(current),
        )
        before_f = replace(
            _figures(conn, ctx.workspace.id, brand, competitors, previous),
            responses=responses.get(previous),
        )
        hourly = count_by_topic(
            conn,
            ctx.workspace.id,
            [brand.id],
            since=current.since,
            until=current.until,
            by="hour",
            timezone=ctx.workspace.timezone,
        ).get(brand.id, {})
    results = tuple(evaluate_goal(g, period, now_f, before_f) for g in strategy.goals)
    crisis = _crisis_checks(strategy, hourly)
    return StrategyReport(
        current, previous, brand.name, tuple(t.name for t in competitors), results, crisis
    )
