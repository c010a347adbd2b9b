"""Shared fixtures: a fresh workspace on SQLite and, marked `postgres`, on the PostgreSQL server.

The PostgreSQL tests use LYSSNA_TEST_POSTGRES_URL (default: the local server's `test` database)
and a schema of their own that is dropped afterwards. When no server answers they are skipped,
except in CI (CI=true), where a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lyssna.core.settings import load_settings
from lyssna.workspace import WorkspaceContext, init_workspace

# Rich sizes tables to the terminal; tests read cells, so give every run the same wide one
# (set before any CLI module creates its console).
os.environ["COLUMNS"] = "200"

POSTGRES_URL = os.environ.get(
    "LYSSNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_available() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means: no server for us
        return f"{type(exc).__name__}: {exc}".splitlines()[0]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI but does not answer: {problem}")
        pytest.skip(f"no PostgreSQL server at {POSTGRES_URL}: {problem}")
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own."""
    schema = f"lyssna_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lyssna.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def workspace(tmp_path: Path, database_url: str) -> Iterator[WorkspaceContext]:
    settings = load_settings(home=tmp_path / "home", database_url=database_url)
    ctx = init_workspace(settings, name="Test AB")
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def sqlite_workspace(tmp_path: Path) -> Iterator[WorkspaceContext]:
    settings = load_settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'w.db'}")
    ctx = init_workspace(settings, name="Test AB")
    yield ctx
    ctx.engine.dispose()
