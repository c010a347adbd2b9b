"""Replies written in the inbox, who is writing one right now, and the workspace's approval rule.

The caller owns the transaction. State changes are conditional updates ("from this state to
that one"): when two people or two processes race, one wins and the other learns it (rowcount).

A reply's life (lyssna.inbox.replies and lyssna.inbox.sending drive it):

    draft ──submit──> awaiting_approval ──approve──> queued ──claim──> sending ──> sent
      ^                 │ return (comment)             ^                 │
      └─────────────────┘                              │ retriable       ├──> failed  (refused)
                                                       └─────────────────┤
                                                                         └──> unknown (nobody
                                                                              can tell; a person
                                                                              decides)
    draft, awaiting_approval, failed, unknown ──discard──> discarded
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from lyssna.core.errors import NotFoundError
from lyssna.storage.schema import UTCDateTime, metadata

ReplyState = Literal[
    "draft", "awaiting_approval", "queued", "sending", "sent", "failed", "unknown", "discarded"
]
REPLY_STATES: tuple[ReplyState, ...] = (
    "draft", "awaiting_approval", "queued", "sending", "sent", "failed", "unknown", "discarded",
)  # fmt: skip
# A reply in one of these is on its way: the item gets no second reply until it settles.
PENDING_STATES: tuple[ReplyState, ...] = ("awaiting_approval", "queued", "sending", "unknown")
# A person must act on these.
ATTENTION_STATES: tuple[ReplyState, ...] = ("awaiting_approval", "failed", "unknown")

inbox_replies = Table(
    "inbox_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    # The same on every attempt to send this reply (idempotency key, `find_sent`).
    Column("key", String(64), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("author_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("approver_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("review_comment", Text, nullable=True),  # why an approver returned it
    Column("external_id", String(512), nullable=True),  # the platform's id once sent
    Column("url", Text, nullable=True),
    Column("attempts", Integer, nullable=False),
    # The outcome of the last attempt is not known: ask the platform before sending again.
    Column("check_first", Boolean, nullable=False),
    Column("last_error", Text, nullable=True),  # the platform's reason, in words
    Column("next_attempt_at", UTCDateTime, nullable=True),
    Column("sending_since", UTCDateTime, nullable=True),  # when the current attempt began
    Column("first_attempt_at", UTCDateTime, nullable=True),  # bounds the platform's search
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index(None, "item_id"),
    Index(None, "workspace_id", "state"),
)

inbox_presence = Table(
    "inbox_presence",
    metadata,
    Column("item_id", ForeignKey("inbox_items.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),  # the last heartbeat
)

inbox_settings = Table(
    "inbox_settings",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    # Replies by members with this role or a weaker one wait for an approver; None: nobody's.
    Column("approval_up_to", String(16), nullable=True),
)


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    item_id: int
    key: str
    text: str
    state: ReplyState
    author_id: int | None
    approver_id: int | None
    review_comment: str | None
    external_id: str | None
    url: str | None
    attempts: int
    check_first: bool
    last_error: str | None
    next_attempt_at: datetime | None
    sending_since: datetime | None
    first_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class Presence:
    user_id: int
    started_at: datetime
    seen_at: datetime


def _reply(row: Any) -> Reply:
    return Reply(
        row.id,
        row.item_id,
        row.key,
        row.text,
        row.state,
        row.author_id,
        row.approver_id,
        row.review_comment,
        row.external_id,
        row.url,
        row.attempts,
        bool(row.check_first),
        row.last_error,
        row.next_attempt_at,
        row.sending_since,
        row.first_attempt_at,
        row.created_at,
        row.updated_at,
        row.sent_at,
    )


def add(
    conn: Connection,
    workspace_id: int,
    item_id: int,
    *,
    key: str,
    text: str,
    state: ReplyState,
    author_id: int | None,
    at: datetime,
) -> Reply:
    done = conn.execute(
        insert(inbox_replies).values(
            workspace_id=workspace_id,
            item_id=item_id,
            key=key,
            text=text,
            state=state,
            author_id=author_id,
            attempts=0,
            check_first=False,
            next_attempt_at=at if state == "queued" else None,
            created_at=at,
            updated_at=at,
        )
    )
    reply_id = int(done.inserted_primary_key[0])  # type: ignore[index]
    return get(conn, workspace_id, reply_id)


def get(conn: Connection, workspace_id: int, reply_id: int) -> Reply:
    row = conn.execute(
        select(inbox_replies).where(
            inbox_replies.c.id == reply_id, inbox_replies.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no reply {reply_id} in this workspace")
    return _reply(row)


def for_item(conn: Connection, item_id: int) -> list[Reply]:
    rows = conn.execute(
        select(inbox_replies).where(inbox_replies.c.item_id == item_id).order_by(inbox_replies.c.id)
    )
    return [_reply(r) for r in rows]


def for_items(conn: Connection, item_ids: list[int]) -> dict[int, list[Reply]]:
    """Replies of several items (for the list), oldest first per item."""
    found: dict[int, list[Reply]] = {}
    for start in range(0, len(item_ids), 500):
        rows = conn.execute(
            select(inbox_replies)
            .where(inbox_replies.c.item_id.in_(item_ids[start : start + 500]))
            .order_by(inbox_replies.c.id)
        )
        for r in rows:
            found.setdefault(r.item_id, []).append(_reply(r))
    return found


def in_states(
    conn: Connection, workspace_id: int, states: tuple[str, ...], *, limit: int = 1000
) -> list[Reply]:
    rows = conn.execute(
        select(inbox_replies)
        .where(inbox_replies.c.workspace_id == workspace_id, inbox_replies.c.state.in_(states))
        .order_by(inbox_replies.c.id)
        .limit(limit)
    )
    return [_reply(r) for r in rows]


def due(conn: Connection, workspace_id: int, now: datetime, *, limit: int = 100) -> list[Reply]:
    """Queued replies whose next attempt is due, oldest first."""
    rows = conn.execute(
        select(inbox_replies)
        .where(
            inbox_replies.c.workspace_id == workspace_id,
            inbox_replies.c.state == "queued",
            inbox_replies.c.next_attempt_at <= now,
        )
        .order_by(inbox_replies.c.next_attempt_at, inbox_replies.c.id)
        .limit(limit)
    )
    return [_reply(r) for r in rows]


def stale_sending(
    conn: Connection, workspace_id: int, older_than: datetime, *, limit: int = 100
) -> list[Reply]:
    """Replies left in `sending` since before `older_than`: their process died or hangs."""
    rows = conn.execute(
        select(inbox_replies)
        .where(
            inbox_replies.c.workspace_id == workspace_id,
            inbox_replies.c.state == "sending",
            inbox_replies.c.sending_since < older_than,
        )
        .order_by(inbox_replies.c.id)
        .limit(limit)
    )
    return [_reply(r) for r in rows]


def move(
    conn: Connection,
    reply_id: int,
    from_states: tuple[str, ...],
    to_state: ReplyState,
    at: datetime,
    *,
    only_attempt: datetime | None = None,
    **values: Any,
) -> bool:
    """Change the state if the reply is still in one of `from_states` (and, when given, still
    in the attempt that began at `only_attempt`); False when someone else moved it first."""
    condition = [inbox_replies.c.id == reply_id, inbox_replies.c.state.in_(from_states)]
    if only_attempt is not None:
        condition.append(inbox_replies.c.sending_since == only_attempt)
    done = conn.execute(
        update(inbox_replies).where(*condition).values(state=to_state, updated_at=at, **values)
    )
    return done.rowcount == 1


def claim(conn: Connection, reply_id: int, at: datetime, *, due_only: bool) -> bool:
    """queued -> sending for one attempt, if nobody else took it (and, with `due_only`, if its
    next attempt is due)."""
    condition = [inbox_replies.c.id == reply_id, inbox_replies.c.state == "queued"]
    if due_only:
        condition.append(inbox_replies.c.next_attempt_at <= at)
    done = conn.execute(
        update(inbox_replies)
        .where(*condition)
        .values(
            state="sending",
            sending_since=at,
            first_attempt_at=func.coalesce(
                inbox_replies.c.first_attempt_at, literal(at, UTCDateTime())
            ),
            attempts=inbox_replies.c.attempts + 1,
            updated_at=at,
        )
    )
    return done.rowcount == 1


def take_over(conn: Connection, reply_id: int, stale_since: datetime, at: datetime) -> bool:
    """A stale `sending` reply becomes ours to recover (a new lease), if nobody took it first."""
    done = conn.execute(
        update(inbox_replies)
        .where(
            inbox_replies.c.id == reply_id,
            inbox_replies.c.state == "sending",
            inbox_replies.c.sending_since == stale_since,
        )
        .values(sending_since=at, updated_at=at)
    )
    return done.rowcount == 1


def sent_by_platform_id(
    conn: Connection, workspace_id: int, external_ids: list[str], urls: list[str]
) -> set[str]:
    """Which of these platform ids or links belong to replies the inbox sent."""
    found: set[str] = set()
    for values, column in (
        (external_ids, inbox_replies.c.external_id),
        (urls, inbox_replies.c.url),
    ):
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            rows = conn.execute(
                select(column).where(
                    inbox_replies.c.workspace_id == workspace_id,
                    inbox_replies.c.state == "sent",
                    column.in_(chunk),
                )
            )
            found.update(r[0] for r in rows)
    return found


# --- presence ---------------------------------------------------------------------------------


def heartbeat(conn: Connection, item_id: int, user_id: int, at: datetime, fresh: timedelta) -> None:
    """`user_id` has the reply box of `item_id` open (a new stretch when the last beat expired)."""
    row = conn.execute(
        select(inbox_presence).where(
            inbox_presence.c.item_id == item_id, inbox_presence.c.user_id == user_id
        )
    ).first()
    if row is None:
        conn.execute(
            insert(inbox_presence).values(
                item_id=item_id, user_id=user_id, started_at=at, seen_at=at
            )
        )
        return
    values: dict[str, Any] = {"seen_at": at}
    if row.seen_at < at - fresh:
        values["started_at"] = at
    conn.execute(
        update(inbox_presence)
        .where(inbox_presence.c.item_id == item_id, inbox_presence.c.user_id == user_id)
        .values(**values)
    )


def leave(conn: Connection, item_id: int, user_id: int) -> None:
    conn.execute(
        delete(inbox_presence).where(
            inbox_presence.c.item_id == item_id, inbox_presence.c.user_id == user_id
        )
    )


def present(conn: Connection, item_id: int, since: datetime) -> list[Presence]:
    """Who beat since `since` on this item, longest there first."""
    rows = conn.execute(
        select(inbox_presence)
        .where(inbox_presence.c.item_id == item_id, inbox_presence.c.seen_at >= since)
        .order_by(inbox_presence.c.started_at)
    )
    return [Presence(r.user_id, r.started_at, r.seen_at) for r in rows]


def forget_presence_before(conn: Connection, before: datetime) -> None:
    conn.execute(delete(inbox_presence).where(inbox_presence.c.seen_at < before))


# --- settings ---------------------------------------------------------------------------------


def approval_up_to(conn: Connection, workspace_id: int) -> str | None:
    return conn.execute(
        select(inbox_settings.c.approval_up_to).where(inbox_settings.c.workspace_id == workspace_id)
    ).scalar()


def set_approval_up_to(conn: Connection, workspace_id: int, role: str | None) -> None:
    done = conn.execute(
        update(inbox_settings)
        .where(inbox_settings.c.workspace_id == workspace_id)
        .values(approval_up_to=role)
    )
    if done.rowcount == 0:
        conn.execute(insert(inbox_settings).values(workspace_id=workspace_id, approval_up_to=role))
