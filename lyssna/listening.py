"""The listening core's operations, as the CLI, the web app and the API call them.

Each function is a thin layer over storage and the query language: it validates, then works in
one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from lyssna.core.errors import UserError
from lyssna.core.records import TOPIC_KINDS, Topic
from lyssna.query import parse
from lyssna.storage import rollups
from lyssna.storage import topics as topic_store
from lyssna.storage.database import write_transaction
from lyssna.storage.dialect import insert_ignoring_conflicts
from lyssna.storage.schema import mention_topics
from lyssna.storage.search import MentionFilter, iter_matching
from lyssna.workspace import WorkspaceContext

_BACKFILL_CHUNK = 1000


def _check_kind(kind: str) -> None:
    if kind not in TOPIC_KINDS:
        raise UserError(f"unknown topic kind {kind!r}: use one of {', '.join(TOPIC_KINDS)}")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("a topic name must be 1 to 200 characters")
    return name


def match_stored(conn: Connection, workspace_id: int, topic: Topic) -> int:
    """Match one topic against every stored mention; returns how many matched."""
    flt = MentionFilter(query=parse(topic.query))
    statement = insert_ignoring_conflicts(conn, mention_topics)
    pending: list[dict[str, object]] = []
    matched = 0
    for mention in iter_matching(conn, workspace_id, flt, newest_first=False):
        pending.append(
            {"topic_id": topic.id, "mention_id": mention.id, "created_at": mention.created_at}
        )
        if len(pending) >= _BACKFILL_CHUNK:
            conn.execute(statement, pending)
            matched += len(pending)
            pending = []
    if pending:
        conn.execute(statement, pending)
        matched += len(pending)
    return matched


def add_topic(
    ctx: WorkspaceContext, name: str, query: str, kind: str = "theme"
) -> tuple[Topic, int]:
    """Add a topic and match it against the mentions already stored."""
    name = _check_name(name)
    _check_kind(kind)
    canonical = parse(query)  # refuses a malformed query before anything is stored
    del canonical
    with write_transaction(ctx.engine) as conn:
        topic = topic_store.add(conn, ctx.workspace.id, name, query.strip(), kind)
        matched = match_stored(conn, ctx.workspace.id, topic)
        rollups.rebuild_topic(conn, ctx.workspace.id, topic.id)  # dashboard counts
    return topic, matched


def edit_topic(
    ctx: WorkspaceContext, name: str, query: str, kind: str | None = None
) -> tuple[Topic, int]:
    """Change a topic's query; its matches are recomputed over the stored mentions."""
    parse(query)
    with write_transaction(ctx.engine) as conn:
        current = topic_store.get(conn, ctx.workspace.id, name)
        new_kind = kind or current.kind
        _check_kind(new_kind)
        topic = topic_store.set_query(conn, ctx.workspace.id, name, query.strip(), new_kind)
        conn.execute(mention_topics.delete().where(mention_topics.c.topic_id == topic.id))
        matched = match_stored(conn, ctx.workspace.id, topic)
        rollups.rebuild_topic(conn, ctx.workspace.id, topic.id)  # dashboard counts
    return topic, matched


def remove_topic(ctx: WorkspaceContext, name: str) -> Topic:
    with write_transaction(ctx.engine) as conn:
        topic = topic_store.remove(conn, ctx.workspace.id, name)
        rollups.forget_topic(conn, ctx.workspace.id, topic.id)  # dashboard counts
        return topic


def list_topics(ctx: WorkspaceContext) -> list[Topic]:
    with ctx.engine.connect() as conn:
        return topic_store.list_all(conn, ctx.workspace.id)


def topic_ids(ctx: WorkspaceContext, names: Sequence[str]) -> list[int]:
    with ctx.engine.connect() as conn:
        return [topic_store.get(conn, ctx.workspace.id, n).id for n in names]


def check_period(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise UserError("--since must be earlier than --until")
