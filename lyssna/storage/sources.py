"""Sources: where mentions come from (a file import, a feed, a platform search)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from lyssna.core.clock import utcnow
from lyssna.storage.schema import sources


def ensure(conn: Connection, workspace_id: int, name: str, kind: str = "import") -> int:
    """The id of the named source, created (as `kind`) if it does not exist yet."""
    query = select(sources.c.id).where(
        sources.c.workspace_id == workspace_id, sources.c.name == name
    )
    found = conn.execute(query).scalar()
    if found is not None:
        return int(found)
    conn.execute(
        insert(sources).values(
            workspace_id=workspace_id, name=name, kind=kind, config={}, created_at=utcnow()
        )
    )
    return int(conn.execute(query).scalar_one())
