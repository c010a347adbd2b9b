"""The few statements that differ between SQLite and PostgreSQL, in one place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING for the connection's database."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def db_time(value: datetime | None, dialect: str) -> Any:
    """A UTC time as the driver takes it: SQLite gets the same text SQLAlchemy writes there."""
    if value is None or dialect != "sqlite":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def db_json(value: Any, text: str | None = None) -> str | None:
    """A JSON document as text for either database (`text` when it is already serialised).

    PostgreSQL's jsonb cannot hold the NUL character, so an escaped NUL becomes U+FFFD.
    """
    if text is None:
        if value is None:
            return None
        text = orjson.dumps(value).decode()
    return text.replace("\\u0000", "\\ufffd") if "\\u0000" in text else text


def insert_sql(
    dialect: str, table: str, columns: Sequence[str], json_columns: Sequence[str]
) -> str:
    """A driver-level INSERT; JSON values are passed as text (cast to jsonb on PostgreSQL)."""
    if dialect == "sqlite":
        markers = ["?"] * len(columns)
    else:
        markers = ["CAST(%s AS jsonb)" if c in json_columns else "%s" for c in columns]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(markers)})"


def update_by_id_sql(
    dialect: str, table: str, columns: Sequence[str], json_columns: Sequence[str]
) -> str:
    """A driver-level UPDATE of `columns` for one id, the id bound last."""
    if dialect == "sqlite":
        sets = [f"{c} = ?" for c in columns]
        marker = "?"
    else:
        sets = [f"{c} = CAST(%s AS jsonb)" if c in json_columns else f"{c} = %s" for c in columns]
        marker = "%s"
    return f"UPDATE {table} SET {', '.join(sets)} WHERE id = {marker}"


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
