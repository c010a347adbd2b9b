"""Accounts for the web app and the API: users, memberships, sessions, API tokens, sign-in
attempts, and the sentiment corrections users make.

Secrets (session ids, API tokens) are stored only as SHA-256 hashes: a leaked database does not
sign anyone in. Passwords are hashed by the caller (argon2, see lyssna.web.auth). Every function
takes a connection inside a transaction the caller owns; nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.storage.schema import UTCDateTime, mentions, metadata, workspaces

Role = Literal["owner", "admin", "editor", "responder", "viewer"]
# Weakest first: a role may do everything the roles before it may.
ROLES: tuple[Role, ...] = ("viewer", "responder", "editor", "admin", "owner")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("locale", String(8), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "workspace_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),  # shown in lists so users can tell tokens apart
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    Index(None, "user_id"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "email", "created_at"),
    Index(None, "ip", "created_at"),
)

sentiment_corrections = Table(
    "sentiment_corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mention_id", ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("old", String(10), nullable=True),
    Column("new", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "mention_id"),
)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    name: str
    locale: str
    active: bool


@dataclass(frozen=True, slots=True)
class Membership:
    workspace_id: int
    slug: str
    workspace_name: str
    timezone: str
    role: Role


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    role: Role


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Correction:
    mention_id: int
    user_id: int | None
    old: str | None
    new: str
    created_at: datetime


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)  # type: ignore[arg-type]


# --- users ---------------------------------------------------------------------------------------


def _user(row: object) -> User:
    return User(row.id, row.email, row.name, row.locale, bool(row.active))  # type: ignore[attr-defined]


def add_user(
    conn: Connection, email: str, password_hash: str, *, name: str = "", locale: str = "en"
) -> User:
    email = email.strip().lower()
    try:
        with conn.begin_nested():
            conn.execute(
                insert(users).values(
                    email=email,
                    name=name,
                    password_hash=password_hash,
                    locale=locale,
                    active=True,
                    created_at=utcnow(),
                )
            )
    except IntegrityError as exc:
        raise ConflictError(f"a user with the email {email!r} already exists") from exc
    return user_by_email(conn, email)


def find_user_by_email(conn: Connection, email: str) -> tuple[User, str] | None:
    """The user and their password hash, or None."""
    row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
    return (_user(row), row.password_hash) if row else None


def user_by_email(conn: Connection, email: str) -> User:
    found = find_user_by_email(conn, email)
    if found is None:
        raise NotFoundError(f"no user with the email {email!r}")
    return found[0]


def user_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def password_hash_of(conn: Connection, user_id: int) -> str | None:
    return conn.execute(
        select(users.c.password_hash).where(users.c.id == user_id)
    ).scalar_one_or_none()


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def set_locale(conn: Connection, user_id: int, locale: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(locale=locale))


# --- memberships ---------------------------------------------------------------------------------


def set_membership(conn: Connection, user_id: int, workspace_id: int, role: Role) -> None:
    """Give the user this role in the workspace, adding the membership if needed."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    updated = conn.execute(
        update(memberships)
        .where(memberships.c.user_id == user_id, memberships.c.workspace_id == workspace_id)
        .values(role=role)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(memberships).values(
                user_id=user_id, workspace_id=workspace_id, role=role, created_at=utcnow()
            )
        )


def remove_membership(conn: Connection, user_id: int, workspace_id: int) -> None:
    conn.execute(
        delete(memberships).where(
            memberships.c.user_id == user_id, memberships.c.workspace_id == workspace_id
        )
    )


def memberships_of(conn: Connection, user_id: int) -> list[Membership]:
    rows = conn.execute(
        select(
            workspaces.c.id,
            workspaces.c.slug,
            workspaces.c.name,
            workspaces.c.timezone,
            memberships.c.role,
        )
        .join(memberships, memberships.c.workspace_id == workspaces.c.id)
        .where(memberships.c.user_id == user_id)
        .order_by(workspaces.c.name)
    )
    return [Membership(r.id, r.slug, r.name, r.timezone, r.role) for r in rows]


def members_of(conn: Connection, workspace_id: int) -> list[Member]:
    rows = conn.execute(
        select(users, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.workspace_id == workspace_id)
        .order_by(users.c.email)
    )
    return [Member(_user(r), r.role) for r in rows]


def count_owners(conn: Connection, workspace_id: int) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(memberships)
            .where(memberships.c.workspace_id == workspace_id, memberships.c.role == "owner")
        ).scalar_one()
    )


# --- sessions ------------------------------------------------------------------------------------


def add_session(
    conn: Connection, id_hash: str, user_id: int, csrf_token: str, expires_at: datetime
) -> None:
    conn.execute(
        insert(sessions).values(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=utcnow(),
            expires_at=expires_at,
        )
    )


def get_session(conn: Connection, id_hash: str) -> Session | None:
    """The session if it exists and has not expired."""
    row = conn.execute(
        select(sessions).where(sessions.c.id_hash == id_hash, sessions.c.expires_at > utcnow())
    ).first()
    return Session(row.user_id, row.csrf_token, row.expires_at) if row else None


def remove_session(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


def remove_sessions_of(conn: Connection, user_id: int, keep: str | None = None) -> None:
    """Sign the user out everywhere (but `keep`), e.g. after a password change."""
    statement = delete(sessions).where(sessions.c.user_id == user_id)
    if keep is not None:
        statement = statement.where(sessions.c.id_hash != keep)
    conn.execute(statement)


def remove_expired_sessions(conn: Connection) -> None:
    conn.execute(delete(sessions).where(sessions.c.expires_at <= utcnow()))


# --- API tokens ----------------------------------------------------------------------------------


def _token(row: object) -> ApiToken:
    r = row
    return ApiToken(r.id, r.user_id, r.name, r.prefix, r.created_at, r.last_used_at, r.revoked_at)  # type: ignore[attr-defined]


def add_api_token(
    conn: Connection, user_id: int, name: str, token_hash: str, prefix: str
) -> ApiToken:
    result = conn.execute(
        insert(api_tokens).values(
            user_id=user_id, name=name, token_hash=token_hash, prefix=prefix, created_at=utcnow()
        )
    )
    token_id = result.inserted_primary_key[0]  # type: ignore[index]
    row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one()
    return _token(row)


def api_tokens_of(conn: Connection, user_id: int) -> list[ApiToken]:
    rows = conn.execute(
        select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id.desc())
    )
    return [_token(r) for r in rows]


def api_token_user(conn: Connection, token_hash: str) -> int | None:
    """The user a live (not revoked) token belongs to."""
    return conn.execute(
        select(api_tokens.c.user_id).where(
            api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None)
        )
    ).scalar_one_or_none()


def touch_api_token(conn: Connection, token_hash: str) -> None:
    conn.execute(
        update(api_tokens)
        .where(api_tokens.c.token_hash == token_hash)
        .values(last_used_at=utcnow())
    )


def revoke_api_token(conn: Connection, user_id: int, token_id: int) -> None:
    result = conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            api_tokens.c.user_id == user_id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    if result.rowcount == 0:
        raise NotFoundError("no such API token")


# --- sign-in attempts ----------------------------------------------------------------------------


def record_login_attempt(conn: Connection, email: str, ip: str, succeeded: bool) -> None:
    conn.execute(
        insert(login_attempts).values(
            email=email.strip().lower(), ip=ip, succeeded=succeeded, created_at=utcnow()
        )
    )


def recent_failures(conn: Connection, *, since: datetime, email: str, ip: str) -> tuple[int, int]:
    """Failed sign-ins since `since`: (for this email, from this IP)."""

    def failures(condition: object) -> int:
        return int(
            conn.execute(
                select(func.count())
                .select_from(login_attempts)
                .where(
                    condition,  # type: ignore[arg-type]
                    login_attempts.c.succeeded.is_(False),
                    login_attempts.c.created_at >= since,
                )
            ).scalar_one()
        )

    return (
        failures(login_attempts.c.email == email.strip().lower()),
        failures(login_attempts.c.ip == ip),
    )


def forget_failures(conn: Connection, email: str) -> None:
    """A successful sign-in clears the email's failures (the IP's stay counted)."""
    conn.execute(
        delete(login_attempts).where(
            login_attempts.c.email == email.strip().lower(),
            login_attempts.c.succeeded.is_(False),
        )
    )


def prune_login_attempts(conn: Connection, before: datetime) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.created_at < before))


# --- sentiment corrections -----------------------------------------------------------------------


def correct_sentiment(
    conn: Connection, workspace_id: int, mention_id: int, user_id: int | None, new: str
) -> Correction:
    """Set a mention's sentiment by hand and keep the correction (for review and retraining)."""
    old = conn.execute(
        select(mentions.c.sentiment).where(
            mentions.c.id == mention_id, mentions.c.workspace_id == workspace_id
        )
    ).first()
    if old is None:
        raise NotFoundError(f"no mention {mention_id} in this workspace")
    now = utcnow()
    conn.execute(
        update(mentions).where(mentions.c.id == mention_id).values(sentiment=new, updated_at=now)
    )
    conn.execute(
        insert(sentiment_corrections).values(
            mention_id=mention_id, user_id=user_id, old=old.sentiment, new=new, created_at=now
        )
    )
    return Correction(mention_id, user_id, old.sentiment, new, now)


def corrections_for(conn: Connection, mention_id: int) -> list[Correction]:
    rows = conn.execute(
        select(sentiment_corrections)
        .where(sentiment_corrections.c.mention_id == mention_id)
        .order_by(sentiment_corrections.c.id)
    )
    return [Correction(r.mention_id, r.user_id, r.old, r.new, r.created_at) for r in rows]
