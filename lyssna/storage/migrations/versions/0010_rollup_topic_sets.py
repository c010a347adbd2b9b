"""Dashboard counts for sets of topics: each mention's exact set of topics is a signature, and
mentions are counted per workspace, signature, UTC hour and facet (lyssna.storage.rollups), so
that a dashboard for two or more topics counts a mention in both once without reading mentions.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import UTCDateTime

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topic_signatures"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_topic_signatures_workspace_id_workspaces",
        ),
        sa.UniqueConstraint(
            "workspace_id", "topics", name="uq_topic_signatures_workspace_id_topics"
        ),
    )
    op.create_table(
        "topic_set_rollups",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(16), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "signature_id",
            "facet",
            "hour",
            "value",
            name="pk_topic_set_rollups",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_topic_set_rollups_workspace_id_workspaces",
        ),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["topic_signatures.id"],
            ondelete="CASCADE",
            name="fk_topic_set_rollups_signature_id_topic_signatures",
        ),
        sqlite_with_rowid=False,
    )
    # Count what is already stored, with today's recount (what `lyssna recount` runs too).
    from lyssna.storage import rollups

    conn = op.get_bind()
    for (workspace_id,) in conn.execute(sa.text("SELECT id FROM workspaces ORDER BY id")):
        rollups.rebuild_topic_sets(conn, workspace_id)


def downgrade() -> None:
    op.drop_table("topic_set_rollups")
    op.drop_table("topic_signatures")
