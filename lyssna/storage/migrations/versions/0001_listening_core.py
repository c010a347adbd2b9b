"""Listening core: workspaces, sources, topics, mentions, topic matches, quarantine, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from lyssna.storage.schema import JSONDocument, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="Europe/Stockholm"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.UniqueConstraint("slug", name="uq_workspaces_slug"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("config", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_sources_workspace_id_workspaces",
        ),
        sa.UniqueConstraint("workspace_id", "name", name="uq_sources_workspace_id_name"),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topics"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_topics_workspace_id_workspaces",
        ),
        sa.UniqueConstraint("workspace_id", "name", name="uq_topics_workspace_id_name"),
    )
    op.create_table(
        "mentions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_terms", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("near_duplicate", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("collected_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("author_handle", sa.String(256), nullable=True),
        sa.Column("author_name", sa.String(256), nullable=True),
        sa.Column("author_followers", sa.BigInteger(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("host", sa.String(256), nullable=True),
        sa.Column("reply_to", sa.String(512), nullable=True),
        sa.Column("lang", sa.String(8), nullable=True),
        sa.Column("lang_variant", sa.String(8), nullable=True),
        sa.Column("lang_confidence", sa.Float(), nullable=True),
        sa.Column("sentiment", sa.String(10), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("explanation", JSONDocument, nullable=True),
        sa.Column("likes", sa.BigInteger(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=True),
        sa.Column("replies", sa.BigInteger(), nullable=True),
        sa.Column("views", sa.BigInteger(), nullable=True),
        sa.Column("raw", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_mentions_workspace_id_workspaces",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            ondelete="SET NULL",
            name="fk_mentions_source_id_sources",
        ),
        sa.UniqueConstraint(
            "workspace_id",
            "channel",
            "external_id",
            name="uq_mentions_workspace_id_channel_external_id",
        ),
    )
    op.create_index(
        "ix_mentions_workspace_id_created_at", "mentions", ["workspace_id", "created_at"]
    )
    op.create_index(
        "ix_mentions_workspace_id_fingerprint", "mentions", ["workspace_id", "fingerprint"]
    )
    op.create_table(
        "mention_topics",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("mention_id", BigId, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("topic_id", "mention_id", name="pk_mention_topics"),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            ondelete="CASCADE",
            name="fk_mention_topics_topic_id_topics",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mentions.id"],
            ondelete="CASCADE",
            name="fk_mention_topics_mention_id_mentions",
        ),
    )
    op.create_index(
        "ix_mention_topics_topic_id_created_at", "mention_topics", ["topic_id", "created_at"]
    )
    op.create_index("ix_mention_topics_mention_id", "mention_topics", ["mention_id"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_quarantine_workspace_id_workspaces",
        ),
        sa.UniqueConstraint(
            "workspace_id", "origin", "line", name="uq_quarantine_workspace_id_origin_line"
        ),
    )
    op.create_table(
        "events",
        sa.Column("id", BigId, nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("payload", JSONDocument, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            ondelete="CASCADE",
            name="fk_events_workspace_id_workspaces",
        ),
    )
    op.create_index("ix_events_workspace_id_id", "events", ["workspace_id", "id"])

    # Full-text narrowing over our own tokenisation (see mentions.search_terms).
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE mentions_fts USING fts5(search_terms, content='mentions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
        )
        op.execute(
            "CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN "
            "INSERT INTO mentions_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END"
        )
        op.execute(
            "CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN "
            "INSERT INTO mentions_fts(mentions_fts, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); END"
        )
        op.execute(
            "CREATE TRIGGER mentions_fts_update AFTER UPDATE OF search_terms ON mentions BEGIN "
            "INSERT INTO mentions_fts(mentions_fts, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); "
            "INSERT INTO mentions_fts(rowid, search_terms) VALUES (new.id, new.search_terms); END"
        )
    else:
        op.execute(
            "ALTER TABLE mentions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(array_to_tsvector(string_to_array(search_terms, ' '))) STORED"
        )
        op.execute("CREATE INDEX ix_mentions_search_vector ON mentions USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS mentions_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS mentions_fts")
    for table in ("events", "quarantine", "mention_topics", "mentions", "topics", "sources"):
        op.drop_table(table)
    op.drop_table("workspaces")
