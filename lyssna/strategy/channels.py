"""Where are our customers? Channels and languages of the conversation, against the strategy.

The conversation is the stored mentions matched by the workspace's topics (every mention when
the workspace has no topics yet). For each channel: its share, its growth against the previous
period of the same length, its net sentiment, whether the strategy says the company is there,
and a recommendation with a one-line reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, func, select

from lyssna.core.clock import utcnow
from lyssna.core.records import MessageParams
from lyssna.storage import topics as topic_store
from lyssna.storage.schema import mention_topics, mentions
from lyssna.strategy.report import Window
from lyssna.strategy.schema import Strategy
from lyssna.workspace import WorkspaceContext

Presence = Literal["present", "not present", "not in strategy"]
Recommendation = Literal["be present", "keep", "reconsider"]
# The message id of a recommendation's reason, beside its English text: a user interface says it
# in the user's language (lyssna/web/i18n/strategy_messages.<lang>.json). "_growing" variants
# add how fast the channel grows, "_decided" ones the strategy's own reason for staying away.
ReasonCode = Literal[
    "present_silent",
    "present_quiet",
    "present_negative",
    "present_busy",
    "present_busy_growing",
    "absent_busy",
    "absent_busy_growing",
    "absent_busy_decided",
    "absent_busy_growing_decided",
    "unplanned_busy",
    "unplanned_busy_growing",
    "absent_quiet",
    "absent_silent",
    "unplanned_quiet",
    "unplanned_silent",
]

# A channel with this share of the conversation is where customers are.
BE_PRESENT_SHARE = 0.10
# Growing this fast (and at least MIN_GROWING_SHARE of the talk) counts as well.
GROWING = 0.5
MIN_GROWING_SHARE = 0.05
# Below this share a channel the company is on gives little back from listening.
LOW_SHARE = 0.02


@dataclass(slots=True)
class Tally:
    total: int = 0
    positive: int = 0
    negative: int = 0

    def add(self, sentiment: str | None, n: int) -> None:
        self.total += n
        if sentiment == "positive":
            self.positive += n
        elif sentiment == "negative":
            self.negative += n

    @property
    def net_sentiment(self) -> float | None:
        return (self.positive - self.negative) / self.total if self.total else None


def _growth(now: int, before: int) -> float | None:
    """Relative change; None when there was nothing before to compare with."""
    return (now - before) / before if before else None


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel: str
    mentions: int
    share: float  # of all mentions in the period, 0..1
    previous: int
    growth: float | None
    net_sentiment: float | None  # -1..1
    presence: Presence
    recommendation: Recommendation
    reason: str
    reason_code: ReasonCode
    reason_params: MessageParams  # the values `reason` mentions; shares and growth as fractions


@dataclass(frozen=True, slots=True)
class LanguageRow:
    lang: str  # "und" when unknown
    mentions: int
    share: float
    previous: int
    growth: float | None
    net_sentiment: float | None
    covered: bool  # the strategy says the company speaks it


@dataclass(frozen=True, slots=True)
class WhereReport:
    current: Window
    previous: Window
    topics: tuple[str, ...]  # empty: every stored mention
    total: int
    previous_total: int
    channels: tuple[ChannelRow, ...]
    languages: tuple[LanguageRow, ...]


def _tallies(
    conn: Connection, workspace_id: int, topic_ids: list[int], window: Window
) -> tuple[dict[str, Tally], dict[str, Tally]]:
    """(channel -> tally, language -> tally) for the mentions of these topics in the window."""
    statement = select(
        mentions.c.channel, mentions.c.lang, mentions.c.sentiment, func.count().label("n")
    ).where(
        mentions.c.workspace_id == workspace_id,
        mentions.c.created_at >= window.since,
        mentions.c.created_at < window.until,
    )
    if topic_ids:
        # A mention matched by two topics is still one voice in the conversation.
        statement = statement.where(
            mentions.c.id.in_(
                select(mention_topics.c.mention_id).where(mention_topics.c.topic_id.in_(topic_ids))
            )
        )
    statement = statement.group_by(mentions.c.channel, mentions.c.lang, mentions.c.sentiment)
    channels: dict[str, Tally] = defaultdict(Tally)
    langs: dict[str, Tally] = defaultdict(Tally)
    for row in conn.execute(statement):
        channels[row.channel].add(row.sentiment, row.n)
        langs[row.lang or "und"].add(row.sentiment, row.n)
    return channels, langs


def _first_sentence(text: str, limit: int = 60) -> str:
    sentence = text.strip().split(". ")[0].split("; ")[0].rstrip(".")
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def _pct(x: float) -> str:
    return f"{x:.0%}"


@dataclass(frozen=True, slots=True)
class Advice:
    recommendation: Recommendation
    reason: str  # one line, in English
    code: ReasonCode
    params: MessageParams


def recommend(
    channel: str,
    presence: Presence,
    share: float,
    growth: float | None,
    net: float | None,
    decision: str | None,
) -> Advice:
    """What to do about a channel, and the one-line reason."""
    growing = growth is not None and growth >= GROWING and share >= MIN_GROWING_SHARE
    busy = share >= BE_PRESENT_SHARE
    moving = f", up {_pct(growth)}" if growing and growth is not None else ""
    up: MessageParams = {"growth": growth} if growing and growth is not None else {}
    if presence == "present":
        if share == 0 and not growing:
            return Advice(
                "reconsider",
                f"no mentions from {channel} (is a source set up?): keep it only if its purpose "
                "does not depend on customers talking there",
                "present_silent",
                {"channel": channel},
            )
        if share < LOW_SHARE and not growing:
            return Advice(
                "reconsider",
                f"only {_pct(share)} of the conversation is on {channel}: keep it only if its "
                "purpose does not depend on customers talking there",
                "present_quiet",
                {"share": share, "channel": channel},
            )
        if net is not None and net <= -0.3:
            return Advice(
                "keep",
                f"{_pct(share)} of the conversation and mostly negative ({net:+.0%}): customers "
                "need answers here",
                "present_negative",
                {"share": share, "net": net},
            )
        return Advice(
            "keep",
            f"{_pct(share)} of the conversation{moving}: customers are here",
            "present_busy_growing" if up else "present_busy",
            {"share": share, **up},
        )
    if busy or growing:
        if presence == "not present":
            if decision:
                first = _first_sentence(decision)
                return Advice(
                    "be present",
                    f"{_pct(share)} of the conversation{moving}, but the company is not on "
                    f"{channel} (decided: {first}): revisit the decision",
                    "absent_busy_growing_decided" if up else "absent_busy_decided",
                    {"share": share, **up, "channel": channel, "decision": first},
                )
            return Advice(
                "be present",
                f"{_pct(share)} of the conversation{moving}, but the company is not on "
                f"{channel}: revisit the decision",
                "absent_busy_growing" if up else "absent_busy",
                {"share": share, **up, "channel": channel},
            )
        return Advice(
            "be present",
            f"{_pct(share)} of the conversation{moving} and the strategy does not mention "
            f"{channel}: decide to be there",
            "unplanned_busy_growing" if up else "unplanned_busy",
            {"share": share, **up, "channel": channel},
        )
    # Quiet channels: a little conversation, or none at all.
    little = f"only {_pct(share)} of the conversation" if share else "no conversation here"
    quiet: MessageParams = {"share": share} if share else {}
    if presence == "not present":
        return Advice(
            "keep",
            f"{little}: the decision to stay away holds",
            "absent_quiet" if share else "absent_silent",
            quiet,
        )
    return Advice(
        "keep",
        f"{little}: no need to be present (write the decision down)",
        "unplanned_quiet" if share else "unplanned_silent",
        quiet,
    )


def where_are_customers(
    ctx: WorkspaceContext,
    strategy: Strategy | None,
    period: timedelta,
    *,
    now: datetime | None = None,
) -> WhereReport:
    until = now or utcnow()
    current = Window(until - period, until)
    previous = Window(until - 2 * period, until - period)
    with ctx.engine.connect() as conn:
        topics = topic_store.list_all(conn, ctx.workspace.id)
        ids = [t.id for t in topics]
        now_channels, now_langs = _tallies(conn, ctx.workspace.id, ids, current)
        before_channels, before_langs = _tallies(conn, ctx.workspace.id, ids, previous)
    total = sum(t.total for t in now_channels.values())
    previous_total = sum(t.total for t in before_channels.values())
    plans = strategy.channels if strategy else {}

    names = sorted(
        set(now_channels) | set(before_channels) | set(plans),
        key=lambda c: (-now_channels[c].total if c in now_channels else 0, c),
    )
    rows = []
    for name in names:
        tally = now_channels.get(name, Tally())
        before = before_channels.get(name, Tally()).total
        plan = plans.get(name)
        presence: Presence = (
            "not in strategy" if plan is None else "present" if plan.present else "not present"
        )
        share = tally.total / total if total else 0.0
        growth = _growth(tally.total, before)
        advice = recommend(
            name, presence, share, growth, tally.net_sentiment, plan.reason if plan else None
        )
        rows.append(
            ChannelRow(
                name, tally.total, share, before, growth, tally.net_sentiment, presence,
                advice.recommendation, advice.reason, advice.code, advice.params,
            )
        )  # fmt: skip

    spoken = set(strategy.company.languages) if strategy else set()
    if strategy:
        for plan in strategy.channels.values():
            spoken |= set(plan.languages)
    languages = []
    for lang in sorted(now_langs, key=lambda k: (-now_langs[k].total, k)):
        tally = now_langs[lang]
        before = before_langs.get(lang, Tally()).total
        languages.append(
            LanguageRow(
                lang,
                tally.total,
                tally.total / total if total else 0.0,
                before,
                _growth(tally.total, before),
                tally.net_sentiment,
                lang in spoken,
            )
        )
    return WhereReport(
        current,
        previous,
        tuple(t.name for t in topics),
        total,
        previous_total,
        tuple(rows),
        tuple(languages),
    )
