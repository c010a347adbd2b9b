"""Signing in and out, and the front door."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lyssna.storage import accounts
from lyssna.web import auth
from lyssna.web.deps import (
    check_csrf,
    client_ip,
    optional_principal,
    principal,
    state,
    translator_for,
)
from lyssna.web.routes.common import redirect
from lyssna.web.security import new_token, tokens_match

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never let ?next= send a user elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc or "\\" in target else target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/")
def home(request: Request) -> Response:
    who = principal(request)
    with state(request).engine.connect() as conn:
        memberships = accounts.memberships_of(conn, who.user.id)
    if not memberships:
        return redirect("/account")
    preferred = state(request).settings.workspace
    chosen = next((m for m in memberships if m.slug == preferred), memberships[0])
    return redirect(f"/w/{chosen.slug}/")


def _sign_in_page(
    request: Request, error: str | None = None, email: str = "", status_code: int = 200
) -> Response:
    t = translator_for(request)
    token = request.cookies.get(auth.PRE_SESSION_COOKIE) or new_token()
    response = state(request).templates.TemplateResponse(
        request,
        "signin.html",
        {
            "t": t,
            "csrf": token,
            "error": error,
            "email": email,
            "next": _safe_next(request.query_params.get("next")),
            "access": None,
        },
        status_code=status_code,
    )
    return with_form_token(request, response, token)


def with_form_token(request: Request, response: Response, token: str) -> Response:
    """The CSRF double-submit cookie for a form shown before a session exists."""
    response.set_cookie(
        auth.PRE_SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request)
    )
    return response


def with_session(request: Request, response: Response, secret: str) -> Response:
    """The session cookie for a user who has just proved who they are."""
    response.set_cookie(
        auth.SESSION_COOKIE,
        secret,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(auth.PRE_SESSION_COOKIE)
    return response


@router.get("/signin")
def sign_in_form(request: Request) -> Response:
    if optional_principal(request) is not None:
        return redirect(_safe_next(request.query_params.get("next")))
    return _sign_in_page(request)


@router.post("/signin")
def sign_in(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
) -> Response:
    t = translator_for(request)
    # Before a session exists, CSRF is a double-submit: the form's token equals the cookie's.
    if not tokens_match(request.cookies.get(auth.PRE_SESSION_COOKIE), csrf):
        return _sign_in_page(request, t("error.csrf"), email, 403)
    engine = state(request).engine
    try:
        user = auth.sign_in(engine, email, password, client_ip(request))
    except auth.TooManyAttempts as exc:
        return _sign_in_page(request, t("signin.too_many", minutes=exc.minutes), email, 429)
    except auth.SignInError:
        return _sign_in_page(request, t("signin.wrong"), email, 401)
    secret, _csrf = auth.start_session(engine, user.id)
    return with_session(request, redirect(_safe_next(next)), secret)


@router.post("/signout")
def sign_out(request: Request, csrf: str = Form("")) -> Response:
    who = optional_principal(request)
    if who is not None and who.session_hash:
        check_csrf(who, csrf)
        auth.end_session(state(request).engine, who.session_hash, hashed=True)
    response = redirect("/signin")
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@router.get("/switch")
def switch_workspace(request: Request, slug: str = "") -> Response:
    """The workspace switcher's target; only a workspace the user belongs to."""
    who = principal(request)
    if auth.membership_in(state(request).engine, who.user.id, slug) is None:
        return redirect("/")
    return redirect(f"/w/{slug}/")
