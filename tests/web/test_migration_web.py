"""Migration 0003 creates the account tables exactly as lyssna.storage.accounts describes them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lyssna.storage import accounts

MINE = {
    t.name
    for t in (
        accounts.users,
        accounts.memberships,
        accounts.sessions,
        accounts.api_tokens,
        accounts.login_attempts,
        accounts.sentiment_corrections,
    )
}


def _only_mine(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is not None and table.name in MINE


def test_account_tables_match_the_migration(workspace):
    with workspace.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _only_mine}
        )
        assert compare_metadata(context, accounts.metadata) == []
