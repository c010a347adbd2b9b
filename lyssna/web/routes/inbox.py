"""The engagement inbox: the mentions that need an answer, who has them, and how fast we are.

Viewers read; responders and up assign, change status and write notes. Every change names the
item version its form was rendered with, so a stale form shows a conflict instead of overwriting
a colleague's change.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from babel.dates import format_timedelta
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError, UserError
from lyssna.inbox import metrics, presence, replies, saved_replies, sending, service, teams
from lyssna.inbox.answerers import may_answer, workspace_strategy
from lyssna.inbox.targets import ReplyGuidance, first_response_target, reply_guidance
from lyssna.storage import accounts
from lyssna.storage import topics as topic_store
from lyssna.storage.inbox import OPEN_STATUSES, STATUSES
from lyssna.storage.inbox_replies import PENDING_STATES, Reply
from lyssna.strategy.report import parse_period
from lyssna.strategy.schema import KNOWN_CHANNELS, Strategy
from lyssna.web.deps import Access, access, check_csrf, state
from lyssna.web.i18n import Translator
from lyssna.web.routes.common import csv_response, optional_int, redirect, render

router = APIRouter()

View = Literal["all", "mine", "team", "unassigned", "oldest", "replies"]
# "team": the items of the viewer's teams; "replies": items whose reply waits for an approver,
# failed, or may not have arrived.
VIEWS: tuple[View, ...] = ("all", "mine", "team", "unassigned", "oldest", "replies")
LIST_LIMIT = 50  # a page; the next one starts after its last item (keyset pagination)
_MENTION = re.compile(r"(?<![\w.])@[\w.\-]*\w")
_REACH = re.compile(r"^reach ([\d,]+)$")


# --- shared with the API --------------------------------------------------------------------


def strategy_of(request: Request, who: Access) -> Strategy | None:
    """The workspace's strategy (None: none, or invalid); assignment follows its channel plans."""
    return workspace_strategy(state(request).settings.home, who.slug)


def target_hours(request: Request, who: Access) -> float | None:
    return first_response_target(state(request).settings.home, who.slug)


def open_items(
    request: Request,
    who: Access,
    *,
    view: str = "all",
    status: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> list[service.ItemView]:
    """Sync the inbox, then a page of one saved view's items, most urgent first (or oldest
    first), after the item the `after` cursor names."""
    limit = limit or LIST_LIMIT
    if status is not None and status not in STATUSES:
        raise UserError(f"unknown status {status!r}: use {', '.join(STATUSES)}")
    engine = state(request).engine
    service.sync(engine, who.workspace_id)
    if view == "replies":
        ids = list(
            dict.fromkeys(
                v.reply.item_id for v in replies.needing_attention(engine, who.workspace_id)
            )
        )
        return service.items_by_id(engine, who.workspace_id, ids[:limit])
    team_ids = None
    if view == "team":
        team_ids = tuple(
            t.id for t in teams.teams_of(engine, who.workspace_id, who.principal.user.id)
        )
    return service.list_items(
        engine,
        who.workspace_id,
        statuses=(status,) if status else OPEN_STATUSES,
        assignee_email=who.principal.user.email if view == "mine" else None,
        unassigned=view == "unassigned",
        team_ids=team_ids,
        oldest_first=view == "oldest",
        after=service.position(after),
        limit=limit,
    )


def risks(target: float | None, items: list[service.ItemView]) -> dict[int, metrics.AtRisk]:
    """Which of the items shown are about to miss the first-response target, or missed it."""
    if target is None:
        return {}
    return metrics.risk_of([v.item for v in items], target)


def member_emails(request: Request, who: Access) -> list[str]:
    with state(request).engine.connect() as conn:
        return sorted(m.user.email for m in accounts.members_of(conn, who.workspace_id))


def answerers(request: Request, who: Access, channel: str) -> list[str]:
    """Members who may take an item on `channel` (the strategy may name some for it)."""
    strategy = strategy_of(request, who)
    with state(request).engine.connect() as conn:
        members = accounts.members_of(conn, who.workspace_id)
    return sorted(
        m.user.email
        for m in members
        if may_answer(strategy, channel, name=m.user.name, email=m.user.email).allowed
    )


def user_names(request: Request, ids: set[int]) -> dict[int, str]:
    with state(request).engine.connect() as conn:
        found = {i: accounts.user_by_id(conn, i) for i in ids}
    return {i: (u.name or u.email) if u else "?" for i, u in found.items()}


def conversation(request: Request, who: Access, item_id: int) -> service.Conversation:
    try:
        return service.open_item(state(request).engine, who.workspace_id, item_id)
    except NotFoundError:
        raise HTTPException(404, "not_found") from None


def last_changed_by(request: Request, who: Access, item_id: int) -> str | None:
    """Who made the item's latest recorded change (for the conflict message)."""
    c = conversation(request, who, item_id)
    for a in reversed(c.activity):
        if a.action in ("assigned", "status") and a.user_id is not None:
            return user_names(request, {a.user_id})[a.user_id]
    return None


def report(request: Request, who: Access, period: str) -> metrics.MetricsReport:
    span = parse_period(period)
    service.sync(state(request).engine, who.workspace_id)
    return metrics.response_metrics(
        state(request).engine,
        who.workspace_id,
        since=utcnow() - span,
        target_hours=target_hours(request, who),
        timezone=who.membership.timezone,
    )


@dataclass(frozen=True, slots=True)
class MetricRow:
    group: str  # overall, channel, person
    key: str  # stable name for the CSV: all, office_hours, a channel, an email, (nobody)
    label: str  # shown on the page
    stats: metrics.ResponseStats


def metric_rows(t: Translator, r: metrics.MetricsReport) -> list[MetricRow]:
    """Every table row: overall, in and outside office hours, per channel, person and team."""
    rows = [
        MetricRow("overall", "all", t("inbox.metrics.all"), r.overall),
        MetricRow("overall", "office_hours", t("inbox.metrics.office"), r.business_hours),
        MetricRow("overall", "outside_office_hours", t("inbox.metrics.off"), r.off_hours),
    ]
    rows += [MetricRow("channel", name, name, s) for name, s in r.by_channel.items()]
    rows += [
        MetricRow("person", name, t("inbox.nobody") if name == "(nobody)" else name, s)
        for name, s in r.by_person.items()
    ]
    rows += [MetricRow("team", name, name, s) for name, s in r.by_team.items()]
    return rows


# --- page helpers ---------------------------------------------------------------------------


def reason_label(t: Translator, reason: str) -> str:
    reach = _REACH.match(reason)
    if reach:
        return t("inbox.reason.reach", followers=t.number(int(reach.group(1).replace(",", ""))))
    return t.label("inbox.reason", reason)


def age(t: Translator, since: datetime) -> str:
    """How long ago, in words ("3 hours"). Rounded before formatting (to the second, minute or
    hour, finer than the words shown), so a page of 50 rows reuses the same few texts."""
    seconds = max(0, int((utcnow() - since).total_seconds()))
    step = 1 if seconds < 60 else 60 if seconds < 2 * 86400 else 3600
    return _age_text(t.locale, seconds // step * step)


@functools.lru_cache(maxsize=4096)
def _age_text(locale: str, seconds: int) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=1.1, locale=locale)


def hours(t: Translator, value: float | None) -> str:
    if value is None:
        return "–"
    if value < 1:
        return t("inbox.minutes", n=t.number(round(value * 60)))
    return t("inbox.hours", n=t.number(value, 1))


def mention_segments(text: str) -> list[tuple[str, bool]]:
    """A note as (piece, is @mention) pieces, for highlighting colleagues it names."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for found in _MENTION.finditer(text):
        if found.start() > last:
            pieces.append((text[last : found.start()], False))
        pieces.append((found.group(0), True))
        last = found.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    who: str
    action: str
    detail: str | None
    created_at: datetime
    segments: list[tuple[str, bool]]


def _helpers(t: Translator) -> dict[str, Any]:
    return {
        "reason_label": lambda r: reason_label(t, r),
        "age": lambda d: age(t, d),
        "hours": lambda h: hours(t, h),
    }


# --- pages ----------------------------------------------------------------------------------


@router.get("/w/{slug}/inbox")
def inbox(request: Request, slug: str) -> Response:
    who = access(request, slug)
    p = request.query_params
    view = p.get("view", "all")
    if view not in VIEWS:
        view = "all"
    status = p.get("status") or None
    if status not in STATUSES:
        status = None
    target = target_hours(request, who)
    after = p.get("after") or None
    try:
        items = open_items(request, who, view=view, status=status, after=after)
    except UserError:  # a cursor mangled in the address bar: start from the top
        items, after = open_items(request, who, view=view, status=status), None
    more = None
    if len(items) == LIST_LIMIT and view != "replies":
        query = {"view": view, "after": service.cursor_of(items[-1].item)}
        more = "?" + urlencode({**query, "status": status} if status else query)
    conflicts = [c for c in p.get("conflicts", "").split(",") if c.isdigit()]
    refused = [c for c in p.get("refused", "").split(",") if c.isdigit()]
    return render(
        request,
        who,
        "inbox.html",
        nav="inbox",
        items=items,
        reply_states=replies.latest_states(
            state(request).engine, who.workspace_id, [v.item.id for v in items]
        ),
        risky=risks(target, items),
        target=target,
        view=view,
        views=VIEWS,
        status=status,
        statuses=STATUSES,
        members=member_emails(request, who),
        done=optional_int(p.get("done")),
        conflicts=conflicts,
        refused=refused,
        more=more,
        paged=after is not None,
        **_helpers(who.t),
    )


@router.post("/w/{slug}/inbox/bulk")
def bulk(
    request: Request,
    slug: str,
    items: list[str] = Form([]),
    action: str = Form(""),
    assignee: str = Form(""),
    status: str = Form(""),
    back: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Assign or set the status of several items; each checks its own version."""
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    if action not in ("assign", "status") or (action == "status" and status not in STATUSES):
        raise HTTPException(400, who.t("inbox.bulk.choose"))
    engine = state(request).engine
    strategy = strategy_of(request, who) if action == "assign" else None
    done, conflicts, refused = 0, [], []
    for entry in items:
        item_text, _, version_text = entry.partition(":")
        item_id, version = optional_int(item_text), optional_int(version_text)
        if item_id is None or version is None:
            continue
        try:
            if action == "assign":
                service.assign(
                    engine, who.workspace_id, item_id, assignee or None,
                    seen_version=version, by=who.principal.user.email, strategy=strategy,
                )  # fmt: skip
            else:
                service.set_status(
                    engine, who.workspace_id, item_id, status,
                    seen_version=version, by=who.principal.user.email,
                )  # fmt: skip
            done += 1
        except ConflictError:
            conflicts.append(str(item_id))
        except NotFoundError:
            continue
        except UserError:  # not a member, or the strategy names others for the channel
            refused.append(str(item_id))
    query = urlencode(
        {"done": done, "conflicts": ",".join(conflicts), "refused": ",".join(refused)}
    )
    target = back if back.startswith(f"/w/{slug}/inbox") and "?" not in back else f"/w/{slug}/inbox"
    return redirect(f"{target}?{query}")


METRIC_COLUMNS = [
    "group", "name", "items", "answered", "median_first_response_hours",
    "mean_first_response_hours", "share_within_target", "resolved", "median_resolution_hours",
]  # fmt: skip


def _period(request: Request) -> str:
    period = request.query_params.get("period", "30d")
    try:
        parse_period(period)
    except UserError:
        return "30d"
    return period


@router.get("/w/{slug}/inbox/metrics")
def metrics_page(request: Request, slug: str) -> Response:
    who = access(request, slug)
    period = _period(request)
    r = report(request, who, period)
    return render(
        request,
        who,
        "inbox_metrics.html",
        nav="inbox",
        views=VIEWS,
        status=None,
        statuses=STATUSES,
        period=period,
        periods=("24h", "7d", "30d", "90d"),
        report=r,
        rows=metric_rows(who.t, r),
        **_helpers(who.t),
    )


@router.get("/w/{slug}/inbox/metrics.csv")
def metrics_csv(request: Request, slug: str) -> Response:
    who = access(request, slug)
    period = _period(request)
    r = report(request, who, period)
    rows = [
        [row.group, row.key, s.items, s.answered, s.median_hours, s.mean_hours, s.within_target,
         s.resolved, s.median_resolution_hours]
        for row in metric_rows(who.t, r)
        for s in (row.stats,)
    ]  # fmt: skip
    return csv_response(f"{slug}-inbox-metrics-{period}.csv", METRIC_COLUMNS, rows)


# --- teams, rules and approval --------------------------------------------------------------


def _teams_page(
    request: Request, who: Access, *, status_code: int = 200, error: str | None = None
) -> Response:
    engine = state(request).engine
    with engine.connect() as conn:
        topic_names = [t.name for t in topic_store.list_all(conn, who.workspace_id)]
    return render(
        request,
        who,
        "inbox_teams.html",
        status_code=status_code,
        nav="inbox",
        views=VIEWS,
        status=None,
        statuses=STATUSES,
        teams=teams.list_teams(engine, who.workspace_id),
        rules=teams.list_rules(engine, who.workspace_id),
        approval=replies.approval_rule(engine, who.workspace_id),
        approval_roles=replies.APPROVAL_ROLES,
        members=member_emails(request, who),
        channels=KNOWN_CHANNELS,
        topics=topic_names,
        done=None if error else request.query_params.get("done"),
        error=error,
    )


@router.get("/w/{slug}/inbox/teams")
def teams_page(request: Request, slug: str) -> Response:
    """Teams, assignment rules and the approval rule (admins change them)."""
    return _teams_page(request, access(request, slug))


@router.post("/w/{slug}/inbox/teams")
def change_teams(
    request: Request,
    slug: str,
    do: str = Form(""),
    name: str = Form(""),
    email: str = Form(""),
    channel: str = Form(""),
    lang: str = Form(""),
    topic: str = Form(""),
    team: str = Form(""),
    rule: int = Form(0),
    role: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    engine, ws = state(request).engine, who.workspace_id
    acts: dict[str, Callable[[], object]] = {
        "add_team": lambda: teams.add_team(engine, ws, name),
        "remove_team": lambda: teams.remove_team(engine, ws, name),
        "add_member": lambda: teams.set_membership(engine, ws, name, email, member=True),
        "remove_member": lambda: teams.set_membership(engine, ws, name, email, member=False),
        "add_rule": lambda: teams.add_rule(
            engine, ws, channel=channel or None, lang=lang or None, topic=topic or None,
            team=team or None, assignee=email or None, strategy=strategy_of(request, who),
        ),
        "remove_rule": lambda: teams.remove_rule(engine, ws, rule),
        "approval": lambda: replies.set_approval_rule(engine, ws, role or None),
    }  # fmt: skip
    if do not in acts:
        raise HTTPException(400, who.t("inbox.teams.choose"))
    try:
        acts[do]()
    except UserError as exc:
        return _teams_page(request, who, status_code=400, error=str(exc))
    return redirect(f"/w/{slug}/inbox/teams?done={do}")


@dataclass(frozen=True, slots=True)
class ReplyBox:
    """The reply part of an item page."""

    cannot_send: str | None  # why replies cannot go out from Lyssna here
    needs_approval: bool  # the viewer's replies wait for an approver
    may_approve: bool
    text: str  # what the box holds (a saved reply inserted, or what was refused)
    chosen: str | None  # the saved reply inserted
    writers: list[presence.Writer]  # colleagues writing a reply right now
    pending: bool  # a reply is on its way: no second one until it settles
    force: bool = False  # the viewer was warned about a colleague; the next send goes anyway
    open_replies: list[replies.ReplyView] = field(default_factory=list)


def reply_box(
    request: Request,
    who: Access,
    c: service.Conversation,
    guidance: ReplyGuidance,
    *,
    text: str = "",
    force: bool = False,
) -> ReplyBox:
    engine = state(request).engine
    chosen = request.query_params.get("saved") or None
    if chosen and not text:
        strategy = strategy_of(request, who)
        try:
            saved = saved_replies.find(strategy, chosen)
            text = saved_replies.fill(
                saved, mention=c.item.mention, strategy=strategy,
                agent=who.principal.user.name or who.principal.user.email.split("@")[0],
                workspace_name=who.membership.workspace_name,
            )  # fmt: skip
        except UserError:
            chosen = None
    with engine.connect() as conn:
        cannot_send = sending.why_cannot_send(conn, who.workspace_id, c.item.item)
        writers = presence.writers(conn, c.item.item.id, except_user=who.principal.user.id)
    up_to = replies.approval_rule(engine, who.workspace_id)
    return ReplyBox(
        cannot_send=cannot_send,
        needs_approval=replies.needs_approval(up_to, who.role),
        may_approve=replies.may_approve(up_to, who.role),
        text=text,
        chosen=chosen,
        writers=writers,
        pending=any(o.reply.state in PENDING_STATES for o in c.outgoing),
        force=force,
        open_replies=[o for o in c.outgoing if o.reply.state not in ("sent", "discarded")],
    )


def _item_page(
    request: Request,
    who: Access,
    item_id: int,
    *,
    status_code: int = 200,
    conflict: str | None = None,
    error: str | None = None,
    text: str = "",
    force: bool = False,
) -> Response:
    c = conversation(request, who, item_id)
    names = user_names(request, {a.user_id for a in c.activity if a.user_id is not None})
    history = [
        HistoryEntry(
            names[a.user_id] if a.user_id is not None else "",
            a.action,
            a.detail,
            a.created_at,
            mention_segments(a.detail or "") if a.action == "note" else [],
        )
        for a in c.activity
    ]
    m = c.item.mention
    guidance = reply_guidance(
        state(request).settings.home, who.slug, c.item.item.reasons,
        sentiment=m.sentiment, lang=m.lang,
    )  # fmt: skip
    target = target_hours(request, who)
    return render(
        request,
        who,
        "inbox_item.html",
        status_code=status_code,
        nav="inbox",
        c=c,
        v=c.item,
        history=history,
        members=answerers(request, who, c.item.mention.channel),
        team_names=[t.team.name for t in teams.list_teams(state(request).engine, who.workspace_id)],
        statuses=STATUSES,
        risk=risks(target, [c.item]).get(item_id),
        target=target,
        guidance=guidance,
        box=reply_box(request, who, c, guidance, text=text, force=force),
        conflict=conflict,
        error=error,
        done=request.query_params.get("done"),
        **_helpers(who.t),
    )


@router.get("/w/{slug}/inbox/{item_id}")
def item(request: Request, slug: str, item_id: int) -> Response:
    who = access(request, slug)
    return _item_page(request, who, item_id)


def _conflict(request: Request, who: Access, item_id: int) -> Response:
    name = last_changed_by(request, who, item_id) or who.t("inbox.someone")
    message = who.t("inbox.conflict", who=name)
    return _item_page(request, who, item_id, status_code=409, conflict=message)


def _change(
    request: Request, who: Access, item_id: int, act: Callable[[], object], done: str
) -> Response:
    """Make a change to the item, and show the item with how it went."""
    try:
        act()
    except ConflictError:
        return _conflict(request, who, item_id)
    except NotFoundError:
        raise HTTPException(404, "not_found") from None
    except UserError as exc:
        return _item_page(request, who, item_id, status_code=400, error=str(exc))
    return redirect(f"/w/{who.slug}/inbox/{item_id}?done={done}")


@router.post("/w/{slug}/inbox/{item_id}/assign")
def assign(
    request: Request,
    slug: str,
    item_id: int,
    assignee: str = Form(""),
    version: int = Form(...),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    return _change(
        request, who, item_id,
        lambda: service.assign(
            state(request).engine, who.workspace_id, item_id, assignee or None,
            seen_version=version, by=who.principal.user.email, strategy=strategy_of(request, who),
        ),
        "assigned",
    )  # fmt: skip


@router.post("/w/{slug}/inbox/{item_id}/team")
def set_team(
    request: Request,
    slug: str,
    item_id: int,
    team: str = Form(""),
    version: int = Form(...),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    return _change(
        request, who, item_id,
        lambda: teams.give_to_team(
            state(request).engine, who.workspace_id, item_id, team or None,
            seen_version=version, by=who.principal.user.email,
        ),
        "team",
    )  # fmt: skip


@router.post("/w/{slug}/inbox/{item_id}/status")
def set_status(
    request: Request,
    slug: str,
    item_id: int,
    status: str = Form(...),
    version: int = Form(...),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    return _change(
        request, who, item_id,
        lambda: service.set_status(
            state(request).engine, who.workspace_id, item_id, status,
            seen_version=version, by=who.principal.user.email,
        ),
        "status",
    )  # fmt: skip


@router.post("/w/{slug}/inbox/{item_id}/note")
def add_note(
    request: Request,
    slug: str,
    item_id: int,
    text: str = Form(""),
    version: int = Form(0),
    csrf: str = Form(""),
) -> Response:
    """A note never conflicts (it changes nothing); `version` is carried for symmetry only."""
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    return _change(
        request, who, item_id,
        lambda: service.add_note(
            state(request).engine, who.workspace_id, item_id, text[:5000],
            by=who.principal.user.email,
        ),
        "note",
    )  # fmt: skip


# --- replies --------------------------------------------------------------------------------


def send_now(request: Request, who: Access, reply: Reply) -> Reply:
    """Send a queued reply within the request, so the person sees how it went; a reply that
    must wait (backoff) is sent later by `lyssna listen` or `lyssna inbox send-queued`."""
    if reply.state != "queued":
        return reply
    ctx = who.context(state(request))
    return asyncio.run(sending.send_reply(ctx, reply.id))


def _after_reply(slug: str, reply: Reply) -> Response:
    return redirect(f"/w/{slug}/inbox/{reply.item_id}?done=reply_{reply.state}#reply")


def _reply_action(
    request: Request, who: Access, item_id: int, text: str, act: Callable[[], Reply]
) -> Response:
    """Do `act`, send what it queued, and show how it went (or why it was refused)."""
    try:
        reply = act()
    except replies.ColleagueWritingError as exc:  # offer "send anyway"
        return _item_page(
            request, who, item_id, status_code=409, error=str(exc), text=text, force=True
        )
    except NotFoundError:
        raise HTTPException(404, "not_found") from None
    except ConflictError as exc:
        return _item_page(request, who, item_id, status_code=409, conflict=str(exc), text=text)
    except UserError as exc:
        return _item_page(request, who, item_id, status_code=400, error=str(exc), text=text)
    return _after_reply(who.slug, send_now(request, who, reply))


@router.post("/w/{slug}/inbox/{item_id}/reply")
def write_reply(
    request: Request,
    slug: str,
    item_id: int,
    text: str = Form(""),
    action: str = Form("send"),
    force: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Write a reply: send it (or hand it to an approver), or keep it as a draft."""
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    return _reply_action(
        request, who, item_id, text,
        lambda: replies.write(
            state(request).engine, who.workspace_id, item_id, text,
            by=who.principal.user.email, strategy=strategy_of(request, who),
            submit=action != "draft", force=force == "1",
        ),
    )  # fmt: skip


@router.post("/w/{slug}/inbox/replies/{reply_id}")
def act_on_reply(
    request: Request,
    slug: str,
    reply_id: int,
    do: str = Form(""),
    text: str = Form(""),
    comment: str = Form(""),
    action: str = Form("send"),
    force: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    """Approve, return, change, drop, send again, confirm as sent, or try a queued reply now."""
    who = access(request, slug, "responder")
    check_csrf(who.principal, csrf)
    engine, ws, by = state(request).engine, who.workspace_id, who.principal.user.email
    try:
        current = replies.get(engine, ws, reply_id).reply
    except NotFoundError:
        raise HTTPException(404, "not_found") from None
    acts: dict[str, Callable[[], Reply]] = {
        "approve": lambda: replies.approve(engine, ws, reply_id, by=by),
        "return": lambda: replies.return_to_author(engine, ws, reply_id, comment, by=by),
        "edit": lambda: replies.edit(
            engine, ws, reply_id, text, by=by, strategy=strategy_of(request, who),
            submit=action != "draft", force=force == "1",
        ),
        "discard": lambda: replies.discard(engine, ws, reply_id, by=by),
        "resend": lambda: replies.resend(engine, ws, reply_id, by=by),
        "confirm": lambda: replies.confirm_sent(engine, ws, reply_id, by=by),
        "try": lambda: current,  # send a queued reply now, without waiting for its backoff
    }  # fmt: skip
    if do not in acts:
        raise HTTPException(400, who.t("inbox.reply.choose"))
    return _reply_action(request, who, current.item_id, text, acts[do])
