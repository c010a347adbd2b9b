"""Who is asking: passwords, sign-in with rate limiting, sessions, API tokens, roles.

Sessions and API tokens are random secrets given to the client once; the database keeps only
their SHA-256, so a copy of the database cannot be used to sign in. Signing out deletes the
session row, which revokes it at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine

from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.storage import accounts, invitations
from lyssna.storage.accounts import Membership, Role, User
from lyssna.storage.database import write_transaction

SESSION_COOKIE = "lyssna_session"
PRE_SESSION_COOKIE = "lyssna_presession"  # CSRF double-submit cookie for the sign-in form
SESSION_LIFETIME = timedelta(days=14)
API_TOKEN_PREFIX = "lys_"

# Failed sign-ins allowed per window. The IP limit is higher than the email one because a whole
# office often shares one address; the email limit is what stops guessing one person's password.
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 20
MIN_PASSWORD_LENGTH = 10
INVITATION_LIFETIME = timedelta(days=7)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class SignInError(UserError):
    """Wrong email or password (deliberately not saying which)."""


class TooManyAttempts(UserError):
    """Too many failed sign-ins; the user must wait."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(f"too many failed sign-ins: wait {minutes} minutes and try again")


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user, and how they proved it."""

    user: User
    via: str  # "session" or "token"
    session_hash: str | None = None
    csrf_token: str | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def generate_password() -> str:
    """A one-time password that is easy to type from a screen: 4 groups of 4 letters/digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def sign_in(engine: Engine, email: str, password: str, ip: str) -> User:
    """The user for these credentials; every attempt is recorded for rate limiting."""
    email = email.strip().lower()
    since = utcnow() - FAILURE_WINDOW
    with engine.connect() as conn:
        by_email, by_ip = accounts.recent_failures(conn, since=since, email=email, ip=ip)
        if by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP:
            raise TooManyAttempts(int(FAILURE_WINDOW.total_seconds() // 60))
        found = accounts.find_user_by_email(conn, email)
    user, stored = found if found else (None, None)
    ok = verify_password(stored, password) and user is not None and user.active
    with write_transaction(engine) as conn:
        accounts.record_login_attempt(conn, email, ip, ok)
        if ok:
            accounts.forget_failures(conn, email)
        accounts.prune_login_attempts(conn, utcnow() - FAILURE_WINDOW * 4)
    if not ok or user is None:
        raise SignInError("wrong email or password")
    if _hasher.check_needs_rehash(stored or ""):
        with write_transaction(engine) as conn:
            accounts.set_password_hash(conn, user.id, hash_password(password))
    return user


def start_session(engine: Engine, user_id: int) -> tuple[str, str]:
    """A new session: (the secret for the cookie, its CSRF token)."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with write_transaction(engine) as conn:
        accounts.remove_expired_sessions(conn)
        accounts.add_session(conn, secret_hash(secret), user_id, csrf, utcnow() + SESSION_LIFETIME)
    return secret, csrf


def end_session(engine: Engine, secret_or_hash: str, *, hashed: bool = False) -> None:
    with write_transaction(engine) as conn:
        accounts.remove_session(conn, secret_or_hash if hashed else secret_hash(secret_or_hash))


def principal_from_session(engine: Engine, secret: str) -> Principal | None:
    digest = secret_hash(secret)
    with engine.connect() as conn:
        session = accounts.get_session(conn, digest)
        user = accounts.user_by_id(conn, session.user_id) if session else None
    if session is None or user is None or not user.active:
        return None
    return Principal(user, "session", digest, session.csrf_token)


def principal_from_bearer(engine: Engine, secret: str) -> Principal | None:
    """A personal API token, or a session secret handed out by the API's sign-in."""
    if not secret.startswith(API_TOKEN_PREFIX):
        found = principal_from_session(engine, secret)
        return Principal(found.user, "token", found.session_hash) if found else None
    digest = secret_hash(secret)
    with engine.connect() as conn:
        user_id = accounts.api_token_user(conn, digest)
        user = accounts.user_by_id(conn, user_id) if user_id is not None else None
    if user is None or not user.active:
        return None
    with write_transaction(engine) as conn:
        accounts.touch_api_token(conn, digest)
    return Principal(user, "token")


def create_api_token(engine: Engine, user_id: int, name: str) -> tuple[str, accounts.ApiToken]:
    """A new personal API token: (the secret, shown once; its stored record)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise UserError("a token name must be 1 to 200 characters")
    body = secrets.token_urlsafe(32)
    secret = API_TOKEN_PREFIX + body
    with write_transaction(engine) as conn:
        token = accounts.add_api_token(conn, user_id, name, secret_hash(secret), body[:8])
    return secret, token


def change_password(
    engine: Engine, user_id: int, current: str, new: str, keep_session: str | None
) -> None:
    check_password_strength(new)
    with engine.connect() as conn:
        stored = accounts.password_hash_of(conn, user_id)
    if not verify_password(stored, current):
        raise SignInError("the current password is wrong")
    with write_transaction(engine) as conn:
        accounts.set_password_hash(conn, user_id, hash_password(new))
        accounts.remove_sessions_of(conn, user_id, keep=keep_session)


def _check_invitee(email: str, role: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise UserError(f"{email!r} is not an email address")
    if role not in accounts.ROLES:
        raise UserError(f"unknown role {role!r}")
    return email


def add_member(
    engine: Engine, workspace_id: int, email: str, role: Role, *, locale: str = "en"
) -> tuple[User, str | None]:
    """Add a user to a workspace with a role; a new user gets a one-time password (returned).

    An existing user keeps their password (None is returned) and just gains the membership.
    For the first owner, from the command line; the web app invites with a link (`invite`).
    """
    email = _check_invitee(email, role)
    password: str | None = None
    with write_transaction(engine) as conn:
        found = accounts.find_user_by_email(conn, email)
        if found is None:
            password = generate_password()
            user = accounts.add_user(conn, email, hash_password(password), locale=locale)
        else:
            user = found[0]
        accounts.set_membership(conn, user.id, workspace_id, role)
    return user, password


@dataclass(frozen=True, slots=True)
class Invited:
    user: User
    # The secret of a one-time setup link (None: the user already has a password and simply
    # gained the membership). Only its hash is stored: shown once, by the caller.
    token: str | None
    expires_at: datetime | None

    def link(self, base_url: str) -> str | None:
        return setup_link(base_url, self.token) if self.token else None


class InvitationInvalid(UserError):
    """The setup link is unknown, used or expired."""


def setup_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/invite/{token}"


def invite(
    engine: Engine,
    workspace_id: int,
    email: str,
    role: Role,
    *,
    locale: str = "en",
    invited_by: int | None = None,
) -> Invited:
    """Add a user to a workspace with a role; someone new gets a link to set their password.

    The link works once, for INVITATION_LIFETIME. Until it is used nobody knows the account's
    password (a random one is hashed), so it cannot be signed into. Inviting again someone who
    never used their link gives a new link; an existing user just gains the membership.
    """
    email = _check_invitee(email, role)
    token: str | None = None
    expires_at: datetime | None = None
    with write_transaction(engine) as conn:
        found = accounts.find_user_by_email(conn, email)
        if found is None:
            user = accounts.add_user(
                conn, email, hash_password(secrets.token_urlsafe(32)), locale=locale
            )
        else:
            user = found[0]
        accounts.set_membership(conn, user.id, workspace_id, role)
        if found is None or invitations.never_set_up(conn, user.id):
            token = secrets.token_urlsafe(32)
            expires_at = utcnow() + INVITATION_LIFETIME
            invitations.add(conn, secret_hash(token), user.id, workspace_id, invited_by, expires_at)
    return Invited(user, token, expires_at)


def invitation(engine: Engine, token: str) -> tuple[invitations.Invitation, User]:
    """The live invitation a setup link stands for, and who was invited."""
    with engine.connect() as conn:
        found = invitations.find(conn, secret_hash(token))
        user = accounts.user_by_id(conn, found.user_id) if found else None
    if found is None or user is None:
        raise InvitationInvalid("this link is no longer valid: ask for a new invitation")
    return found, user


def accept_invitation(engine: Engine, token: str, password: str) -> tuple[User, str]:
    """Set the invited user's password through their link, once: (the user, workspace slug)."""
    check_password_strength(password)
    found, user = invitation(engine, token)
    password_hash = hash_password(password)  # slow: before the write lock is taken
    with write_transaction(engine) as conn:
        if not invitations.use(conn, secret_hash(token)):  # someone was quicker with it
            raise InvitationInvalid("this link is no longer valid: ask for a new invitation")
        accounts.set_password_hash(conn, user.id, password_hash)
        accounts.remove_sessions_of(conn, user.id)
    return user, found.workspace_slug


def membership_in(engine: Engine, user_id: int, slug: str) -> Membership | None:
    with engine.connect() as conn:
        for membership in accounts.memberships_of(conn, user_id):
            if membership.slug == slug:
                return membership
    return None
