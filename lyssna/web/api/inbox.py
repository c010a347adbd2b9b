"""The engagement inbox in the API: list, read, assign, set status, add notes, metrics; write
replies (sent through the mention's source, or handed to an approver), approve or return them,
and say who is writing a reply right now.

Viewers read; responders and up change. A change names the item `version` the client saw; when
someone else changed the item since, the answer is 409 with the current version and status.
A reply is sent within the request when it can go out at once; its `state` in the answer says
how it went (`sent`, `queued` for a retry, `failed` with the platform's reason...).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.inbox import metrics, presence, replies, saved_replies, service, teams
from lyssna.storage import accounts
from lyssna.storage import inbox as store
from lyssna.storage.inbox_replies import Reply
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
    team: str | None = Field(None, description="The team that has it, or null")
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int = Field(description="Send it back with a change; a stale one answers 409")
    at_risk: bool = Field(False, description="Unanswered and 75% or more of the target used")
    breached: bool = Field(False, description="Unanswered past the first-response target")
    mention: s.MentionOut
    cursor: str = Field(description="Pass as `after` to list the items after this one")


class ActivityOut(BaseModel):
    user: str | None = Field(description="Who did it (email); null for the platform")
    action: str
    detail: str | None
    created_at: datetime


class ReplyOut(BaseModel):
    id: int
    item_id: int
    state: Literal[
        "draft", "awaiting_approval", "queued", "sending", "sent", "failed", "unknown",
        "discarded",
    ] = Field(description="failed: the platform refused (see last_error); unknown: nobody can "
              "tell whether it arrived, a person decides (confirm, resend or discard)")  # fmt: skip
    text: str
    author: str | None = Field(description="The author's email")
    approver: str | None = Field(description="Who approved or returned it (email)")
    review_comment: str | None = Field(description="Why an approver returned it")
    platform_id: str | None = Field(description="The reply's id on the platform, once sent")
    url: str | None
    attempts: int
    last_error: str | None = Field(description="The platform's reason, in words")
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class ConversationOut(BaseModel):
    item: ItemOut
    parents: list[s.MentionOut] = Field(description="What the item answers, oldest first")
    replies: list[s.MentionOut] = Field(description="Collected mentions that answer it")
    history: list[ActivityOut]
    earlier_from_author: list[ItemOut]
    outgoing: list[ReplyOut] = Field(description="Replies written in the inbox; sent ones are "
                                     "the company's answers in the thread")  # fmt: skip


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=replies.MAX_LENGTH)
    draft: bool = Field(False, description="Keep it as a draft instead of sending it")
    force: bool = Field(False, description="Send although a colleague is writing a reply")


class ReturnBody(BaseModel):
    comment: str = Field(min_length=1, max_length=2000)


class WriterOut(BaseModel):
    name: str
    email: str
    since: datetime


class PresenceOut(BaseModel):
    writing: list[WriterOut] = Field(description="Colleagues writing a reply to the item now")


class SavedReplyOut(BaseModel):
    name: str
    situation: str
    lang: str
    text: str = Field(description="Filled in for this item and the caller")


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
    by_team: dict[str, StatsOut]


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
        team=v.team,
        created_at=i.created_at,
        updated_at=i.updated_at,
        first_response_at=i.first_response_at,
        resolved_at=i.resolved_at,
        version=i.version,
        at_risk=risk is not None,
        breached=bool(risk and risk.breached),
        mention=s.MentionOut.of(v.mention),
        cursor=service.cursor_of(i),
    )


def _conversation(request: Request, who: Access, item_id: int) -> ConversationOut:
    c = pages.conversation(request, who, item_id)
    emails: dict[int, str] = {}
    with state(request).engine.connect() as conn:
        for a in c.activity:
            if a.user_id is not None and a.user_id not in emails:
                user = accounts.user_by_id(conn, a.user_id)
                emails[a.user_id] = user.email if user else "?"
    risky = pages.risks(pages.target_hours(request, who), [c.item])
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
        outgoing=[_reply_out(o) for o in c.outgoing],
    )


def _reply_out(view: replies.ReplyView) -> ReplyOut:
    r = view.reply
    return ReplyOut(
        id=r.id, item_id=r.item_id, state=r.state, text=r.text, author=view.author_email,
        approver=view.approver_email, review_comment=r.review_comment, platform_id=r.external_id,
        url=r.url, attempts=r.attempts, last_error=r.last_error,
        next_attempt_at=r.next_attempt_at, created_at=r.created_at, updated_at=r.updated_at,
        sent_at=r.sent_at,
    )  # fmt: skip


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


def _versioned(
    request: Request, who: Access, item_id: int, act: Callable[[], object]
) -> ConversationOut | JSONResponse:
    """A change that names the item version it saw: the conversation after it, or 409."""
    try:
        act()
    except ConflictError:
        return _conflict(request, who, item_id)
    return _conversation(request, who, item_id)


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
    view: Literal["all", "mine", "team", "unassigned", "oldest", "replies"] = "all",
    limit: int = Query(50, ge=1, le=500),
    after: str | None = Query(
        None, description="The `cursor` of the last item of the previous page"
    ),
    _who_: auth.Principal = Authenticated,
) -> list[ItemOut]:
    """Open items (or those with `status`), most urgent first; `view=oldest` waits longest first;
    `view=team`: the items of your teams; `view=replies`: items whose reply waits for an
    approver, failed, or may not have arrived."""
    who = _access(request, slug)
    items = pages.open_items(request, who, view=view, status=status, after=after, limit=limit)
    risky = pages.risks(pages.target_hours(request, who), items)
    return [_item_out(v, risky) for v in items]


@router.get("/workspaces/{slug}/inbox/metrics", response_model=InboxMetricsOut)
def inbox_metrics(
    request: Request,
    slug: str,
    period: str = Query("30d", description="24h, 7d, 30d, 4w ..."),
    _who_: auth.Principal = Authenticated,
) -> InboxMetricsOut:
    """First response and resolution times: overall, in and outside office hours, per channel,
    per person (email) and per team."""
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
        by_team={k: _stats(v) for k, v in r.by_team.items()},
    )


# --- teams, rules, approval -----------------------------------------------------------------


class TeamOut(BaseModel):
    name: str
    members: list[str] = Field(description="Emails")


class TeamBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    members: list[str] = Field(default_factory=list, description="Emails of members")


class MemberBody(BaseModel):
    email: str


class RuleOut(BaseModel):
    id: int
    position: int = Field(description="Rules are tried in this order; the first that fits wins")
    channel: str | None
    lang: str | None
    topic: str | None
    team: str | None
    assignee: str | None = Field(description="Email")
    description: str


class RuleBody(BaseModel):
    channel: str | None = None
    lang: str | None = Field(None, description="Two letters: sv, nb, da, fi, en...")
    topic: str | None = Field(None, description="A topic's name")
    team: str | None = None
    assignee: str | None = Field(None, description="A member's email")


class ItemTeamBody(BaseModel):
    team: str | None = Field(description="A team's name; null: no team")
    version: int


class ApprovalOut(BaseModel):
    approval_up_to: Literal["responder", "editor", "admin"] | None = Field(
        description="Replies by members with this role or a weaker one wait for an approver "
        "(a stronger role, editor or up); null: no approval"
    )


def _teams(request: Request, who: Access) -> list[TeamOut]:
    return [
        TeamOut(name=v.team.name, members=v.members)
        for v in teams.list_teams(state(request).engine, who.workspace_id)
    ]


def _rule_out(v: teams.RuleView) -> RuleOut:
    r = v.rule
    return RuleOut(
        id=r.id, position=r.position, channel=r.channel, lang=r.lang, topic=v.topic,
        team=v.team, assignee=v.assignee, description=v.describe(),
    )  # fmt: skip


@router.get("/workspaces/{slug}/inbox/teams", response_model=list[TeamOut])
def list_teams(request: Request, slug: str, _who_: auth.Principal = Authenticated) -> list[TeamOut]:
    return _teams(request, _access(request, slug))


@router.post("/workspaces/{slug}/inbox/teams", response_model=list[TeamOut], status_code=201)
def add_team(
    request: Request, slug: str, body: TeamBody, _who_: auth.Principal = Authenticated
) -> list[TeamOut]:
    """A new team (admins)."""
    who = _access(request, slug, "admin")
    teams.add_team(state(request).engine, who.workspace_id, body.name, body.members)
    return _teams(request, who)


@router.delete("/workspaces/{slug}/inbox/teams/{name}", status_code=204)
def remove_team(
    request: Request, slug: str, name: str, _who_: auth.Principal = Authenticated
) -> Response:
    """Remove a team (admins); its rules go with it, its items keep their assignees."""
    who = _access(request, slug, "admin")
    teams.remove_team(state(request).engine, who.workspace_id, name)
    return Response(status_code=204)


@router.post("/workspaces/{slug}/inbox/teams/{name}/members", response_model=list[TeamOut])
def add_team_member(
    request: Request, slug: str, name: str, body: MemberBody,
    _who_: auth.Principal = Authenticated,
) -> list[TeamOut]:  # fmt: skip
    who = _access(request, slug, "admin")
    teams.set_membership(state(request).engine, who.workspace_id, name, body.email, member=True)
    return _teams(request, who)


@router.delete(
    "/workspaces/{slug}/inbox/teams/{name}/members/{email}", response_model=list[TeamOut]
)
def remove_team_member(
    request: Request, slug: str, name: str, email: str, _who_: auth.Principal = Authenticated
) -> list[TeamOut]:
    who = _access(request, slug, "admin")
    teams.set_membership(state(request).engine, who.workspace_id, name, email, member=False)
    return _teams(request, who)


@router.get("/workspaces/{slug}/inbox/rules", response_model=list[RuleOut])
def list_rules(request: Request, slug: str, _who_: auth.Principal = Authenticated) -> list[RuleOut]:
    who = _access(request, slug)
    return [_rule_out(v) for v in teams.list_rules(state(request).engine, who.workspace_id)]


@router.post("/workspaces/{slug}/inbox/rules", response_model=RuleOut, status_code=201)
def add_rule(
    request: Request, slug: str, body: RuleBody, _who_: auth.Principal = Authenticated
) -> RuleOut:
    """A rule for items entering the inbox, tried after the existing ones (admins). A person
    the strategy does not name for the rule's channel is refused (400)."""
    who = _access(request, slug, "admin")
    view = teams.add_rule(
        state(request).engine, who.workspace_id, channel=body.channel, lang=body.lang,
        topic=body.topic, team=body.team, assignee=body.assignee,
        strategy=pages.strategy_of(request, who),
    )  # fmt: skip
    return _rule_out(view)


@router.delete("/workspaces/{slug}/inbox/rules/{rule_id}", status_code=204)
def remove_rule(
    request: Request, slug: str, rule_id: int, _who_: auth.Principal = Authenticated
) -> Response:
    who = _access(request, slug, "admin")
    teams.remove_rule(state(request).engine, who.workspace_id, rule_id)
    return Response(status_code=204)


@router.post(
    "/workspaces/{slug}/inbox/{item_id}/team", response_model=ConversationOut, responses=_CONFLICT
)
def set_item_team(
    request: Request,
    slug: str,
    item_id: int,
    body: ItemTeamBody,
    _who_: auth.Principal = Authenticated,
) -> ConversationOut | JSONResponse:
    """Give the item to a team (responders and up); its assignee stays."""
    who = _access(request, slug, "responder")
    return _versioned(
        request, who, item_id,
        lambda: teams.give_to_team(
            state(request).engine, who.workspace_id, item_id, body.team,
            seen_version=body.version, by=who.principal.user.email,
        ),
    )  # fmt: skip


@router.get("/workspaces/{slug}/inbox/approval", response_model=ApprovalOut)
def get_approval(request: Request, slug: str, _who_: auth.Principal = Authenticated) -> ApprovalOut:
    who = _access(request, slug)
    up_to = replies.approval_rule(state(request).engine, who.workspace_id)
    return ApprovalOut(approval_up_to=up_to)  # type: ignore[arg-type]


@router.put("/workspaces/{slug}/inbox/approval", response_model=ApprovalOut)
def set_approval(
    request: Request, slug: str, body: ApprovalOut, _who_: auth.Principal = Authenticated
) -> ApprovalOut:
    """Which replies wait for an approver (admins)."""
    who = _access(request, slug, "admin")
    replies.set_approval_rule(state(request).engine, who.workspace_id, body.approval_up_to)
    return body


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
    return _versioned(
        request, who, item_id,
        lambda: service.assign(
            state(request).engine, who.workspace_id, item_id, body.email or None,
            seen_version=body.version, by=who.principal.user.email,
            strategy=pages.strategy_of(request, who),
        ),
    )  # fmt: skip


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
    return _versioned(
        request, who, item_id,
        lambda: service.set_status(
            state(request).engine, who.workspace_id, item_id, body.status,
            seen_version=body.version, by=who.principal.user.email,
        ),
    )  # fmt: skip


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


# --- replies --------------------------------------------------------------------------------


def _reply(request: Request, who: Access, reply: Reply) -> ReplyOut:
    reply = pages.send_now(request, who, reply)
    return _reply_out(replies.get(state(request).engine, who.workspace_id, reply.id))


@router.get("/workspaces/{slug}/inbox/{item_id}/replies", response_model=list[ReplyOut])
def list_replies(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> list[ReplyOut]:
    """The item's replies written in the inbox, oldest first."""
    who = _access(request, slug)
    return [
        _reply_out(v) for v in replies.for_item(state(request).engine, who.workspace_id, item_id)
    ]


@router.post(
    "/workspaces/{slug}/inbox/{item_id}/replies", response_model=ReplyOut, status_code=201,
    responses={409: {"description": "A reply is already on its way, or a colleague is writing "
                     "one (send again with force: true if you agreed who answers)"}},
)  # fmt: skip
def write_reply(
    request: Request,
    slug: str,
    item_id: int,
    body: ReplyBody,
    _who_: auth.Principal = Authenticated,
) -> ReplyOut:
    """Write a reply (responders and up). It is sent at once through the mention's source, or
    waits for an approver when the workspace's approval rule says so; `draft` keeps it."""
    who = _access(request, slug, "responder")
    reply = replies.write(
        state(request).engine, who.workspace_id, item_id, body.text,
        by=who.principal.user.email, strategy=pages.strategy_of(request, who),
        submit=not body.draft, force=body.force,
    )  # fmt: skip
    return _reply(request, who, reply)


@router.put("/workspaces/{slug}/inbox/replies/{reply_id}", response_model=ReplyOut)
def edit_reply(
    request: Request,
    slug: str,
    reply_id: int,
    body: ReplyBody,
    _who_: auth.Principal = Authenticated,
) -> ReplyOut:
    """Change your draft (or a returned or failed reply) and, unless `draft`, send it."""
    who = _access(request, slug, "responder")
    reply = replies.edit(
        state(request).engine, who.workspace_id, reply_id, body.text,
        by=who.principal.user.email, strategy=pages.strategy_of(request, who),
        submit=not body.draft, force=body.force,
    )  # fmt: skip
    return _reply(request, who, reply)


@router.post("/workspaces/{slug}/inbox/replies/{reply_id}/return", response_model=ReplyOut)
def return_reply(
    request: Request,
    slug: str,
    reply_id: int,
    body: ReturnBody,
    _who_: auth.Principal = Authenticated,
) -> ReplyOut:
    """Send a reply waiting for approval back to its author as a draft, saying why."""
    who = _access(request, slug, "responder")
    reply = replies.return_to_author(
        state(request).engine, who.workspace_id, reply_id, body.comment,
        by=who.principal.user.email,
    )  # fmt: skip
    return _reply(request, who, reply)


@router.post("/workspaces/{slug}/inbox/replies/{reply_id}/{action}", response_model=ReplyOut)
def act_on_reply(
    request: Request,
    slug: str,
    reply_id: int,
    action: Literal["approve", "discard", "resend", "confirm"],
    _who_: auth.Principal = Authenticated,
) -> ReplyOut:
    """`approve` a reply waiting for approval (approvers: editors and up, stronger than the
    approval rule's role), which is then sent. The author or an approver may `discard` a reply
    that was not sent, `resend` a failed one (or an unknown one they checked is not on the
    platform), or `confirm` an unknown one they found there."""
    who = _access(request, slug, "responder")
    act = {
        "approve": replies.approve,
        "discard": replies.discard,
        "resend": replies.resend,
        "confirm": replies.confirm_sent,
    }
    reply = act[action](
        state(request).engine, who.workspace_id, reply_id, by=who.principal.user.email
    )
    return _reply(request, who, reply)


@router.get("/workspaces/{slug}/inbox/{item_id}/saved-replies", response_model=list[SavedReplyOut])
def item_saved_replies(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> list[SavedReplyOut]:
    """The strategy's saved replies filled in for this item, the best fit (its situation and
    language) first."""
    who = _access(request, slug)
    c = pages.conversation(request, who, item_id)
    m = c.item.mention
    strategy = pages.strategy_of(request, who)
    situation = saved_replies.situation_of(c.item.item.reasons, m.sentiment)
    user = who.principal.user
    return [
        SavedReplyOut(
            name=r.name, situation=r.situation, lang=r.lang,
            text=saved_replies.fill(
                r, mention=m, strategy=strategy, agent=user.name or user.email.split("@")[0],
                workspace_name=who.membership.workspace_name,
            ),
        )
        for r in saved_replies.for_item(strategy, situation, m.lang)
    ]  # fmt: skip


def _writers(found: list[presence.Writer]) -> PresenceOut:
    return PresenceOut(
        writing=[WriterOut(name=w.name, email=w.email, since=w.since) for w in found]
    )


@router.get("/workspaces/{slug}/inbox/{item_id}/presence", response_model=PresenceOut)
def who_is_writing(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> PresenceOut:
    """Colleagues writing a reply to the item right now (a beat in the last 30 seconds)."""
    who = _access(request, slug)
    return _writers(
        presence.look(state(request).engine, who.workspace_id, item_id, who.principal.user.id)
    )


@router.post("/workspaces/{slug}/inbox/{item_id}/presence", response_model=PresenceOut)
def writing(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> PresenceOut:
    """Say you are writing a reply to the item (repeat every 10 seconds or so while you do);
    answers who else is."""
    who = _access(request, slug, "responder")
    return _writers(
        presence.beat(state(request).engine, who.workspace_id, item_id, who.principal.user.id)
    )


@router.delete("/workspaces/{slug}/inbox/{item_id}/presence", status_code=204)
def stopped_writing(
    request: Request, slug: str, item_id: int, _who_: auth.Principal = Authenticated
) -> Response:
    who = _access(request, slug, "responder")
    presence.leave(state(request).engine, who.workspace_id, item_id, who.principal.user.id)
    return Response(status_code=204)
