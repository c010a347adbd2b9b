"""The dashboard: what is being said, for a period and a set of topics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from lyssna.core.clock import utcnow
from lyssna.storage import topics as topic_store
from lyssna.web import dashboard as board
from lyssna.web.deps import Access, access, state
from lyssna.web.routes.common import csv_response, optional_int, parse_day, render

router = APIRouter()

PERIODS = ("24h", "7d", "30d", "custom")


@dataclass(frozen=True, slots=True)
class DashboardForm:
    period: str
    since: str
    until: str
    topic_ids: list[int]

    def query_string(self) -> str:
        from urllib.parse import urlencode

        pairs = [("period", self.period)]
        if self.period == "custom":
            pairs += [("since", self.since), ("until", self.until)]
        pairs += [("topic", str(i)) for i in self.topic_ids]
        return urlencode(pairs)


def _form(request: Request) -> DashboardForm:
    params = request.query_params
    period = params.get("period", "7d")
    ids = [i for i in (optional_int(v) for v in params.getlist("topic")) if i is not None]
    return DashboardForm(
        period if period in PERIODS else "7d",
        params.get("since", ""),
        params.get("until", ""),
        ids,
    )


def _build(request: Request, who: Access, form: DashboardForm) -> board.Dashboard:
    tz = who.membership.timezone
    period = board.period_for(
        form.period,
        utcnow(),
        parse_day(form.since, tz),
        parse_day(form.until, tz, end=True),
    )
    with state(request).engine.connect() as conn:
        topics = topic_store.list_all(conn, who.workspace_id)
        known = {t.id for t in topics}
        chosen = [i for i in form.topic_ids if i in known]  # never another workspace's topic
        return board.cached_build(
            conn, who.workspace_id, topics, period, timezone=tz, topic_ids=chosen or None
        )


@router.get("/w/{slug}/")
def dashboard(request: Request, slug: str) -> Response:
    who = access(request, slug)
    form = _form(request)
    data = _build(request, who, form)
    with state(request).engine.connect() as conn:
        topics = topic_store.list_all(conn, who.workspace_id)
    t = who.t
    # What the chart script needs: rows plus translated labels. Read as JSON, never run.
    chart_data: dict[str, Any] = {
        key: {"columns": [t(f"col.{c}") for c in table.columns], "rows": table.rows}
        for key, table in data.tables.items()
    }
    # Time axis labels in the user's language (plotly's own date axis speaks English only).
    chart_data["time_labels"] = [t.bucket(row[0]) for row in data.tables["volume"].rows]
    chart_data["labels"] = {
        "negative": t("sentiment.negative"),
        "neutral": t("sentiment.neutral"),
        "positive": t("sentiment.positive"),
        "net_sentiment": t("col.net_sentiment"),
        "mentions": t("col.mentions"),
    }
    return render(
        request,
        who,
        "dashboard.html",
        data=data,
        form=form,
        topics=topics,
        periods=PERIODS,
        chart_data=chart_data,
        query_string=form.query_string(),
    )


@router.get("/w/{slug}/dashboard/{key}.csv")
def dashboard_csv(request: Request, slug: str, key: str) -> Response:
    who = access(request, slug)
    data = _build(request, who, _form(request))
    table = data.tables.get(key)
    if table is None:
        raise HTTPException(404, "not_found")
    return csv_response(f"{slug}-{key}.csv", table.columns, table.rows)
