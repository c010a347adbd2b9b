"""Invitations: one-time links with which an invited person sets their own password.

Only the SHA-256 of a link's secret is stored (as for sessions and API tokens). A link works
once, until it expires; inviting the same person again replaces their unused links. Every
function takes a connection inside a transaction the caller owns; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)

from lyssna.core.clock import utcnow
from lyssna.storage.schema import UTCDateTime, metadata, workspaces

invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("invited_by", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Index(None, "user_id"),
)


@dataclass(frozen=True, slots=True)
class Invitation:
    user_id: int
    workspace_id: int
    workspace_slug: str
    expires_at: datetime


def add(
    conn: Connection,
    token_hash: str,
    user_id: int,
    workspace_id: int,
    invited_by: int | None,
    expires_at: datetime,
) -> None:
    """A new link for the user; their earlier unused links stop working."""
    conn.execute(
        delete(invitations).where(invitations.c.user_id == user_id, invitations.c.used_at.is_(None))
    )
    conn.execute(
        insert(invitations).values(
            token_hash=token_hash,
            user_id=user_id,
            workspace_id=workspace_id,
            invited_by=invited_by,
            created_at=utcnow(),
            expires_at=expires_at,
        )
    )


def _live(token_hash: str) -> list[object]:
    return [
        invitations.c.token_hash == token_hash,
        invitations.c.used_at.is_(None),
        invitations.c.expires_at > utcnow(),
    ]


def find(conn: Connection, token_hash: str) -> Invitation | None:
    """The invitation if its link is unused and has not expired."""
    row = conn.execute(
        select(
            invitations.c.user_id,
            invitations.c.workspace_id,
            workspaces.c.slug,
            invitations.c.expires_at,
        )
        .join(workspaces, workspaces.c.id == invitations.c.workspace_id)
        .where(*_live(token_hash))  # type: ignore[arg-type]
    ).first()
    return Invitation(row.user_id, row.workspace_id, row.slug, row.expires_at) if row else None


def use(conn: Connection, token_hash: str) -> bool:
    """Mark the link used; False if it was used (perhaps a moment ago) or expired."""
    result = conn.execute(
        update(invitations)
        .where(*_live(token_hash))  # type: ignore[arg-type]
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def awaiting_setup(conn: Connection, workspace_id: int) -> dict[int, datetime]:
    """Members invited here who have not set their password yet: user id -> link expiry."""
    done = select(invitations.c.user_id).where(invitations.c.used_at.is_not(None))
    rows = conn.execute(
        select(invitations.c.user_id, invitations.c.expires_at).where(
            invitations.c.workspace_id == workspace_id,
            invitations.c.used_at.is_(None),
            invitations.c.user_id.not_in(done),
        )
    )
    return {r.user_id: r.expires_at for r in rows}


def never_set_up(conn: Connection, user_id: int) -> bool:
    """Invited, and never used a link: nobody knows the account's password yet."""
    rows = conn.execute(select(invitations.c.used_at).where(invitations.c.user_id == user_id)).all()
    return bool(rows) and all(r.used_at is None for r in rows)
