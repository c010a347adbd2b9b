"""The event outbox: written in the same transaction as the change it reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from lyssna.core.clock import utcnow
from lyssna.storage.dialect import db_json, db_time, insert_sql
from lyssna.storage.schema import events

MENTION_NEW = "mention.new"
MENTION_UPDATED = "mention.updated"


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    kind: str
    subject_id: int | None
    created_at: datetime
    payload: dict[str, Any] | None


def emit_many(
    conn: Connection,
    workspace_id: int,
    kind: str,
    subjects: list[tuple[int, dict[str, Any] | None]],
) -> None:
    if not subjects:
        return
    dialect = conn.dialect.name
    now = db_time(utcnow(), dialect)
    conn.exec_driver_sql(
        insert_sql(
            dialect,
            "events",
            ("workspace_id", "kind", "subject_id", "payload", "created_at"),
            ("payload",),
        ),
        [(workspace_id, kind, s, db_json(p), now) for s, p in subjects],
    )


def read_after(
    conn: Connection, workspace_id: int, after_id: int = 0, limit: int = 1000
) -> list[Event]:
    """Events newer than `after_id`, oldest first: a consumer remembers the last id it handled."""
    rows = conn.execute(
        select(events)
        .where(events.c.workspace_id == workspace_id, events.c.id > after_id)
        .order_by(events.c.id)
        .limit(limit)
    )
    return [Event(r.id, r.kind, r.subject_id, r.created_at, r.payload) for r in rows]
