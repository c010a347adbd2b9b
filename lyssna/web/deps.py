"""What every page and API route asks first: who is this, and may they do this here?

A workspace is named in the URL (`/w/{slug}/...`, `/api/v1/workspaces/{slug}/...`). A user who
is not a member of it gets 404, the same as for a workspace that does not exist, so the app does
not tell strangers which workspaces exist; a member whose role is too weak gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import Engine

from lyssna.core.settings import Settings
from lyssna.storage import accounts
from lyssna.storage.accounts import Membership, Role
from lyssna.storage.workspaces import Workspace
from lyssna.web import auth
from lyssna.web.i18n import Translator, best_language
from lyssna.web.security import tokens_match
from lyssna.workspace import WorkspaceContext


@dataclass(slots=True)
class WebState:
    settings: Settings
    engine: Engine
    templates: Any  # starlette Jinja2Templates


class SignInRequired(Exception):
    """No valid session: pages redirect to the sign-in form, the API answers 401."""


@dataclass(frozen=True, slots=True)
class Access:
    """A user inside one workspace, with what they need to render or act there."""

    principal: auth.Principal
    membership: Membership
    memberships: list[Membership]
    t: Translator

    @property
    def workspace_id(self) -> int:
        return self.membership.workspace_id

    @property
    def slug(self) -> str:
        return self.membership.slug

    @property
    def role(self) -> Role:
        return self.membership.role

    def can(self, role: str) -> bool:
        return accounts.role_at_least(self.role, role)

    def context(self, state: WebState) -> WorkspaceContext:
        """A WorkspaceContext for the library functions (lyssna.listening)."""
        m = self.membership
        settings = state.settings.model_copy(update={"workspace": m.slug})
        return WorkspaceContext(
            settings, state.engine, Workspace(m.workspace_id, m.slug, m.workspace_name, m.timezone)
        )


def state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def optional_principal(request: Request) -> auth.Principal | None:
    """The caller, looked up once per request (bearer token first, then session cookie)."""
    if hasattr(request.state, "principal"):
        return request.state.principal  # type: ignore[no-any-return]
    engine = state(request).engine
    header = request.headers.get("authorization", "")
    found: auth.Principal | None
    if header.lower().startswith("bearer "):
        found = auth.principal_from_bearer(engine, header[7:].strip())
    else:
        secret = request.cookies.get(auth.SESSION_COOKIE)
        found = auth.principal_from_session(engine, secret) if secret else None
    request.state.principal = found
    return found


def principal(request: Request) -> auth.Principal:
    found = optional_principal(request)
    if found is None:
        raise SignInRequired()
    return found


def access(request: Request, slug: str, needed: Role = "viewer") -> Access:
    """The signed-in user's access to workspace `slug`: 404 if not a member, 403 if too weak."""
    who = principal(request)
    with state(request).engine.connect() as conn:
        memberships = accounts.memberships_of(conn, who.user.id)
    membership = next((m for m in memberships if m.slug == slug), None)
    if membership is None:
        raise HTTPException(404, "not_found")
    t = Translator(who.user.locale, membership.timezone)
    if not accounts.role_at_least(membership.role, needed):
        raise HTTPException(403, "forbidden")
    return Access(who, membership, memberships, t)


def translator_for(request: Request, who: auth.Principal | None = None) -> Translator:
    if who is not None:
        return Translator(who.user.locale)
    return Translator(best_language(request.headers.get("accept-language")))


def check_csrf(who: auth.Principal, given: str | None) -> None:
    """Every form a signed-in user posts carries the session's CSRF token."""
    if who.via == "session" and not tokens_match(who.csrf_token, given):
        raise HTTPException(403, "csrf")
