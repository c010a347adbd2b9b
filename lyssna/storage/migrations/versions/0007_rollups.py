"""Dashboard counts (mentions per workspace, topic, UTC hour and facet, counted from the data
already stored), indexes for the dashboard's top authors, top mentions and rising words, and
invitation links.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import UTCDateTime

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_rollups",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(16), nullable=False),
        sa.Column("hour", UTCDateTime(), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "topic_id", "facet", "hour", "value", name="pk_mention_rollups"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_mention_rollups_workspace_id_workspaces",
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_invitations_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_invitations_workspace_id_workspaces",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_invitations_invited_by_users",
        ),
        sa.UniqueConstraint("token_hash", name="uq_invitations_token_hash"),
    )
    op.create_index("ix_invitations_user_id", "invitations", ["user_id"])
    # The dashboard's few questions that its counts cannot answer (lyssna.storage.schema).
    op.create_index(
        "ix_mentions_reach",
        "mentions",
        ["workspace_id", "author_followers", "created_at", "author_handle"],
    )
    op.create_index(
        "ix_mentions_author", "mentions", ["workspace_id", "author_handle", "created_at"]
    )
    op.create_index(
        "ix_mentions_sample",
        "mentions",
        ["workspace_id", "created_at"],
        sqlite_where=sa.text("id % 64 = 0"),
        postgresql_where=sa.text("id % 64 = 0"),
    )
    op.create_index(
        "ix_mentions_engagement",
        "mentions",
        [
            "workspace_id",
            sa.text("(coalesce(likes, 0) + coalesce(shares, 0) + coalesce(replies, 0))"),
        ],
    )
    # Count what is already stored. This uses today's recount (lyssna.storage.rollups), which
    # is what `lyssna recount` runs too.
    from lyssna.storage import rollups

    conn = op.get_bind()
    for (workspace_id,) in conn.execute(sa.text("SELECT id FROM workspaces ORDER BY id")):
        rollups.rebuild(conn, workspace_id)


def downgrade() -> None:
    for name in ("ix_mentions_engagement", "ix_mentions_sample", "ix_mentions_author"):
        op.drop_index(name, table_name="mentions")
    op.drop_index("ix_mentions_reach", table_name="mentions")
    op.drop_index("ix_invitations_user_id", table_name="invitations")
    op.drop_table("invitations")
    op.drop_table("mention_rollups")
