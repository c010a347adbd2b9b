"""The mention explorer: search, filter, read, correct a sentiment, export."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import islice
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import distinct, select

from lyssna import corrections
from lyssna.core.errors import QuerySyntaxError, UserError
from lyssna.core.records import SENTIMENTS
from lyssna.query import parse
from lyssna.storage import accounts
from lyssna.storage import topics as topic_store
from lyssna.storage.mentions import topic_names_for
from lyssna.storage.schema import mentions as mention_table
from lyssna.web import dashboard, explorer
from lyssna.web.deps import Access, access, check_csrf, state
from lyssna.web.routes.common import csv_response, optional_int, parse_day, redirect, render

router = APIRouter()

EXPORT_COLUMNS = [
    "id", "created_at", "channel", "author", "followers", "lang", "sentiment", "likes", "shares",
    "replies", "url", "topics", "text",
]  # fmt: skip


def _request(request: Request, who: Access) -> explorer.SearchRequest:
    p = request.query_params
    tz = who.membership.timezone
    return explorer.SearchRequest(
        q=p.get("q", "")[:2000],
        topic_id=optional_int(p.get("topic")),
        channel=p.get("channel") or None,
        lang=p.get("lang") or None,
        sentiment=p.get("sentiment") or None,
        since=parse_day(p.get("since"), tz),
        until=parse_day(p.get("until"), tz, end=True),
        page=optional_int(p.get("page")) or 1,
    )


_CHOICES_TTL = 300.0
_choices_cache: dict[tuple[int, int], tuple[float, dict[str, list[str]]]] = {}


def _choices(request: Request, who: Access) -> dict[str, list[str]]:
    """The channels and languages present in the workspace, for the filter dropdowns.

    Finding them reads every mention, so they are remembered for a few minutes per workspace.
    """
    key = (id(state(request).engine), who.workspace_id)
    cached = _choices_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    with state(request).engine.connect() as conn:
        values = {}
        for name, column in (
            ("channels", mention_table.c.channel),
            ("langs", mention_table.c.lang),
        ):
            rows = conn.execute(
                select(distinct(column)).where(
                    mention_table.c.workspace_id == who.workspace_id, column.is_not(None)
                )
            )
            values[name] = sorted(r[0] for r in rows)
    _choices_cache[key] = (time.monotonic() + _CHOICES_TTL, values)
    return values


@router.get("/w/{slug}/mentions")
def explore(request: Request, slug: str) -> Response:
    who = access(request, slug)
    req = _request(request, who)
    result: explorer.SearchResult | None = None
    error: UserError | None = None
    status = 200
    try:
        with state(request).engine.connect() as conn:
            if req.topic_id is not None:
                ids = {t.id for t in topic_store.list_all(conn, who.workspace_id)}
                if req.topic_id not in ids:
                    raise UserError("unknown topic")
            result = explorer.search(conn, who.workspace_id, req)
    except UserError as exc:  # QuerySyntaxError included: the page marks its column
        error, status = exc, 400
    with state(request).engine.connect() as conn:
        topics = topic_store.list_all(conn, who.workspace_id)
    params = {k: v for k, v in request.query_params.items() if k != "page"}
    return render(
        request,
        who,
        "explorer.html",
        status_code=status,
        req=req,
        result=result,
        error=error,
        topics=topics,
        sentiments=SENTIMENTS,
        choices=_choices(request, who),
        base_query=urlencode(params),
        params=request.query_params,
    )


@router.get("/w/{slug}/mentions.csv")
def export(request: Request, slug: str) -> Response:
    who = access(request, slug)
    req = _request(request, who)
    engine = state(request).engine
    explorer.compile_request(req)  # a malformed query fails here, before streaming starts

    def rows() -> Iterator[list[object]]:
        with engine.connect() as conn:
            found = explorer.export(conn, who.workspace_id, req)
            while chunk := list(islice(found, 500)):
                names = topic_names_for(conn, [m.id for m in chunk])
                for m in chunk:
                    a = m.author
                    yield [
                        m.id, m.created_at.isoformat(), m.channel, a.handle if a else None,
                        a.followers if a else None, m.lang, m.sentiment, m.metrics.likes,
                        m.metrics.shares, m.metrics.replies, m.url, "; ".join(names[m.id]),
                        m.text,
                    ]  # fmt: skip

    return csv_response(f"{slug}-mentions.csv", EXPORT_COLUMNS, rows())


@router.get("/w/{slug}/mentions/{mention_id}")
def mention(request: Request, slug: str, mention_id: int) -> Response:
    who = access(request, slug)
    with state(request).engine.connect() as conn:
        found = explorer.find_mention(conn, who.workspace_id, mention_id)
        corrections = accounts.corrections_for(conn, mention_id) if found else []
    if found is None:
        raise HTTPException(404, "not_found")
    q = request.query_params.get("q", "")
    hit = explorer.hit(found, None)
    if q:
        try:
            hit = explorer.hit(found, parse(q))
        except QuerySyntaxError:
            pass
    return render(
        request,
        who,
        "mention.html",
        hit=hit,
        corrections=corrections,
        sentiments=SENTIMENTS,
        done=request.query_params.get("done"),
    )


@router.post("/w/{slug}/mentions/{mention_id}/sentiment")
def correct(
    request: Request,
    slug: str,
    mention_id: int,
    sentiment: str = Form(...),
    csrf: str = Form(""),
    back: str = Form(""),
) -> Response:
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    if sentiment not in SENTIMENTS:
        raise HTTPException(400, "unknown sentiment")
    # Stored at once; every few corrections the workspace's analyser learns from them.
    corrections.correct(
        state(request).engine, who.workspace_id, mention_id, sentiment, who.principal.user.id
    )
    dashboard.forget(who.workspace_id)
    # Back to the explorer page the form was on, or to the mention.
    if back.startswith(f"/w/{slug}/mentions"):
        return redirect(back)
    return redirect(f"/w/{slug}/mentions/{mention_id}?done=corrected")
