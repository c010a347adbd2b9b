"""Connector sources and their state: cursor, health, schedule, counters.

The `sources` table (schema.py) holds what the user configured; `source_state` holds what the
runner learned, one row per source, so `sources list` and a restarted `listen` both know where
each source stands. Functions take a Connection: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.storage.schema import JSONDocument, UTCDateTime, metadata, sources

Health = Literal["new", "healthy", "backing_off", "unhealthy"]

source_state = Table(
    "source_state",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("cursor", JSONDocument, nullable=True),
    Column("health", String(20), nullable=False, default="new"),
    Column("last_run_at", UTCDateTime, nullable=True),
    Column("last_success_at", UTCDateTime, nullable=True),
    Column("next_run_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_fetched", BigInteger, nullable=False, default=0),
    Column("mentions_collected", BigInteger, nullable=False, default=0),
    Column("quarantined", BigInteger, nullable=False, default=0),
)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A configured source with its state."""

    id: int
    name: str
    kind: str
    config: dict[str, Any]
    created_at: datetime
    cursor: dict[str, Any] | None = None
    health: Health = "new"
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    next_run_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_fetched: int = 0
    mentions_collected: int = 0
    quarantined: int = 0


def _select() -> Any:
    return select(
        sources.c.id,
        sources.c.name,
        sources.c.kind,
        sources.c.config,
        sources.c.created_at,
        source_state.c.cursor,
        source_state.c.health,
        source_state.c.last_run_at,
        source_state.c.last_success_at,
        source_state.c.next_run_at,
        source_state.c.last_error,
        source_state.c.consecutive_failures,
        source_state.c.items_fetched,
        source_state.c.mentions_collected,
        source_state.c.quarantined,
    ).select_from(sources.outerjoin(source_state, source_state.c.source_id == sources.c.id))


def _record(row: Any) -> SourceRecord:
    return SourceRecord(
        id=row.id,
        name=row.name,
        kind=row.kind,
        config=dict(row.config or {}),
        created_at=row.created_at,
        cursor=row.cursor,
        health=row.health or "new",
        last_run_at=row.last_run_at,
        last_success_at=row.last_success_at,
        next_run_at=row.next_run_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures or 0,
        items_fetched=row.items_fetched or 0,
        mentions_collected=row.mentions_collected or 0,
        quarantined=row.quarantined or 0,
    )


def add(
    conn: Connection, workspace_id: int, name: str, kind: str, config: dict[str, Any]
) -> SourceRecord:
    existing = conn.execute(
        select(sources.c.kind).where(sources.c.workspace_id == workspace_id, sources.c.name == name)
    ).scalar()
    if existing is not None:
        raise ConflictError(f"a source named {name!r} already exists ({existing})")
    conn.execute(
        insert(sources).values(
            workspace_id=workspace_id, name=name, kind=kind, config=config, created_at=utcnow()
        )
    )
    record = get(conn, workspace_id, name)
    conn.execute(
        insert(source_state).values(
            source_id=record.id,
            health="new",
            consecutive_failures=0,
            items_fetched=0,
            mentions_collected=0,
            quarantined=0,
        )
    )
    return get(conn, workspace_id, name)


def get(conn: Connection, workspace_id: int, name: str) -> SourceRecord:
    row = conn.execute(
        _select().where(sources.c.workspace_id == workspace_id, sources.c.name == name)
    ).first()
    if row is None:
        raise NotFoundError(f"no source named {name!r}: see `lyssna sources list`")
    return _record(row)


def list_all(
    conn: Connection, workspace_id: int, kinds: list[str] | None = None
) -> list[SourceRecord]:
    query = _select().where(sources.c.workspace_id == workspace_id)
    if kinds is not None:
        query = query.where(sources.c.kind.in_(kinds))
    return [_record(row) for row in conn.execute(query.order_by(sources.c.name))]


def update_config(
    conn: Connection,
    workspace_id: int,
    name: str,
    config: dict[str, Any],
    *,
    reset_cursor: bool,
) -> SourceRecord:
    """New settings for a source. `reset_cursor` when what it reads changed: it starts again
    from the platform's newest items (mentions it collects twice are stored once)."""
    record = get(conn, workspace_id, name)
    conn.execute(update(sources).where(sources.c.id == record.id).values(config=config))
    _ensure_state(conn, record.id)
    if reset_cursor:
        conn.execute(
            update(source_state)
            .where(source_state.c.source_id == record.id)
            .values(cursor=None, next_run_at=None)
        )
    return get(conn, workspace_id, name)


def remove(conn: Connection, workspace_id: int, name: str) -> SourceRecord:
    """Delete the source and its state; its mentions stay (their source becomes unknown)."""
    record = get(conn, workspace_id, name)
    conn.execute(delete(source_state).where(source_state.c.source_id == record.id))
    conn.execute(delete(sources).where(sources.c.id == record.id))
    return record


def _ensure_state(conn: Connection, source_id: int) -> None:
    found = conn.execute(
        select(source_state.c.source_id).where(source_state.c.source_id == source_id)
    ).first()
    if found is None:
        conn.execute(
            insert(source_state).values(
                source_id=source_id,
                health="new",
                consecutive_failures=0,
                items_fetched=0,
                mentions_collected=0,
                quarantined=0,
            )
        )


def save_progress(
    conn: Connection,
    source_id: int,
    cursor: dict[str, Any],
    *,
    fetched: int,
    collected: int,
    quarantined: int,
) -> None:
    """After a page is stored: the cursor moves on and the counters grow."""
    _ensure_state(conn, source_id)
    conn.execute(
        update(source_state)
        .where(source_state.c.source_id == source_id)
        .values(
            cursor=cursor,
            items_fetched=source_state.c.items_fetched + fetched,
            mentions_collected=source_state.c.mentions_collected + collected,
            quarantined=source_state.c.quarantined + quarantined,
        )
    )


def record_success(
    conn: Connection, source_id: int, *, at: datetime, next_run_at: datetime
) -> None:
    _ensure_state(conn, source_id)
    conn.execute(
        update(source_state)
        .where(source_state.c.source_id == source_id)
        .values(
            health="healthy",
            last_run_at=at,
            last_success_at=at,
            next_run_at=next_run_at,
            last_error=None,
            consecutive_failures=0,
        )
    )


def record_failure(
    conn: Connection,
    source_id: int,
    *,
    at: datetime,
    health: Health,
    error: str,
    next_run_at: datetime,
) -> None:
    _ensure_state(conn, source_id)
    conn.execute(
        update(source_state)
        .where(source_state.c.source_id == source_id)
        .values(
            health=health,
            last_run_at=at,
            next_run_at=next_run_at,
            last_error=error,
            consecutive_failures=source_state.c.consecutive_failures + 1,
        )
    )
