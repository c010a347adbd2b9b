"""The tables. Alembic migrations under storage/migrations create them; tests check the two agree.

Times are stored in UTC. SQLite keeps them as ISO strings without offset, PostgreSQL as
`timestamp with time zone`; `UTCDateTime` hands back aware UTC datetimes either way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# JSON on SQLite, JSONB on PostgreSQL.
JSONDocument = JSON().with_variant(postgresql.JSONB(), "postgresql")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, server_default="Europe/Stockholm"),
    Column("created_at", UTCDateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("config", JSONDocument, nullable=False, default=dict),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

topics = Table(
    "topics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("query", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("external_id", String(512), nullable=False),
    Column("source_id", ForeignKey("sources.id", ondelete="SET NULL"), nullable=True),
    Column("text", Text, nullable=False),
    # Lower-cased words of the text, space separated, as lyssna.query.tokens.search_terms gives
    # them; PostgreSQL indexes these (not its own parser's tokens) so that its full-text
    # narrowing agrees with the query language's idea of a word.
    Column("search_terms", Text, nullable=False, default=""),
    Column("text_hash", String(32), nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("near_duplicate", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("collected_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("author_handle", String(256), nullable=True),
    Column("author_name", String(256), nullable=True),
    Column("author_followers", BigInteger, nullable=True),
    Column("url", Text, nullable=True),
    Column("host", String(256), nullable=True),
    Column("reply_to", String(512), nullable=True),
    Column("lang", String(8), nullable=True),
    Column("lang_variant", String(8), nullable=True),
    Column("lang_confidence", Float, nullable=True),
    Column("sentiment", String(10), nullable=True),
    Column("sentiment_score", Float, nullable=True),
    Column("explanation", JSONDocument, nullable=True),
    Column("likes", BigInteger, nullable=True),
    Column("shares", BigInteger, nullable=True),
    Column("replies", BigInteger, nullable=True),
    Column("views", BigInteger, nullable=True),
    Column("raw", JSONDocument, nullable=False),
    UniqueConstraint("workspace_id", "channel", "external_id"),
    Index(None, "workspace_id", "created_at"),
    Index(None, "workspace_id", "fingerprint"),
    # The dashboard's top authors: the biggest audiences first, their mentions counted per author.
    Index("ix_mentions_reach", "workspace_id", "author_followers", "created_at", "author_handle"),
    Index("ix_mentions_author", "workspace_id", "author_handle", "created_at"),
    # An even 1/64 of the mentions, for the dashboard's rising words on long periods.
    Index(
        "ix_mentions_sample",
        "workspace_id",
        "created_at",
        sqlite_where=text("id % 64 = 0"),
        postgresql_where=text("id % 64 = 0"),
    ),
)

# What the dashboard ranks mentions by (likes + shares + replies); indexed, so that the top few of
# a long period are read without sorting the period. The zeros are literals, not parameters: a
# database uses an index on an expression only for the same expression, word for word.
_ZERO = literal_column("0", Integer)
ENGAGEMENT = (
    func.coalesce(mentions.c.likes, _ZERO)
    + func.coalesce(mentions.c.shares, _ZERO)
    + func.coalesce(mentions.c.replies, _ZERO)
)
Index("ix_mentions_engagement", mentions.c.workspace_id, ENGAGEMENT)

mention_topics = Table(
    "mention_topics",
    metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("mention_id", ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    # Copied from the mention so a topic's timeline needs no join; kept in step on update.
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "topic_id", "created_at"),
    Index(None, "mention_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("origin", Text, nullable=False),  # file path or source name
    Column("line", Integer, nullable=True),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "origin", "line"),
)

# The outbox: one row per thing that happened, written in the same transaction as the change.
# Consumers (inbox, alerts, reports) read it in id order and remember the last id they saw.
events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject_id", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("payload", JSONDocument, nullable=True),
    Index(None, "workspace_id", "id"),
)


# Tables other modules define on the same metadata; imported last so that they can import this.
from lyssna.storage import (  # noqa: E402, F401
    accounts,
    connector_state,
    inbox,
    inbox_replies,
    inbox_teams,
    invitations,
    rollups,
    sentiment_rules,
)
