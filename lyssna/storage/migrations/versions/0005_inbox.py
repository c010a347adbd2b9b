"""Engagement inbox: items that need an answer, their activity (audit trail), the outbox cursor.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import JSONDocument, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", BigId, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reasons", JSONDocument, nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_response_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_items"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_inbox_items_workspace_id_workspaces",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mentions.id"],
            ondelete="CASCADE",
            name="fk_inbox_items_mention_id_mentions",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_inbox_items_assignee_id_users",
        ),
        sa.UniqueConstraint("mention_id", name="uq_inbox_items_mention_id"),
    )
    op.create_index(
        "ix_inbox_items_workspace_id_status_priority",
        "inbox_items",
        ["workspace_id", "status", "priority"],
    )
    op.create_table(
        "inbox_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_activity"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inbox_items.id"],
            ondelete="CASCADE",
            name="fk_inbox_activity_item_id_inbox_items",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="SET NULL",
            name="fk_inbox_activity_user_id_users",
        ),
    )
    op.create_index("ix_inbox_activity_item_id", "inbox_activity", ["item_id"])
    op.create_table(
        "inbox_cursors",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_inbox_cursors"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_inbox_cursors_workspace_id_workspaces",
        ),
    )


def downgrade() -> None:
    op.drop_table("inbox_cursors")
    op.drop_table("inbox_activity")
    op.drop_table("inbox_items")
