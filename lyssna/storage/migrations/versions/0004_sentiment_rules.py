"""Per-workspace sentiment rules (pinned terms) and the model adapted from corrections.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import JSONDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sentiment_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("sentiment", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sentiment_rules"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_sentiment_rules_workspace_id_workspaces",
        ),
        sa.UniqueConstraint(
            "workspace_id", "term", "lang", name="uq_sentiment_rules_workspace_id_term_lang"
        ),
    )
    op.create_table(
        "analysis_models",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("adaptation", JSONDocument, nullable=False),
        sa.Column("corrections_used", sa.Integer(), nullable=False),
        sa.Column("held_out", sa.Integer(), nullable=False),
        sa.Column("accuracy_before", sa.Float(), nullable=True),
        sa.Column("accuracy_after", sa.Float(), nullable=True),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_analysis_models"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_analysis_models_workspace_id_workspaces",
        ),
    )


def downgrade() -> None:
    op.drop_table("analysis_models")
    op.drop_table("sentiment_rules")
