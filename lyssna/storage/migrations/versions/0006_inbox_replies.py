"""Inbox replies (sent at most once), who is writing, approval, teams and assignment rules.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], ondelete=ondelete, name=f"fk_{table}_{column}_{target}"
    )


def upgrade() -> None:
    op.create_table(
        "inbox_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_teams"),
        _fk("inbox_teams", "workspace_id", "workspaces", "CASCADE"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_inbox_teams_workspace_id_name"),
    )
    op.create_table(
        "inbox_team_members",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_inbox_team_members"),
        _fk("inbox_team_members", "team_id", "inbox_teams", "CASCADE"),
        _fk("inbox_team_members", "user_id", "users", "CASCADE"),
    )
    op.create_table(
        "inbox_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_rules"),
        _fk("inbox_rules", "workspace_id", "workspaces", "CASCADE"),
        _fk("inbox_rules", "topic_id", "topics", "CASCADE"),
        _fk("inbox_rules", "team_id", "inbox_teams", "CASCADE"),
        _fk("inbox_rules", "assignee_id", "users", "CASCADE"),
    )
    op.create_index(
        "ix_inbox_rules_workspace_id_position", "inbox_rules", ["workspace_id", "position"]
    )

    # New columns on inbox_items. `team_id` has no database reference: SQLite cannot add one to
    # an existing table without rebuilding it, and dropping the old table would cascade-delete
    # every item's history. inbox_teams.remove_team clears it instead.
    op.add_column("inbox_items", sa.Column("team_id", sa.Integer(), nullable=True))
    op.add_column("inbox_items", sa.Column("author_handle", sa.String(256), nullable=True))
    op.execute(
        "UPDATE inbox_items SET author_handle = "
        "(SELECT author_handle FROM mentions WHERE mentions.id = inbox_items.mention_id)"
    )
    op.create_index(
        "ix_inbox_items_workspace_id_author_handle",
        "inbox_items",
        ["workspace_id", "author_handle"],
    )
    # The list's orders per status (keyset pages), and one person's items.
    op.drop_index("ix_inbox_items_workspace_id_status_priority", table_name="inbox_items")
    op.create_index(
        "ix_inbox_items_workspace_id_status_priority_created_at_id",
        "inbox_items",
        ["workspace_id", "status", "priority", "created_at", "id"],
    )
    op.create_index(
        "ix_inbox_items_workspace_id_status_created_at_id",
        "inbox_items",
        ["workspace_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_inbox_items_assignee_order",
        "inbox_items",
        ["workspace_id", "assignee_id", "status", "priority", "created_at", "id"],
    )
    # The conversation view: what answered a mention.
    op.create_index(
        "ix_mentions_reply_to", "mentions", ["workspace_id", "channel", "reply_to", "created_at"]
    )

    op.create_table(
        "inbox_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(512), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("check_first", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("sending_since", UTCDateTime(), nullable=True),
        sa.Column("first_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_replies"),
        _fk("inbox_replies", "workspace_id", "workspaces", "CASCADE"),
        _fk("inbox_replies", "item_id", "inbox_items", "CASCADE"),
        _fk("inbox_replies", "author_id", "users", "SET NULL"),
        _fk("inbox_replies", "approver_id", "users", "SET NULL"),
        sa.UniqueConstraint("key", name="uq_inbox_replies_key"),
    )
    op.create_index("ix_inbox_replies_item_id", "inbox_replies", ["item_id"])
    op.create_index(
        "ix_inbox_replies_workspace_id_state", "inbox_replies", ["workspace_id", "state"]
    )
    op.create_table(
        "inbox_presence",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "user_id", name="pk_inbox_presence"),
        _fk("inbox_presence", "item_id", "inbox_items", "CASCADE"),
        _fk("inbox_presence", "user_id", "users", "CASCADE"),
    )
    op.create_table(
        "inbox_settings",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("approval_up_to", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_inbox_settings"),
        _fk("inbox_settings", "workspace_id", "workspaces", "CASCADE"),
    )


def downgrade() -> None:
    op.drop_table("inbox_settings")
    op.drop_table("inbox_presence")
    op.drop_table("inbox_replies")
    op.drop_index("ix_mentions_reply_to", table_name="mentions")
    for name in (
        "ix_inbox_items_assignee_order",
        "ix_inbox_items_workspace_id_status_created_at_id",
        "ix_inbox_items_workspace_id_status_priority_created_at_id",
        "ix_inbox_items_workspace_id_author_handle",
    ):
        op.drop_index(name, table_name="inbox_items")
    op.create_index(
        "ix_inbox_items_workspace_id_status_priority",
        "inbox_items",
        ["workspace_id", "status", "priority"],
    )
    op.drop_column("inbox_items", "author_handle")
    op.drop_column("inbox_items", "team_id")
    op.drop_table("inbox_rules")
    op.drop_table("inbox_team_members")
    op.drop_table("inbox_teams")
