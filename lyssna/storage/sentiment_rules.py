"""Per-workspace analysis state: pinned terms and the model adapted from people's corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.storage.schema import JSONDocument, UTCDateTime, mentions, metadata

sentiment_rules = Table(
    "sentiment_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("term", String(200), nullable=False),
    Column("sentiment", String(10), nullable=False),
    Column("lang", String(8), nullable=False, server_default=""),  # "" = every language
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "term", "lang"),
)

analysis_models = Table(
    "analysis_models",
    metadata,
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("adaptation", JSONDocument, nullable=False),
    Column("corrections_used", Integer, nullable=False),
    Column("held_out", Integer, nullable=False),
    Column("accuracy_before", Float, nullable=True),
    Column("accuracy_after", Float, nullable=True),
    Column("trained_at", UTCDateTime, nullable=False),
)


@dataclass(frozen=True, slots=True)
class Rule:
    term: str
    sentiment: str
    lang: str | None


@dataclass(frozen=True, slots=True)
class StoredModel:
    adaptation: dict[str, Any]
    corrections_used: int
    held_out: int
    accuracy_before: float | None
    accuracy_after: float | None
    trained_at: datetime


@dataclass(frozen=True, slots=True)
class CorrectedText:
    mention_id: int
    text: str
    lang: str | None
    sentiment: str


def add_rule(conn: Connection, workspace_id: int, rule: Rule) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(sentiment_rules).values(
                    workspace_id=workspace_id,
                    term=rule.term,
                    sentiment=rule.sentiment,
                    lang=rule.lang or "",
                    created_at=utcnow(),
                )
            )
    except IntegrityError as exc:
        raise ConflictError(f"{rule.term!r} is already pinned; remove it first") from exc


def remove_rule(conn: Connection, workspace_id: int, term: str) -> None:
    result = conn.execute(
        delete(sentiment_rules).where(
            sentiment_rules.c.workspace_id == workspace_id, sentiment_rules.c.term == term
        )
    )
    if result.rowcount == 0:
        raise NotFoundError(f"{term!r} is not pinned (see `lyssna analysis rules`)")


def list_rules(conn: Connection, workspace_id: int) -> list[Rule]:
    rows = conn.execute(
        select(sentiment_rules)
        .where(sentiment_rules.c.workspace_id == workspace_id)
        .order_by(sentiment_rules.c.term)
    )
    return [Rule(r.term, r.sentiment, r.lang or None) for r in rows]


def _corrections() -> Table:
    # Defined by the web app's accounts module; looked up here so neither imports the other.
    return metadata.tables["sentiment_corrections"]


def corrected_texts(conn: Connection, workspace_id: int) -> list[CorrectedText]:
    """Each corrected mention with its latest correction, oldest first."""
    sentiment_corrections = _corrections()
    latest = (
        select(func.max(sentiment_corrections.c.id))
        .group_by(sentiment_corrections.c.mention_id)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(mentions.c.id, mentions.c.text, mentions.c.lang, sentiment_corrections.c.new)
        .join(mentions, mentions.c.id == sentiment_corrections.c.mention_id)
        .where(mentions.c.workspace_id == workspace_id, sentiment_corrections.c.id.in_(latest))
        .order_by(sentiment_corrections.c.id)
    )
    return [CorrectedText(r.id, r.text, r.lang, r.new) for r in rows]


def corrected_mention_ids(conn: Connection, workspace_id: int) -> set[int]:
    sentiment_corrections = _corrections()
    rows = conn.execute(
        select(sentiment_corrections.c.mention_id)
        .join(mentions, mentions.c.id == sentiment_corrections.c.mention_id)
        .where(mentions.c.workspace_id == workspace_id)
    )
    return {r[0] for r in rows}


def load_model(conn: Connection, workspace_id: int) -> StoredModel | None:
    row = conn.execute(
        select(analysis_models).where(analysis_models.c.workspace_id == workspace_id)
    ).first()
    if row is None:
        return None
    return StoredModel(
        row.adaptation,
        row.corrections_used,
        row.held_out,
        row.accuracy_before,
        row.accuracy_after,
        row.trained_at,
    )


def save_model(conn: Connection, workspace_id: int, model: StoredModel) -> None:
    conn.execute(delete(analysis_models).where(analysis_models.c.workspace_id == workspace_id))
    conn.execute(
        insert(analysis_models).values(
            workspace_id=workspace_id,
            adaptation=model.adaptation,
            corrections_used=model.corrections_used,
            held_out=model.held_out,
            accuracy_before=model.accuracy_before,
            accuracy_after=model.accuracy_after,
            trained_at=model.trained_at,
        )
    )
