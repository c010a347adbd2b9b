"""Who may change whose membership: the rules shared by the members page and the API.

Admins and owners manage members; only an owner may make someone an owner or change an
owner's membership, and the last owner of a workspace cannot be demoted or removed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from lyssna.core.errors import NotFoundError, UserError
from lyssna.storage import accounts, invitations
from lyssna.storage.accounts import ROLES, Member, Role
from lyssna.storage.database import write_transaction
from lyssna.web import auth


class NotAllowed(UserError):
    """The acting user's role does not allow this change."""


def _check(actor_role: Role, target_role: str | None, new_role: str | None) -> None:
    if not accounts.role_at_least(actor_role, "admin"):
        raise NotAllowed("only admins and owners manage members")
    if actor_role != "owner" and "owner" in (target_role, new_role):
        raise NotAllowed("only an owner can grant or change the owner role")


def list_members(engine: Engine, workspace_id: int) -> list[Member]:
    with engine.connect() as conn:
        return accounts.members_of(conn, workspace_id)


def invite(
    engine: Engine,
    workspace_id: int,
    actor_role: Role,
    email: str,
    role: str,
    locale: str,
    actor_id: int | None = None,
) -> auth.Invited:
    """Invite someone with a role; someone new gets a one-time link to set their password."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}")
    with engine.connect() as conn:
        found = accounts.find_user_by_email(conn, email)
        current = None
        if found:
            current = next(
                (
                    m.role
                    for m in accounts.members_of(conn, workspace_id)
                    if m.user.id == found[0].id
                ),
                None,
            )
    _check(actor_role, current, role)
    return auth.invite(
        engine,
        workspace_id,
        email,
        role,  # type: ignore[arg-type]
        locale=locale,
        invited_by=actor_id,
    )


def awaiting_setup(engine: Engine, workspace_id: int) -> dict[int, datetime]:
    """Members who were sent a link and have not set their password yet: id -> link expiry."""
    with engine.connect() as conn:
        return invitations.awaiting_setup(conn, workspace_id)


def _target(conn: object, workspace_id: int, user_id: int) -> Member:
    for member in accounts.members_of(conn, workspace_id):  # type: ignore[arg-type]
        if member.user.id == user_id:
            return member
    raise NotFoundError("no such member")


def set_role(engine: Engine, workspace_id: int, actor_role: Role, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}")
    with write_transaction(engine) as conn:
        target = _target(conn, workspace_id, user_id)
        _check(actor_role, target.role, role)
        if (
            target.role == "owner"
            and role != "owner"
            and accounts.count_owners(conn, workspace_id) < 2
        ):
            raise NotAllowed("a workspace needs at least one owner")
        accounts.set_membership(conn, user_id, workspace_id, role)  # type: ignore[arg-type]


def remove(engine: Engine, workspace_id: int, actor_role: Role, user_id: int) -> None:
    with write_transaction(engine) as conn:
        target = _target(conn, workspace_id, user_id)
        _check(actor_role, target.role, None)
        if target.role == "owner" and accounts.count_owners(conn, workspace_id) < 2:
            raise NotAllowed("a workspace needs at least one owner")
        accounts.remove_membership(conn, user_id, workspace_id)
