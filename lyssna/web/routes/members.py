"""Members of a workspace: invite (with a one-time setup link), change roles, remove (admins
and owners)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lyssna.core.errors import UserError
from lyssna.storage.accounts import ROLES
from lyssna.web import members
from lyssna.web.deps import Access, access, check_csrf, state
from lyssna.web.routes.common import redirect, render

router = APIRouter()


def _page(request: Request, who: Access, status_code: int = 200, **context: object) -> Response:
    values: dict[str, object] = {
        "members": members.list_members(state(request).engine, who.workspace_id),
        "roles": ROLES[::-1],
        "awaiting": members.awaiting_setup(state(request).engine, who.workspace_id),
        "invited": None,
        "link": None,
        "expires_at": None,
        "error": None,
        "done": request.query_params.get("done"),
    }
    values.update(context)
    return render(request, who, "members.html", status_code=status_code, **values)


@router.get("/w/{slug}/members")
def list_members(request: Request, slug: str) -> Response:
    return _page(request, access(request, slug, "admin"))


@router.post("/w/{slug}/members")
def invite(
    request: Request,
    slug: str,
    email: str = Form(""),
    role: str = Form("viewer"),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    try:
        invited = members.invite(
            state(request).engine,
            who.workspace_id,
            who.role,
            email,
            role,
            who.t.language,
            actor_id=who.principal.user.id,
        )
    except UserError as exc:
        return _page(request, who, 400, error=str(exc))
    # Rendered, not redirected: the setup link is shown once and only its hash is kept.
    base = state(request).settings.public_url or str(request.base_url)
    return _page(
        request,
        who,
        invited=invited.user.email,
        link=invited.link(base),
        expires_at=invited.expires_at,
    )


@router.post("/w/{slug}/members/{user_id}/role")
def set_role(
    request: Request, slug: str, user_id: int, role: str = Form(...), csrf: str = Form("")
) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    try:
        members.set_role(state(request).engine, who.workspace_id, who.role, user_id, role)
    except UserError as exc:
        return _page(request, who, 400, error=str(exc))
    return redirect(f"/w/{slug}/members?done=role")


@router.post("/w/{slug}/members/{user_id}/remove")
def remove(request: Request, slug: str, user_id: int, csrf: str = Form("")) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    try:
        members.remove(state(request).engine, who.workspace_id, who.role, user_id)
    except UserError as exc:
        return _page(request, who, 400, error=str(exc))
    return redirect(f"/w/{slug}/members?done=removed")
