"""Inbox tables and repository functions. The caller owns the transaction."""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)

from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.storage.dialect import insert_ignoring_conflicts
from lyssna.storage.schema import JSONDocument, UTCDateTime, mentions, metadata

STATUSES = ("new", "assigned", "waiting", "resolved", "spam")
OPEN_STATUSES = ("new", "assigned", "waiting")

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("mention_id", ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("reasons", JSONDocument, nullable=False),
    Column("assignee_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    # An inbox_teams id; no database reference (see migration 0006), removing a team clears it.
    Column("team_id", Integer, nullable=True),
    # Copied from the mention when the item enters: "earlier from this author" needs no join.
    Column("author_handle", String(256), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("first_response_at", UTCDateTime, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    # Optimistic concurrency: every change names the version it saw; a stale one is refused.
    Column("version", Integer, nullable=False),
    UniqueConstraint("mention_id"),
    # The list's orders, per status (see list_items), and one person's items.
    Index(None, "workspace_id", "status", "priority", "created_at", "id"),
    Index(None, "workspace_id", "status", "created_at", "id"),
    Index(  # the convention's name is longer than PostgreSQL allows (63)
        "ix_inbox_items_assignee_order",
        "workspace_id",
        "assignee_id",
        "status",
        "priority",
        "created_at",
        "id",
    ),  # fmt: skip
    Index(None, "workspace_id", "author_handle"),
)

# What answered a mention, for the conversation view: without it, opening an item reads every
# mention of its channel (search.replies_to).
# The time too, so that its order (oldest first) needs no sort and SQLite, without statistics,
# does not prefer walking the (workspace, time) index instead.
# Only replies are indexed (about a sixth of mentions): every index entry costs ingest time.
Index(
    "ix_mentions_reply_to",
    mentions.c.workspace_id,
    mentions.c.channel,
    mentions.c.reply_to,
    mentions.c.created_at,
    sqlite_where=mentions.c.reply_to.isnot(None),
    postgresql_where=mentions.c.reply_to.isnot(None),
)

inbox_activity = Table(
    "inbox_activity",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("inbox_items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("action", String(20), nullable=False),
    Column("detail", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "item_id"),
)

inbox_cursors = Table(
    "inbox_cursors",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("last_event_id", BigInteger, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    mention_id: int
    status: str
    priority: int
    reasons: list[str]
    assignee_id: int | None
    team_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    version: int
    author_handle: str | None = None


@dataclass(frozen=True, slots=True)
class Activity:
    user_id: int | None
    action: str
    detail: str | None
    created_at: datetime


def _item(row: Any) -> Item:
    return Item(
        row.id,
        row.mention_id,
        row.status,
        row.priority,
        list(row.reasons),
        row.assignee_id,
        row.team_id,
        row.created_at,
        row.updated_at,
        row.first_response_at,
        row.resolved_at,
        row.version,
        row.author_handle,
    )


def cursor(conn: Connection, workspace_id: int) -> int:
    found = conn.execute(
        select(inbox_cursors.c.last_event_id).where(inbox_cursors.c.workspace_id == workspace_id)
    ).scalar()
    return int(found or 0)


def set_cursor(conn: Connection, workspace_id: int, last_event_id: int) -> None:
    done = conn.execute(
        update(inbox_cursors)
        .where(inbox_cursors.c.workspace_id == workspace_id)
        .values(last_event_id=last_event_id)
    )
    if done.rowcount == 0:
        conn.execute(
            insert(inbox_cursors).values(workspace_id=workspace_id, last_event_id=last_event_id)
        )


def add_items(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert items; a mention already in the inbox is left as it is."""
    if rows:
        conn.execute(insert_ignoring_conflicts(conn, inbox_items), rows)


def get(conn: Connection, workspace_id: int, item_id: int) -> Item:
    row = conn.execute(
        select(inbox_items).where(
            inbox_items.c.id == item_id, inbox_items.c.workspace_id == workspace_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no inbox item {item_id} in this workspace")
    return _item(row)


def item_for_mention(conn: Connection, workspace_id: int, mention_id: int) -> Item | None:
    row = conn.execute(
        select(inbox_items).where(
            inbox_items.c.workspace_id == workspace_id, inbox_items.c.mention_id == mention_id
        )
    ).first()
    return _item(row) if row is not None else None


def remove_for_mention(conn: Connection, workspace_id: int, mention_id: int) -> None:
    """Take a mention's item out of the inbox (it turned out to be the company's own answer)."""
    conn.execute(
        delete(inbox_items).where(
            inbox_items.c.workspace_id == workspace_id, inbox_items.c.mention_id == mention_id
        )
    )


def set_first_response(conn: Connection, item_id: int, at: datetime) -> None:
    # A fact from the platform, not a person's edit: it does not bump the version.
    conn.execute(
        update(inbox_items).where(inbox_items.c.id == item_id).values(first_response_at=at)
    )


def created_between(
    conn: Connection, workspace_id: int, since: datetime, until: datetime
) -> list[tuple[Item, str]]:
    """Items created in [since, until) with their mention's channel."""
    rows = conn.execute(
        select(inbox_items, mentions.c.channel)
        .join(mentions, mentions.c.id == inbox_items.c.mention_id)
        .where(
            inbox_items.c.workspace_id == workspace_id,
            inbox_items.c.created_at >= since,
            inbox_items.c.created_at < until,
        )
    )
    return [(_item(r), r.channel) for r in rows]


def change(
    conn: Connection, workspace_id: int, item_id: int, seen_version: int, **values: Any
) -> Item:
    """Apply `values` if nobody changed the item since `seen_version`; else ConflictError."""
    done = conn.execute(
        update(inbox_items)
        .where(
            inbox_items.c.id == item_id,
            inbox_items.c.workspace_id == workspace_id,
            inbox_items.c.version == seen_version,
        )
        .values(version=inbox_items.c.version + 1, **values)
    )
    if done.rowcount == 0:
        current = get(conn, workspace_id, item_id)  # NotFoundError when it does not exist
        raise ConflictError(
            f"inbox item {item_id} was changed by someone else (now version {current.version}, "
            f"status {current.status}); look again before changing it"
        )
    return get(conn, workspace_id, item_id)


def record(
    conn: Connection,
    item_id: int,
    user_id: int | None,
    action: str,
    detail: str | None,
    at: datetime,
) -> None:
    conn.execute(
        insert(inbox_activity).values(
            item_id=item_id, user_id=user_id, action=action, detail=detail, created_at=at
        )
    )


def activity(conn: Connection, item_id: int) -> list[Activity]:
    rows = conn.execute(
        select(inbox_activity)
        .where(inbox_activity.c.item_id == item_id)
        .order_by(inbox_activity.c.id)
    )
    return [Activity(r.user_id, r.action, r.detail, r.created_at) for r in rows]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page of the list ended (keyset pagination): the next page starts after it."""

    priority: int
    created_at: datetime
    id: int

    def key(self, oldest_first: bool) -> tuple[Any, ...]:
        """The sort key of the list: most urgent first, or waiting longest first."""
        if oldest_first:
            return (self.created_at, self.id)
        return (-self.priority, self.created_at, self.id)

    @classmethod
    def of(cls, item: Item) -> Position:
        return cls(item.priority, item.created_at, item.id)


def list_items(
    conn: Connection,
    workspace_id: int,
    *,
    statuses: tuple[str, ...] = OPEN_STATUSES,
    assignee_id: int | None = None,
    unassigned: bool = False,
    team_ids: tuple[int, ...] | None = None,
    oldest_first: bool = False,
    after: Position | None = None,
    limit: int = 50,
) -> list[Item]:
    """Items most urgent first (or waiting longest first), the page after `after`.

    One indexed query per status, merged here: a single query over several statuses would
    have the database sort every open item (100,000 of them) to return the first 50.
    """
    c = inbox_items.c
    conditions: list[Any] = [c.workspace_id == workspace_id]
    if assignee_id is not None:
        conditions.append(c.assignee_id == assignee_id)
    if team_ids is not None:
        conditions.append(c.team_id.in_(team_ids))
    if unassigned:
        conditions.append(c.assignee_id.is_(None))
    if oldest_first:
        order: tuple[Any, ...] = (c.created_at, c.id)
        if after is not None:
            conditions.append(
                or_(
                    c.created_at > after.created_at,
                    and_(c.created_at == after.created_at, c.id > after.id),
                )
            )
    else:
        order = (c.priority.desc(), c.created_at, c.id)
        if after is not None:
            conditions.append(
                or_(
                    c.priority < after.priority,
                    and_(
                        c.priority == after.priority,
                        or_(
                            c.created_at > after.created_at,
                            and_(c.created_at == after.created_at, c.id > after.id),
                        ),
                    ),
                )
            )
    # The keys first (the index holds them), then the whole rows of the page only.
    pages = [
        [
            Position(r.priority, r.created_at, r.id)
            for r in conn.execute(
                select(c.priority, c.created_at, c.id)
                .where(*conditions, c.status == status)
                .order_by(*order)
                .limit(limit)
            )
        ]
        for status in statuses
    ]
    merged = heapq.merge(*pages, key=lambda p: p.key(oldest_first))
    ids = [p.id for p in itertools.islice(merged, limit)]
    found = by_ids(conn, workspace_id, ids)
    return [found[i] for i in ids if i in found]


def by_author(conn: Connection, workspace_id: int, handle: str, *, limit: int) -> list[Item]:
    """The author's items, newest first (any status)."""
    rows = conn.execute(
        select(inbox_items)
        .where(inbox_items.c.workspace_id == workspace_id, inbox_items.c.author_handle == handle)
        .order_by(inbox_items.c.created_at.desc(), inbox_items.c.id.desc())
        .limit(limit)
    )
    return [_item(r) for r in rows]


def by_ids(conn: Connection, workspace_id: int, item_ids: list[int]) -> dict[int, Item]:
    found: dict[int, Item] = {}
    for start in range(0, len(item_ids), 500):
        # By id alone (see search.mentions_by_id for why), the workspace checked here.
        rows = conn.execute(
            select(inbox_items).where(inbox_items.c.id.in_(item_ids[start : start + 500]))
        )
        found.update((r.id, _item(r)) for r in rows if r.workspace_id == workspace_id)
    return found


def open_by_author(conn: Connection, workspace_id: int, handles: list[str]) -> dict[str, Item]:
    """Each author's most recent open item."""
    found: dict[str, Item] = {}
    for start in range(0, len(handles), 500):
        rows = conn.execute(
            select(inbox_items)
            .where(
                inbox_items.c.workspace_id == workspace_id,
                inbox_items.c.author_handle.in_(handles[start : start + 500]),
                inbox_items.c.status.in_(OPEN_STATUSES),
            )
            .order_by(inbox_items.c.created_at, inbox_items.c.id)
        )
        found.update((r.author_handle, _item(r)) for r in rows)
    return found


def follow_up(
    conn: Connection, item_id: int, priority: int, reasons: list[str], at: datetime
) -> None:
    """The author wrote again: the item takes the higher priority and every reason, and one
    waiting on the customer is theirs to act on again (a new version: stale forms conflict)."""
    row = conn.execute(select(inbox_items).where(inbox_items.c.id == item_id)).one()
    merged = list(row.reasons) + [r for r in reasons if r not in row.reasons]
    values: dict[str, Any] = {"priority": max(row.priority, priority), "reasons": merged}
    if row.status == "waiting":
        values.update(
            status="assigned" if row.assignee_id else "new",
            version=row.version + 1,
            updated_at=at,
        )
    conn.execute(update(inbox_items).where(inbox_items.c.id == item_id).values(**values))


def unanswered_since(conn: Connection, workspace_id: int, before: datetime) -> list[Item]:
    """Open items without a first response that arrived before `before`."""
    rows = conn.execute(
        select(inbox_items).where(
            inbox_items.c.workspace_id == workspace_id,
            inbox_items.c.status.in_(OPEN_STATUSES),
            inbox_items.c.first_response_at.is_(None),
            inbox_items.c.created_at < before,
        )
    )
    return [_item(r) for r in rows]
