"""Writing, approving and managing inbox replies (sending them is lyssna.inbox.sending).

Who may do what:

- responders and up write replies; the strategy decides on which channels (`may_answer`);
- the workspace's approval rule (`lyssna inbox approval`) may say that replies by members up
  to a role (say, responders) wait for an approver: a member with a stronger role, editor or up;
- an approver approves (the reply is then sent) or returns it to its author with a comment;
- the author, or an approver, may drop a reply that was not sent, or send a failed one again.

Every step is recorded in the item's history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, UserError
from lyssna.inbox import presence
from lyssna.inbox.answerers import may_answer
from lyssna.inbox.sending import record_sent, why_cannot_send
from lyssna.storage import accounts
from lyssna.storage import inbox as item_store
from lyssna.storage import inbox_replies as store
from lyssna.storage.accounts import ROLES, Member
from lyssna.storage.database import write_transaction
from lyssna.storage.inbox_replies import PENDING_STATES, Reply
from lyssna.storage.search import mentions_by_id
from lyssna.strategy.schema import Strategy

MAX_LENGTH = 5000  # the platform may allow less; its refusal is shown with its reason
APPROVER_MIN = "editor"
APPROVAL_ROLES = ("responder", "editor", "admin")  # what the approval rule may name


class ColleagueWritingError(ConflictError):
    """Someone else has the item's reply box open; sending now could answer the customer twice."""

    def __init__(self, writers: list[presence.Writer]) -> None:
        self.writers = writers
        names = ", ".join(w.name for w in writers)
        super().__init__(
            f"{names} {'is' if len(writers) == 1 else 'are'} writing a reply to this item right "
            "now; send anyway only if you agreed who answers"
        )


@dataclass(frozen=True, slots=True)
class ReplyView:
    reply: Reply
    author: str | None  # name or email
    author_email: str | None
    approver: str | None
    approver_email: str | None = None


# --- the approval rule ------------------------------------------------------------------------


def approval_rule(engine: Engine, workspace_id: int) -> str | None:
    """The role up to which replies need approval (None: nobody's do)."""
    with engine.connect() as conn:
        return store.approval_up_to(conn, workspace_id)


def set_approval_rule(engine: Engine, workspace_id: int, role: str | None) -> None:
    if role is not None and role not in APPROVAL_ROLES:
        raise UserError(
            f"replies can need approval up to {', '.join(APPROVAL_ROLES)} (or none), not {role!r}"
        )
    with write_transaction(engine) as conn:
        store.set_approval_up_to(conn, workspace_id, role)


def needs_approval(up_to: str | None, role: str) -> bool:
    return up_to is not None and ROLES.index(role) <= ROLES.index(up_to)  # type: ignore[arg-type]


def may_approve(up_to: str | None, role: str) -> bool:
    """Approvers are editors and up, and stronger than the roles whose replies need approval."""
    if not accounts.role_at_least(role, APPROVER_MIN):
        return False
    return up_to is None or ROLES.index(role) > ROLES.index(up_to)  # type: ignore[arg-type]


# --- helpers ----------------------------------------------------------------------------------


def _member(conn: Connection, workspace_id: int, email: str | None) -> Member:
    if not email:
        raise UserError("say who you are (--as EMAIL): replies are written by a member")
    wanted = email.strip().lower()
    for member in accounts.members_of(conn, workspace_id):
        if member.user.email == wanted:
            return member
    raise UserError(f"{email} is not a member of this workspace")


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError("a reply needs some text")
    if len(text) > MAX_LENGTH:
        raise UserError(f"a reply can be at most {MAX_LENGTH:,} characters")
    return text


def _channel(conn: Connection, workspace_id: int, item: item_store.Item) -> str:
    return mentions_by_id(conn, workspace_id, [item.mention_id])[item.mention_id].channel


def _check_author(
    conn: Connection,
    workspace_id: int,
    item: item_store.Item,
    member: Member,
    strategy: Strategy | None,
) -> None:
    if not accounts.role_at_least(member.role, "responder"):
        raise UserError(f"{member.user.email} is a viewer here and cannot reply")
    channel = _channel(conn, workspace_id, item)
    verdict = may_answer(strategy, channel, name=member.user.name, email=member.user.email)
    if not verdict.allowed:
        raise UserError(f"{member.user.email} cannot answer here: {verdict.reason}")
    problem = why_cannot_send(conn, workspace_id, item)
    if problem:
        raise UserError(f"cannot reply from Lyssna: {problem}")


def _state_after_submit(conn: Connection, workspace_id: int, member: Member) -> str:
    up_to = store.approval_up_to(conn, workspace_id)
    return "awaiting_approval" if needs_approval(up_to, member.role) else "queued"


def _may_manage(conn: Connection, workspace_id: int, reply: Reply, member: Member) -> None:
    up_to = store.approval_up_to(conn, workspace_id)
    if reply.author_id != member.user.id and not may_approve(up_to, member.role):
        raise UserError("only the reply's author or an approver can do that")


def _moved(done: bool, conn: Connection, workspace_id: int, reply_id: int, what: str) -> Reply:
    current = store.get(conn, workspace_id, reply_id)
    if not done:
        raise ConflictError(
            f"cannot {what} reply {reply_id}: it is {current.state.replace('_', ' ')} now "
            "(someone else acted on it first)"
        )
    return current


# --- writing ----------------------------------------------------------------------------------


def write(
    engine: Engine,
    workspace_id: int,
    item_id: int,
    text: str,
    *,
    by: str | None,
    strategy: Strategy | None = None,
    submit: bool = True,
    force: bool = False,
) -> Reply:
    """A new reply to the item: a draft, waiting for approval, or queued to be sent.

    Refused while another reply to the item is on its way; with a colleague writing a reply to
    the same item, refused (ColleagueWritingError) unless `force`.
    """
    text = _clean(text)
    now = utcnow()
    with write_transaction(engine) as conn:
        item = item_store.get(conn, workspace_id, item_id)
        member = _member(conn, workspace_id, by)
        _check_author(conn, workspace_id, item, member, strategy)
        pending = [r for r in store.for_item(conn, item_id) if r.state in PENDING_STATES]
        if pending:
            raise ConflictError(
                f"a reply to this item is already {pending[0].state.replace('_', ' ')} "
                f"(reply {pending[0].id}); wait for it or drop it first"
            )
        if submit and not force:
            others = presence.writers(conn, item_id, except_user=member.user.id, now=now)
            if others:
                raise ColleagueWritingError(others)
        state = _state_after_submit(conn, workspace_id, member) if submit else "draft"
        reply = store.add(
            conn,
            workspace_id,
            item_id,
            key=uuid.uuid4().hex,
            text=text,
            state=state,  # type: ignore[arg-type]
            author_id=member.user.id,
            at=now,
        )
        action = {"draft": "reply_draft", "queued": "reply_queued"}.get(state, "reply_submitted")
        item_store.record(conn, item_id, member.user.id, action, text[:1000], now)
        if submit:
            store.leave(conn, item_id, member.user.id)
        return reply


def edit(
    engine: Engine,
    workspace_id: int,
    reply_id: int,
    text: str,
    *,
    by: str | None,
    strategy: Strategy | None = None,
    submit: bool = True,
    force: bool = False,
) -> Reply:
    """Change a draft (or a returned or failed reply) and, with `submit`, send it on its way."""
    text = _clean(text)
    now = utcnow()
    with write_transaction(engine) as conn:
        reply = store.get(conn, workspace_id, reply_id)
        member = _member(conn, workspace_id, by)
        if reply.author_id != member.user.id:
            raise UserError("only the reply's author can change its text")
        item = item_store.get(conn, workspace_id, reply.item_id)
        state = "draft"
        if submit:
            _check_author(conn, workspace_id, item, member, strategy)
            if not force:
                others = presence.writers(conn, item.id, except_user=member.user.id, now=now)
                if others:
                    raise ColleagueWritingError(others)
            state = _state_after_submit(conn, workspace_id, member)
        done = store.move(
            conn, reply_id, ("draft", "failed"), state, now,  # type: ignore[arg-type]
            text=text, attempts=0, check_first=False, last_error=None,
            next_attempt_at=now if state == "queued" else None,
        )  # fmt: skip
        reply = _moved(done, conn, workspace_id, reply_id, "change")
        action = {"draft": "reply_draft", "queued": "reply_queued"}.get(state, "reply_submitted")
        item_store.record(conn, item.id, member.user.id, action, text[:1000], now)
        if submit:
            store.leave(conn, item.id, member.user.id)
        return reply


# --- approving --------------------------------------------------------------------------------


def approve(engine: Engine, workspace_id: int, reply_id: int, *, by: str | None) -> Reply:
    """An approver lets the reply go: it is queued for sending."""
    now = utcnow()
    with write_transaction(engine) as conn:
        reply = store.get(conn, workspace_id, reply_id)
        member = _member(conn, workspace_id, by)
        if not may_approve(store.approval_up_to(conn, workspace_id), member.role):
            raise UserError(f"{member.user.email} cannot approve replies here")
        if reply.author_id == member.user.id:
            raise UserError("a reply is approved by someone other than its author")
        done = store.move(
            conn, reply_id, ("awaiting_approval",), "queued", now,
            approver_id=member.user.id, next_attempt_at=now, review_comment=None,
        )  # fmt: skip
        reply = _moved(done, conn, workspace_id, reply_id, "approve")
        item_store.record(conn, reply.item_id, member.user.id, "reply_approved", None, now)
        return reply


def return_to_author(
    engine: Engine, workspace_id: int, reply_id: int, comment: str, *, by: str | None
) -> Reply:
    """An approver sends the reply back to its author as a draft, saying why."""
    comment = comment.strip()
    if not comment:
        raise UserError("say why the reply goes back, so its author can fix it")
    now = utcnow()
    with write_transaction(engine) as conn:
        reply = store.get(conn, workspace_id, reply_id)
        member = _member(conn, workspace_id, by)
        if not may_approve(store.approval_up_to(conn, workspace_id), member.role):
            raise UserError(f"{member.user.email} cannot approve or return replies here")
        done = store.move(
            conn, reply_id, ("awaiting_approval",), "draft", now,
            approver_id=member.user.id, review_comment=comment[:2000],
        )  # fmt: skip
        reply = _moved(done, conn, workspace_id, reply_id, "return")
        item_store.record(conn, reply.item_id, member.user.id, "reply_returned", comment, now)
        return reply


# --- after trouble ----------------------------------------------------------------------------


def _manage(
    engine: Engine,
    workspace_id: int,
    reply_id: int,
    by: str | None,
    *,
    from_states: tuple[str, ...],
    to_state: str,
    action: str,
    what: str,
    **values: Any,
) -> Reply:
    """A change the author or an approver makes to a reply that is not on its way."""
    now = utcnow()
    with write_transaction(engine) as conn:
        reply = store.get(conn, workspace_id, reply_id)
        member = _member(conn, workspace_id, by)
        _may_manage(conn, workspace_id, reply, member)
        done = store.move(conn, reply_id, from_states, to_state, now, **values)  # type: ignore[arg-type]
        reply = _moved(done, conn, workspace_id, reply_id, what)
        item_store.record(conn, reply.item_id, member.user.id, action, None, now)
        return reply


def discard(engine: Engine, workspace_id: int, reply_id: int, *, by: str | None) -> Reply:
    """Drop a reply that was not sent (a draft, one waiting for approval, failed or unknown)."""
    return _manage(
        engine, workspace_id, reply_id, by,
        from_states=("draft", "awaiting_approval", "failed", "unknown"), to_state="discarded",
        action="reply_discarded", what="drop",
    )  # fmt: skip


def resend(engine: Engine, workspace_id: int, reply_id: int, *, by: str | None) -> Reply:
    """Queue a failed reply again, or an unknown one the person checked is not on the platform."""
    return _manage(
        engine, workspace_id, reply_id, by,
        from_states=("failed", "unknown"), to_state="queued",
        action="reply_resent", what="send again",
        attempts=0, check_first=False, next_attempt_at=utcnow(),
    )  # fmt: skip


def confirm_sent(engine: Engine, workspace_id: int, reply_id: int, *, by: str | None) -> Reply:
    """A person found an `unknown` reply on the platform: it counts as sent."""
    now = utcnow()
    with write_transaction(engine) as conn:
        reply = store.get(conn, workspace_id, reply_id)
        member = _member(conn, workspace_id, by)
        _may_manage(conn, workspace_id, reply, member)
        done = record_sent(
            conn, workspace_id, reply, None, now,
            from_states=("unknown",), by=member.user.id, action="reply_confirmed",
        )  # fmt: skip
        return _moved(done, conn, workspace_id, reply_id, "confirm")


# --- reading ----------------------------------------------------------------------------------


def _view(conn: Connection, reply: Reply, names: dict[int, accounts.User | None]) -> ReplyView:
    def user(user_id: int | None) -> accounts.User | None:
        if user_id is None:
            return None
        if user_id not in names:
            names[user_id] = accounts.user_by_id(conn, user_id)
        return names[user_id]

    author, approver = user(reply.author_id), user(reply.approver_id)
    return ReplyView(
        reply,
        (author.name or author.email) if author else None,
        author.email if author else None,
        (approver.name or approver.email) if approver else None,
        approver.email if approver else None,
    )


def reply_views(conn: Connection, replies: list[Reply]) -> list[ReplyView]:
    names: dict[int, accounts.User | None] = {}
    return [_view(conn, r, names) for r in replies]


def for_item(engine: Engine, workspace_id: int, item_id: int) -> list[ReplyView]:
    with engine.connect() as conn:
        item_store.get(conn, workspace_id, item_id)
        return reply_views(conn, store.for_item(conn, item_id))


def get(engine: Engine, workspace_id: int, reply_id: int) -> ReplyView:
    with engine.connect() as conn:
        return _view(conn, store.get(conn, workspace_id, reply_id), {})


def needing_attention(engine: Engine, workspace_id: int) -> list[ReplyView]:
    """Replies waiting for an approver, failed, or of unknown fate: a person must act."""
    with engine.connect() as conn:
        return reply_views(conn, store.in_states(conn, workspace_id, store.ATTENTION_STATES))


def latest_states(engine: Engine, workspace_id: int, item_ids: list[int]) -> dict[int, str]:
    """The state of each item's latest reply that was not dropped (for the inbox list)."""
    with engine.connect() as conn:
        found = store.for_items(conn, item_ids)
    latest: dict[int, str] = {}
    for item_id, rs in found.items():
        kept = [r for r in rs if r.state != "discarded"]
        if kept:
            latest[item_id] = kept[-1].state
    return latest
