"""The schema reached through migrations is the one the code describes."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lyssna.core.settings import load_settings
from lyssna.storage import database
from lyssna.storage.schema import metadata
from lyssna.workspace import init_workspace


def _differences(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _ignore_search_structures}
        )
        return compare_metadata(context, metadata)


def _ignore_search_structures(obj, name, type_, reflected, compare_to):
    # Full-text structures are created by raw SQL in the migration; they are not in metadata.
    if name and (
        name.startswith("mentions_fts") or name in ("search_vector", "ix_mentions_search_vector")
    ):
        return False
    return True


def test_migrated_schema_matches_metadata(workspace):
    assert _differences(workspace.engine) == []
    assert database.current_revisions(workspace.engine) == database.head_revisions()


def test_init_is_idempotent(tmp_path):
    settings = load_settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}")
    first = init_workspace(settings)
    second = init_workspace(settings)
    assert first.workspace == second.workspace
