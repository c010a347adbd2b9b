"""Join the inbox-replies (0006) and rollups (0007) branches; on SQLite the full-text index of
new mentions is filled by the ingest writer for a whole batch instead of a per-row trigger.

An AFTER INSERT trigger into the FTS5 table cost about three times the rest of a mention's
insert (indexes included); one executemany into it after the batch costs a small fraction.
Every mention is inserted by `lyssna.storage.mentions.store_batch`, which now does it. The
update and delete triggers stay: edits and deletions are rare and must never be missed.

Revision ID: 0008
Revises: 0006, 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = ("0006", "0007")
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS mentions_fts_insert")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN "
            "INSERT INTO mentions_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END"
        )
