"""The strategy playbook in the REST API: the document, its report and the text check.

Same document and permissions as the pages (lyssna.web.routes.strategy): every member reads the
document and the report and checks texts; admins and owners replace the document.

A goal's `note`, a crisis `trigger`, a `reason`, a profile item's `message` and `goals_error`
are English; each comes with `<field>_code` and `<field>_params` (a message id and the values it
mentions), as query errors do, so that a client can say it in its own language (the web app's
wording: strategy_messages.<lang>.json).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lyssna.core.records import MessageParams
from lyssna.strategy import Problem
from lyssna.strategy.report import ReportError, parse_period
from lyssna.web import auth
from lyssna.web.api.routes import Authenticated, _access
from lyssna.web.deps import state
from lyssna.web.routes import strategy as pages

router = APIRouter(tags=["strategy"])


class ProblemOut(BaseModel):
    line: int
    column: int
    message: str

    @classmethod
    def of(cls, p: Problem) -> ProblemOut:
        return cls(line=p.line, column=p.column, message=p.message)


class StrategyDocument(BaseModel):
    exists: bool
    document: str | None = Field(description="The YAML text; null when there is none yet")
    valid: bool
    problems: list[ProblemOut]
    base: str = Field(description="Fingerprint of this version; send it back with PUT")


class StrategyBody(BaseModel):
    document: str = Field(max_length=pages.MAX_DOCUMENT_CHARS)
    base: str | None = Field(
        None, description="The `base` read with GET: refuses the save (409) if it changed since"
    )


class InvalidDocument(BaseModel):
    detail: str
    problems: list[ProblemOut]


class GoalOut(BaseModel):
    name: str
    metric: str
    status: Literal["green", "amber", "red", "no data", "not measured"]
    target: float
    unit: str
    at_most: bool
    current: float | None
    previous: float | None
    trend: float | None
    improving: bool | None
    note: str = Field(description="The figures behind the verdict, or why there is none")
    note_code: str = Field(description="Message id of `note`, e.g. brand_mentions")
    note_params: MessageParams = Field(description="The values `note` mentions")


class CrisisOut(BaseModel):
    trigger: str
    trigger_code: str = Field(description="Message id of `trigger`, e.g. net_sentiment_below")
    trigger_params: MessageParams = Field(description="The values `trigger` mentions: limit")
    threshold: float
    peak: float | None
    peak_hour: str | None
    fired: bool


class ChannelOut(BaseModel):
    channel: str
    mentions: int
    share: float
    previous: int
    growth: float | None
    net_sentiment: float | None
    presence: str
    recommendation: str
    reason: str
    reason_code: str = Field(description="Message id of `reason`, e.g. absent_busy_decided")
    reason_params: MessageParams = Field(
        description="The values `reason` mentions; share, growth and net as fractions"
    )


class LanguageOut(BaseModel):
    lang: str
    mentions: int
    share: float
    previous: int
    growth: float | None
    net_sentiment: float | None
    covered: bool


class FlagOut(BaseModel):
    kind: str
    reason: str
    reason_code: str = Field(description="Message id of `reason`, e.g. exclamation_count")
    reason_params: MessageParams = Field(description="The values `reason` mentions")
    start: int = Field(description="Character offset where the span starts (0-based)")
    end: int
    span: str


class ProfileItemOut(BaseModel):
    name: str
    ok: bool
    message: str
    message_code: str = Field(description="Message id of `message`, e.g. not_a_person")
    message_params: MessageParams = Field(
        description="The values `message` mentions (for `advert`: `flags`, in English)"
    )
    flags: list[FlagOut] = Field(
        description="An advert-like description's text-check flags (message_code `advert`)"
    )


class ProfileOut(BaseModel):
    channel: str
    verdict: str
    items: list[ProfileItemOut]


class StrategyReportOut(BaseModel):
    since: datetime
    until: datetime
    brand_topic: str | None
    competitor_topics: list[str]
    goals: list[GoalOut]
    goals_error: str | None = Field(description="Why the goals could not be measured, if so")
    goals_error_code: str | None = Field(
        description="Message id of `goals_error`: topic_not_found or no_brand_topic"
    )
    goals_error_params: MessageParams | None = Field(
        description="The values `goals_error` mentions: field and topic"
    )
    crisis: list[CrisisOut]
    channels: list[ChannelOut]
    languages: list[LanguageOut]
    profiles: list[ProfileOut]


class LintBody(BaseModel):
    text: str = Field(max_length=pages.MAX_LINT_CHARS)
    lang: Literal["sv", "no", "da", "fi", "en"] | None = None
    question: str | None = Field(None, max_length=pages.MAX_LINT_CHARS)
    channel: str | None = Field(None, description="Adds the channel's words to avoid")


class LintResult(BaseModel):
    flags: list[FlagOut]


@router.get("/workspaces/{slug}/strategy", response_model=StrategyDocument)
def get_strategy(
    request: Request, slug: str, _who_: auth.Principal = Authenticated
) -> StrategyDocument:
    """The strategy document (strategy.yaml) and every problem in it, with line and column."""
    who = _access(request, slug)
    text = pages.read_document(pages.strategy_file(state(request).settings, who.slug))
    problems = pages.check_document(text)[1] if text is not None else []
    return StrategyDocument(
        exists=text is not None,
        document=text,
        valid=text is not None and not problems,
        problems=[ProblemOut.of(p) for p in problems],
        base=pages.fingerprint(text),
    )


@router.put(
    "/workspaces/{slug}/strategy",
    response_model=StrategyDocument,
    responses={422: {"model": InvalidDocument, "description": "The document has problems"}},
)
def put_strategy(
    request: Request, slug: str, body: StrategyBody, _who_: auth.Principal = Authenticated
) -> StrategyDocument | JSONResponse:
    """Replace the document (admins and owners). A document with problems is refused with 422
    and nothing is written; the previous version is kept as strategy.yaml.bak."""
    who = _access(request, slug, "admin")
    path = pages.strategy_file(state(request).settings, who.slug)
    text = body.document.replace("\r\n", "\n")
    try:
        problems = pages.save_document(path, text, who, body.base)
    except pages.ChangedMeanwhile as exc:
        raise HTTPException(409, str(exc)) from None
    if problems:
        invalid = InvalidDocument(
            detail=f"the strategy has {len(problems)} problem(s); nothing was saved",
            problems=[ProblemOut.of(p) for p in problems],
        )
        return JSONResponse(invalid.model_dump(), status_code=422)
    return StrategyDocument(
        exists=True, document=text, valid=True, problems=[], base=pages.fingerprint(text)
    )


@router.get("/workspaces/{slug}/strategy/report", response_model=StrategyReportOut)
def strategy_report(
    request: Request,
    slug: str,
    period: str = Query("7d", description="24h, 7d, 30d, 4w...", max_length=10),
    _who_: auth.Principal = Authenticated,
) -> StrategyReportOut | JSONResponse:
    """Each goal against the data (green, amber, red, with the trend), the crisis triggers,
    where the conversation is per channel and language, and the profile check."""
    who = _access(request, slug)
    view = pages.build_view(state(request), who, parse_period(period))
    if not view.exists:
        raise HTTPException(404, "this workspace has no strategy yet")
    if view.strategy is None:
        invalid = InvalidDocument(
            detail=f"the strategy has {len(view.problems)} problem(s); fix it first",
            problems=[ProblemOut.of(p) for p in view.problems],
        )
        return JSONResponse(invalid.model_dump(), status_code=422)
    report, where, error = view.report, view.where, view.report_error
    assert where is not None
    return StrategyReportOut(
        since=where.current.since,
        until=where.current.until,
        brand_topic=report.brand_topic if report else None,
        competitor_topics=list(report.competitor_topics) if report else [],
        goals=[
            GoalOut(
                name=r.goal.name,
                metric=r.goal.metric,
                status=r.status,
                target=r.target,
                unit=r.unit,
                at_most=r.at_most,
                current=r.current,
                previous=r.previous,
                trend=r.trend,
                improving=r.improving,
                note=r.note,
                note_code=r.note_code,
                note_params=r.note_params,
            )
            for r in (report.results if report else ())
        ],
        goals_error=str(error) if error else None,
        goals_error_code=error.code if isinstance(error, ReportError) else None,
        goals_error_params=error.params if isinstance(error, ReportError) else None,
        crisis=[
            CrisisOut.model_validate(c, from_attributes=True)
            for c in (report.crisis if report else ())
        ],
        channels=[ChannelOut.model_validate(c, from_attributes=True) for c in where.channels],
        languages=[
            LanguageOut(
                lang=lang.lang,
                mentions=lang.mentions,
                share=lang.share,
                previous=lang.previous,
                growth=lang.growth,
                net_sentiment=lang.net_sentiment,
                covered=lang.covered,
            )
            for lang in where.languages
        ],
        profiles=[
            ProfileOut(
                channel=v.channel,
                verdict=v.verdict,
                items=[ProfileItemOut.model_validate(i, from_attributes=True) for i in v.items],
            )
            for v in view.profiles
        ],
    )


@router.post("/workspaces/{slug}/strategy/lint", response_model=LintResult)
def lint_text(
    request: Request, slug: str, body: LintBody, _who_: auth.Principal = Authenticated
) -> LintResult:
    """The text check: sales talk, bragging, calls to action, exclamation marks, shouting, an
    unanswered question, and the strategy's words to avoid (with the channel's)."""
    who = _access(request, slug)
    strategy = pages.current_strategy(state(request), who.slug)
    flags = pages.lint_text(
        strategy, body.text, body.lang or "", body.question or "", body.channel or ""
    )
    return LintResult(flags=[FlagOut.model_validate(f, from_attributes=True) for f in flags])
