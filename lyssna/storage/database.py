"""Engines and schema upgrades. Built by factories; nothing connects at import time.

SQLite is tuned for one writer and many readers (WAL, NORMAL sync, foreign keys on), and
transactions are begun by us, not by the driver: `write_transaction` begins with
`BEGIN IMMEDIATE`, so a write takes the lock up front (waiting for it) instead of failing half-way
with "database is locked"; plain `engine.connect()` reads begin deferred and never block writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool

from lyssna.core.errors import ConfigurationError, StorageError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"LYSSNA_DATABASE_URL is not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": 30},
            poolclass=NullPool if not parsed.database else None,
        )
        _tune_sqlite(engine)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    raise ConfigurationError(
        f"unsupported database {backend!r}: use sqlite:///path or postgresql+psycopg://..."
    )


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IMMEDIATE = "lyssna_immediate"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: committed at the end, rolled back on error."""
    with engine.connect().execution_options(**{_IMMEDIATE: True}) as conn, conn.begin():
        yield conn


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revisions() -> frozenset[str]:
    """The newest migration of each branch. Parallel work may add branches for a while; a merge
    migration joins them again, and `upgrade` applies every branch either way."""
    return frozenset(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    try:
        with engine.connect() as conn:
            return frozenset(MigrationContext.configure(conn).get_current_heads())
    except OperationalError as exc:
        raise StorageError(f"cannot open the database: {exc.orig}") from exc


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migrations (idempotent)."""
    command.upgrade(alembic_config(engine), "heads")


def check_schema(engine: Engine, url_for_messages: str) -> None:
    """Refuse to work on a database that was never initialised or is behind the code."""
    revisions = current_revisions(engine)
    if not revisions:
        raise ConfigurationError(
            f"no Lyssna workspace in {url_for_messages}: run `lyssna init` first"
        )
    if revisions != head_revisions():
        raise ConfigurationError(
            f"the database schema ({', '.join(sorted(revisions))}) is older than this Lyssna "
            f"({', '.join(sorted(head_revisions()))}): run `lyssna init` to upgrade it"
        )
