"""Workspaces: one company or brand with its topics, sources and mentions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from lyssna.core.clock import utcnow
from lyssna.core.errors import NotFoundError
from lyssna.storage.schema import workspaces


@dataclass(frozen=True, slots=True)
class Workspace:
    id: int
    slug: str
    name: str
    timezone: str


def get(conn: Connection, slug: str) -> Workspace:
    row = conn.execute(select(workspaces).where(workspaces.c.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no workspace named {slug!r}: run `lyssna init --workspace {slug}`")
    return Workspace(row.id, row.slug, row.name, row.timezone)


def ensure(
    conn: Connection, slug: str, name: str | None = None, timezone: str | None = None
) -> Workspace:
    """The workspace with this slug, created if it does not exist yet."""
    row = conn.execute(select(workspaces).where(workspaces.c.slug == slug)).first()
    if row is None:
        values = {"slug": slug, "name": name or slug, "created_at": utcnow()}
        if timezone:
            values["timezone"] = timezone
        conn.execute(insert(workspaces).values(**values))
    return get(conn, slug)


def list_all(conn: Connection) -> list[Workspace]:
    rows = conn.execute(select(workspaces).order_by(workspaces.c.slug))
    return [Workspace(r.id, r.slug, r.name, r.timezone) for r in rows]
