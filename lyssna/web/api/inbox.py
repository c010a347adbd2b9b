"""The engagement inbox in the API: list, read, assign, set status, add notes, metrics.

Viewers read; responders and up change. A change names the item `version` the client saw; when
someone else changed the item since, the answer is 409 with the current version and status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.inbox import metrics, service
from lyssna.storage import accounts
from lyssna.storage import inbox as store
from lyssna.web import auth
from lyssna.web.api import schemas as s
from lyssna.web.api.routes import Authenticated, _access
from lyssna.web.deps import Access, state
from lyssna.web.routes import inbox as pages

router = APIRouter(tags=["inbox"])

Status = Literal["new", "assigned", "waiting", "resolved", "spam"]


class ItemOut(BaseModel):
    id: int
    status: str
    priority: int
    reasons: list[str]
    assignee: str | None = Field(description="The assignee's email, or null")
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int = Field(description="Send it back with a change; a stale one answers 409")
    at_risk: bool = Field(False, description="Unanswered and 75% or more of the target used")
    breached: bool = Field(False, description="Unanswered past the first-response target")
    mention: s.MentionOut


class ActivityOut(BaseModel):
    user: str | None = Field(description="Who did it (email); null for the platform")
    action: str
    detail: str | None
    created_at: datetime


class ConversationOut(BaseModel):
    item: ItemOut
    parents: list[s.MentionOut] = Field(description="What the item answers, oldest first")
    replies: list[s.MentionOut]
    history: list[ActivityOut]
    earlier_from_author: list[ItemOut]


class AssignBody(BaseModel):
    email: str | None = Field(description="A member's email; null gives the item back to nobody")
    version: int


class StatusBody(BaseModel):
    status: Status
    version: int


class NoteBody(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ConflictOut(BaseModel):
    detail: str
    item_id: int
    current_version: int
    current_status: str


class StatsOut(BaseModel):
    items: int
    answered: int
    median_hours: float | None
    mean_hours: float | None
    within_target: float | None
    resolved: int
    median_resolution_hours: float | None


class InboxMetricsOut(BaseModel):
    since: datetime
    until: datetime
    target_hours: float | None
    overall: StatsOut
    business_hours: StatsOut
    off_hours: StatsOut
    by_channel: dict[str, StatsOut]
    by_person: dict[str, StatsOut]


_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ConflictOut, "description": "Someone changed the item first"}
}


def _item_out(v: service.ItemView, risky: dict[int, metrics.AtRisk] | None = None) -> ItemOut:
    i = v.item
    risk = (risky or {}).get(i.id)
    return ItemOut(
        id=i.id,
        status=i.status,
        priority=i.priority,
        reasons=i.reasons,
        assignee=v.assignee,
        created_at=i.created_at,
        updated_at=i.updated_at,
        first_response_at=i.first_response_at,
        resolved_at=i.resolved_at,
        version=i.version,
        at_risk=risk is not None,
        breached=bool(risk and risk.breached),
        mention=s.MentionOut.of(v.mention),
    )


def _conversation(request: Request, who: Access, item_id: int) -> ConversationOut:
    c = pages.conversation(request, who, item_id)
    emails: dict[int, str] = {}
    with state(request).engine.connect() as conn:
        for a in c.activity:
            if a.user_id is not None and a.user_id not in emails:
                user = accounts.user_by_id(conn, a.user_id)
                emails[a.user_id] = user.email if user else "?"
    risky = pages.risks(request, who, pages.target_hours(request, who))
    return ConversationOut(
        item=_item_out(c.item, risky),
        parents=[s.MentionOut.of(m) for m in c.parents],
        replies=[s.MentionOut.of(m) for m in c.replies],
        history=[
            ActivityOut(
                user=emails.get(a.user_id) if a.user_id is not None else None,
                action=a.action,
                detail=a.detail,
                created_at=a.created_at,
            )
            for a in c.activity
        ],
        earlier_from_author=[_item_out(e) for e in c.earlier_from_author],
    )


def _conflict(request: Request, who: Access, item_id: int) -> JSONResponse:
    with state(request).engine.connect() as conn:
        current = store.get(conn, who.workspace_id, item_id)
    by = pages.last_changed_by(request, who, item_id) or "someone else"
    body = ConflictOut(
        detail=f"{by} changed item {item_id} since you saw it; get it again and repeat your "
        "change if it is still right",
        item_id=item_id,
        current_version=current.version,
        current_status=current.status,
    )
    return JSONResponse(body.model_dump(), status_code=409)


def _stats(x: metrics.ResponseStats) -> StatsOut:
    return StatsOut(
        items=x.items,
        answered=x.answered,
        median_hours=x.median_hours,
        mean_hours=x.mean_hours,
        within_target=x.within_target,
        resolved=x.resolved,
        median_resolution_hours=x.median_resolution_hours,
    )


@router.get("/workspaces/{slug}/inbox", response_model=list[ItemOut])
def list_inbox(
    request: Request,
    slug: str,
    status: Status | None = None,
    view: Literal["all", "mine", "unassigned", "oldest"] = "all",
    limit: int = Query(50, ge=1, le=500),
    _who_: auth.Principal = Authenticated,
) -> list[ItemOut]:
    """Open items (or those with `status`), most urgent first; `view=oldest` waits longest first."""
    who = _access(request, slug)
    items = pages.open_items(request, who, view=view, status=status, limit=limit)
    risky = pages.risks(request, who, pages.target_hours(request, who))
    return [_item_out(v, risky) for v in items]


@router.get("/workspaces/{slug}/inbox/metrics", response_model=InboxMetricsOut)
def inbox_metrics(
    request: Request,
    slug: str,
    period: str = Query("30d", description="24h, 7d, 30d, 4w ..."),
    _who_: auth.Principal = Authenticated,
) -> InboxMetricsOut:
    """First response and resolution times: overall, in and outside office hours, per channel
    and per person (email)."""
    who = _access(request, slug)
    r = pages.report(request, who, period)
    return InboxMetricsOut(
        since=r.since,
        until=r.until,
        target_hours=r.target_hours,
        overall=_stats(r.overall),
        business_hours=_stats(r.business_hours),
        off_hours=_stats(r.off_hours),
        by_channel={k: _stats(v) for k, v in r.by_channel.items()},
        by_person={k: _stats(v) for k, v in r.by_person.items()},
    )


@router.get("/workspaces/{slug}/inbox/{item_id}", response_model=ConversationOut)
def get_item(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> ConversationOut:
    """The item in its conversation, with its history and the author's earlier items."""
    return _conversation(request, _access(request, slug), item_id)


@router.post(
    "/workspaces/{slug}/inbox/{item_id}/assign", response_model=ConversationOut, responses=_CONFLICT
)
def assign_item(
    request: Request,
    slug: str,
    item_id: int,
    body: AssignBody,
    _who_: auth.Principal = Authenticated,
) -> ConversationOut | JSONResponse:
    """Give the item to a member (responders and up); when the strategy names who answers on
    the item's channel, only they may get it (400 otherwise)."""
    who = _access(request, slug, "responder")
    try:
        service.assign(
            state(request).engine, who.workspace_id, item_id, body.email or None,
            seen_version=body.version, by=who.principal.user.email,
            strategy=pages.strategy_of(request, who),
        )  # fmt: skip
    except ConflictError:
        return _conflict(request, who, item_id)
    return _conversation(request, who, item_id)


@router.post(
    "/workspaces/{slug}/inbox/{item_id}/status", response_model=ConversationOut, responses=_CONFLICT
)
def set_item_status(
    request: Request,
    slug: str,
    item_id: int,
    body: StatusBody,
    _who_: auth.Principal = Authenticated,
) -> ConversationOut | JSONResponse:
    """Set the status (responders and up); resolved and spam record the resolution time."""
    who = _access(request, slug, "responder")
    try:
        service.set_status(
            state(request).engine, who.workspace_id, item_id, body.status,
            seen_version=body.version, by=who.principal.user.email,
        )  # fmt: skip
    except ConflictError:
        return _conflict(request, who, item_id)
    return _conversation(request, who, item_id)


@router.post(
    "/workspaces/{slug}/inbox/{item_id}/notes", response_model=ConversationOut, status_code=201
)
def add_item_note(
    request: Request,
    slug: str,
    item_id: int,
    body: NoteBody,
    _who_: auth.Principal = Authenticated,
) -> ConversationOut:
    """An internal note for colleagues, never sent (responders and up)."""
    who = _access(request, slug, "responder")
    try:
        service.add_note(
            state(request).engine, who.workspace_id, item_id, body.text,
            by=who.principal.user.email,
        )  # fmt: skip
    except NotFoundError:
        raise HTTPException(404, "no such inbox item") from None
    return _conversation(request, who, item_id)
