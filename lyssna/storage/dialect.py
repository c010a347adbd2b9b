"""The few statements that differ between SQLite and PostgreSQL, in one place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from lyssna.storage.schema import UTCDateTime


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's database."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def _sqlite_time(value: datetime | None) -> str | None:
    # The same text SQLAlchemy's SQLite DateTime writes, so both paths sort and compare alike.
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """executemany at the driver level: the hot path of ingest, without per-value ORM processing.

    Values are converted here once per column type (UTC times, JSON documents) exactly as the
    table's SQLAlchemy types would have done it.
    """
    if not rows:
        return
    columns = list(rows[0])
    sqlite_db = conn.dialect.name == "sqlite"
    converters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, UTCDateTime):
            converters.append(_sqlite_time if sqlite_db else None)
        elif name in _JSON_COLUMNS.get(table.name, ()):
            converters.append(_json_text if sqlite_db else _jsonb)
        else:
            converters.append(None)
    marker = "?" if sqlite_db else "%s"
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)})"
    )
    pairs = list(zip(columns, converters, strict=True))
    values = [tuple(row[c] if f is None else f(row[c]) for c, f in pairs) for row in rows]
    conn.exec_driver_sql(statement, values)


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """`count` new primary keys for `table`, safe against concurrent writers."""
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            f"FROM generate_series(1, {int(count)})"
        )
        return [r[0] for r in rows]
    # SQLite: the caller's write transaction (BEGIN IMMEDIATE) holds the only write lock.
    start = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar_one()
    return list(range(start + 1, start + 1 + count))


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _jsonb(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return None if value is None else Jsonb(value, dumps=lambda v: orjson.dumps(v).decode())


_JSON_COLUMNS = {"mentions": ("raw", "explanation"), "events": ("payload",)}
