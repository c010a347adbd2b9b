"""Response-time metrics as the industry defines them, and warnings before a target is missed.
Per channel, per person (the assignee) and per team.

First response time: from the customer's mention to the company's first answer. Average response
time here is the mean of first response times (the median is shown beside it, since a few very
late answers pull the mean). Resolution time: from the mention to the item's resolution.
Business hours are the workspace's weekdays 08:00-17:00 in its time zone; items that arrived
outside them are counted apart, because a night-time question answered at 08:30 is not slow.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from lyssna.core.clock import utcnow
from lyssna.storage import accounts
from lyssna.storage import inbox as store
from lyssna.storage import inbox_teams as team_store

BUSINESS_START, BUSINESS_END = 8, 17
WARN_AT = 0.75  # warn when an unanswered item has used this share of its target


@dataclass(frozen=True, slots=True)
class ResponseStats:
    items: int
    answered: int
    median_hours: float | None
    mean_hours: float | None
    within_target: float | None  # share of answered items answered within the target
    resolved: int
    median_resolution_hours: float | None


@dataclass(frozen=True, slots=True)
class MetricsReport:
    since: datetime
    until: datetime
    target_hours: float | None
    overall: ResponseStats
    business_hours: ResponseStats
    off_hours: ResponseStats
    by_channel: dict[str, ResponseStats] = field(default_factory=dict)
    by_person: dict[str, ResponseStats] = field(default_factory=dict)
    by_team: dict[str, ResponseStats] = field(default_factory=dict)  # items of no team left out


@dataclass(frozen=True, slots=True)
class AtRisk:
    item_id: int
    waited_hours: float
    target_hours: float
    breached: bool


def in_business_hours(moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone)
    return local.weekday() < 5 and BUSINESS_START <= local.hour < BUSINESS_END


def _hours(delta: timedelta) -> float:
    return max(0.0, delta.total_seconds() / 3600)


def _stats(items: Sequence[store.Item], target_hours: float | None) -> ResponseStats:
    firsts = [_hours(i.first_response_at - i.created_at) for i in items if i.first_response_at]
    resolutions = [_hours(i.resolved_at - i.created_at) for i in items if i.resolved_at]
    within = None
    if target_hours is not None and firsts:
        within = sum(h <= target_hours for h in firsts) / len(firsts)
    return ResponseStats(
        items=len(items),
        answered=len(firsts),
        median_hours=statistics.median(firsts) if firsts else None,
        mean_hours=statistics.fmean(firsts) if firsts else None,
        within_target=within,
        resolved=len(resolutions),
        median_resolution_hours=statistics.median(resolutions) if resolutions else None,
    )


def response_metrics(
    engine: Engine,
    workspace_id: int,
    *,
    since: datetime,
    until: datetime | None = None,
    target_hours: float | None = None,
    timezone: str = "UTC",
) -> MetricsReport:
    until = until or utcnow()
    zone = ZoneInfo(timezone)
    with engine.connect() as conn:
        rows = store.created_between(conn, workspace_id, since, until)
        team_names = {t.id: t.name for t in team_store.teams(conn, workspace_id)}
        names: dict[int, str] = {}
        for item, _ in rows:
            if item.assignee_id and item.assignee_id not in names:
                user = accounts.user_by_id(conn, item.assignee_id)
                names[item.assignee_id] = user.email if user else "?"
    by_channel: dict[str, list[store.Item]] = defaultdict(list)
    by_person: dict[str, list[store.Item]] = defaultdict(list)
    by_team: dict[str, list[store.Item]] = defaultdict(list)
    business: list[store.Item] = []
    off: list[store.Item] = []
    for item, channel in rows:
        by_channel[channel].append(item)
        by_person[
            names.get(item.assignee_id, "(nobody)") if item.assignee_id else "(nobody)"
        ].append(item)
        if item.team_id in team_names:
            by_team[team_names[item.team_id]].append(item)
        (business if in_business_hours(item.created_at, zone) else off).append(item)
    items = [i for i, _ in rows]
    return MetricsReport(
        since=since,
        until=until,
        target_hours=target_hours,
        overall=_stats(items, target_hours),
        business_hours=_stats(business, target_hours),
        off_hours=_stats(off, target_hours),
        by_channel={k: _stats(v, target_hours) for k, v in sorted(by_channel.items())},
        by_person={k: _stats(v, target_hours) for k, v in sorted(by_person.items())},
        by_team={k: _stats(v, target_hours) for k, v in sorted(by_team.items())},
    )


def risk_of(
    items: Sequence[store.Item], target_hours: float, *, now: datetime | None = None
) -> dict[int, AtRisk]:
    """Which of these items are open, unanswered and have used WARN_AT of their target or more."""
    now = now or utcnow()
    found = {}
    for item in items:
        if item.first_response_at is not None or item.status not in store.OPEN_STATUSES:
            continue
        waited = _hours(now - item.created_at)
        if waited >= WARN_AT * target_hours:
            found[item.id] = AtRisk(item.id, waited, target_hours, waited > target_hours)
    return found


def at_risk(
    engine: Engine, workspace_id: int, target_hours: float, *, now: datetime | None = None
) -> list[AtRisk]:
    """Every open, unanswered item that used WARN_AT of its target or more, most urgent first."""
    now = now or utcnow()
    with engine.connect() as conn:
        items = store.unanswered_since(
            conn, workspace_id, now - timedelta(hours=WARN_AT * target_hours)
        )
    return sorted(risk_of(items, target_hours, now=now).values(), key=lambda r: -r.waited_hours)
