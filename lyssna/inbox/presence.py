"""Who has an item's reply box open right now, so two people do not answer the same customer.

The page beats every few seconds while the box is open; a beat older than FRESH has expired
(the tab was closed, the laptop went to sleep).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from lyssna.core.clock import utcnow
from lyssna.storage import accounts
from lyssna.storage import inbox as item_store
from lyssna.storage import inbox_replies as store
from lyssna.storage.database import write_transaction

FRESH = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Writer:
    name: str  # display name, or the email when the user has none
    email: str
    since: datetime


def writers(
    conn: Connection, item_id: int, *, except_user: int | None, now: datetime | None = None
) -> list[Writer]:
    """Colleagues with a fresh beat on this item, longest there first."""
    now = now or utcnow()
    found = []
    for p in store.present(conn, item_id, now - FRESH):
        if p.user_id == except_user:
            continue
        user = accounts.user_by_id(conn, p.user_id)
        if user is not None:
            found.append(Writer(user.name or user.email, user.email, p.started_at))
    return found


def beat(engine: Engine, workspace_id: int, item_id: int, user_id: int) -> list[Writer]:
    """`user_id` is writing a reply to the item; returns the colleagues writing one too."""
    now = utcnow()
    with write_transaction(engine) as conn:
        item_store.get(conn, workspace_id, item_id)  # NotFoundError outside the workspace
        store.heartbeat(conn, item_id, user_id, now, FRESH)
        store.forget_presence_before(conn, now - FRESH * 20)
        return writers(conn, item_id, except_user=user_id, now=now)


def look(engine: Engine, workspace_id: int, item_id: int, user_id: int) -> list[Writer]:
    """The colleagues writing a reply to the item, without announcing oneself."""
    with engine.connect() as conn:
        item_store.get(conn, workspace_id, item_id)
        return writers(conn, item_id, except_user=user_id)


def leave(engine: Engine, workspace_id: int, item_id: int, user_id: int) -> None:
    with write_transaction(engine) as conn:
        item_store.get(conn, workspace_id, item_id)
        store.leave(conn, item_id, user_id)
