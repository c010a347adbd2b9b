"""Quarantine: malformed records, kept with their reason and place so nothing is lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from lyssna.core.clock import utcnow
from lyssna.storage.dialect import insert_ignoring_conflicts
from lyssna.storage.schema import quarantine


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    origin: str
    line: int | None
    reason: str
    payload: str
    created_at: datetime | None = None


def add_many(conn: Connection, workspace_id: int, records: list[QuarantinedRecord]) -> None:
    """Store quarantined records; the same origin and line quarantined again is kept once."""
    if not records:
        return
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "origin": r.origin,
            "line": r.line,
            "reason": r.reason,
            "payload": r.payload,
            "created_at": now,
        }
        for r in records
    ]
    conn.execute(insert_ignoring_conflicts(conn, quarantine), rows)


def list_recent(conn: Connection, workspace_id: int, limit: int = 100) -> list[QuarantinedRecord]:
    rows = conn.execute(
        select(quarantine)
        .where(quarantine.c.workspace_id == workspace_id)
        .order_by(quarantine.c.id.desc())
        .limit(limit)
    )
    return [QuarantinedRecord(r.origin, r.line, r.reason, r.payload, r.created_at) for r in rows]


def count(conn: Connection, workspace_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(quarantine)
            .where(quarantine.c.workspace_id == workspace_id)
        ).scalar_one()
    )
