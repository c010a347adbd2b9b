"""Opening a workspace: settings -> database engine (schema checked) -> workspace row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from lyssna.core.settings import Settings
from lyssna.storage import database, workspaces
from lyssna.storage.database import write_transaction
from lyssna.storage.workspaces import Workspace


@dataclass(frozen=True, slots=True)
class WorkspaceContext:
    settings: Settings
    engine: Engine
    workspace: Workspace


def init_workspace(
    settings: Settings, *, name: str | None = None, timezone: str | None = None
) -> WorkspaceContext:
    """Create the home folder, bring the schema up to date and create the workspace. Idempotent."""
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = database.make_engine(settings.database_url)
    database.upgrade(engine)
    with write_transaction(engine) as conn:
        workspace = workspaces.ensure(conn, settings.workspace, name=name, timezone=timezone)
    return WorkspaceContext(settings, engine, workspace)


def open_workspace(settings: Settings) -> WorkspaceContext:
    """The existing workspace; a clear error if `lyssna init` was not run."""
    engine = database.make_engine(settings.database_url)
    database.check_schema(engine, settings.redacted_database_url())
    with engine.connect() as conn:
        workspace = workspaces.get(conn, settings.workspace)
    return WorkspaceContext(settings, engine, workspace)
