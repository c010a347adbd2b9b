"""Connectors: per-source state (cursor, health, schedule, counters).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_state",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("cursor", JSONDocument, nullable=True),
        sa.Column("health", sa.String(20), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("next_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("items_fetched", sa.BigInteger(), nullable=False),
        sa.Column("mentions_collected", sa.BigInteger(), nullable=False),
        sa.Column("quarantined", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name="pk_source_state"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            ondelete="CASCADE",
            name="fk_source_state_source_id_sources",
        ),
    )


def downgrade() -> None:
    op.drop_table("source_state")
