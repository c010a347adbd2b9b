"""The conversation view's index on mentions.reply_to holds replies only.

Most mentions answer nothing; indexing them too cost ingest time for every mention stored and
helped no query (search.replies_to asks for a given reply_to, which implies it is not null).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = ["workspace_id", "channel", "reply_to", "created_at"]


def upgrade() -> None:
    op.drop_index("ix_mentions_reply_to", table_name="mentions", if_exists=True)
    only_replies = sa.text("reply_to IS NOT NULL")
    op.create_index(
        "ix_mentions_reply_to",
        "mentions",
        _COLUMNS,
        sqlite_where=only_replies,
        postgresql_where=only_replies,
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_reply_to", table_name="mentions")
    op.create_index("ix_mentions_reply_to", "mentions", _COLUMNS)
