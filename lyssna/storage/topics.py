"""Topics: named listening queries. The query text is validated by the caller (lyssna.query)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.core.records import Topic
from lyssna.storage.schema import topics


def _topic(row: object) -> Topic:
    return Topic(id=row.id, name=row.name, query=row.query, kind=row.kind)  # type: ignore[attr-defined]


def add(conn: Connection, workspace_id: int, name: str, query: str, kind: str) -> Topic:
    now = utcnow()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(topics).values(
                    workspace_id=workspace_id,
                    name=name,
                    query=query,
                    kind=kind,
                    created_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError as exc:
        raise ConflictError(f"a topic named {name!r} already exists") from exc
    return get(conn, workspace_id, name)


def get(conn: Connection, workspace_id: int, name: str) -> Topic:
    row = conn.execute(
        select(topics).where(topics.c.workspace_id == workspace_id, topics.c.name == name)
    ).first()
    if row is None:
        raise NotFoundError(f"no topic named {name!r} (see `lyssna topics list`)")
    return _topic(row)


def list_all(conn: Connection, workspace_id: int) -> list[Topic]:
    rows = conn.execute(
        select(topics).where(topics.c.workspace_id == workspace_id).order_by(topics.c.name)
    )
    return [_topic(r) for r in rows]


def set_query(conn: Connection, workspace_id: int, name: str, query: str, kind: str) -> Topic:
    topic = get(conn, workspace_id, name)
    conn.execute(
        update(topics)
        .where(topics.c.id == topic.id)
        .values(query=query, kind=kind, updated_at=utcnow())
    )
    return get(conn, workspace_id, name)


def remove(conn: Connection, workspace_id: int, name: str) -> Topic:
    topic = get(conn, workspace_id, name)
    conn.execute(delete(topics).where(topics.c.id == topic.id))
    return topic
