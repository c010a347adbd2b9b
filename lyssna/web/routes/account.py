"""The signed-in user's own settings: language, password, personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from lyssna.core.errors import UserError
from lyssna.storage import accounts
from lyssna.storage.database import write_transaction
from lyssna.web import auth
from lyssna.web.deps import check_csrf, principal, state
from lyssna.web.i18n import LANGUAGES, Translator
from lyssna.web.routes.common import redirect

router = APIRouter()


def _page(
    request: Request, who: auth.Principal, status_code: int = 200, **context: object
) -> Response:
    with state(request).engine.connect() as conn:
        memberships = accounts.memberships_of(conn, who.user.id)
        tokens = accounts.api_tokens_of(conn, who.user.id)
    t = Translator(who.user.locale, memberships[0].timezone if memberships else "UTC")
    values = {
        "t": t,
        "csrf": who.csrf_token or "",
        "user": who.user,
        "access": None,
        "memberships": memberships,
        "tokens": tokens,
        "languages": LANGUAGES,
        "new_token": None,
        "message": None,
        "error": None,
        "done": request.query_params.get("done"),
    }
    values.update(context)
    return state(request).templates.TemplateResponse(
        request, "account.html", values, status_code=status_code
    )


@router.get("/account")
def account(request: Request) -> Response:
    return _page(request, principal(request))


@router.post("/account/language")
def set_language(request: Request, language: str = Form(...), csrf: str = Form("")) -> Response:
    who = principal(request)
    check_csrf(who, csrf)
    if language not in LANGUAGES:
        raise HTTPException(400, "unknown language")
    with write_transaction(state(request).engine) as conn:
        accounts.set_locale(conn, who.user.id, language)
    back = request.headers.get("referer", "")
    host = request.url.netloc
    # Back to the page the user was on when it is ours; the account page otherwise.
    if back.startswith(f"{request.url.scheme}://{host}/"):
        return redirect(back.split(host, 1)[1])
    return redirect("/account?done=language")


@router.post("/account/password")
def change_password(
    request: Request,
    current: str = Form(""),
    new: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    who = principal(request)
    check_csrf(who, csrf)
    t = Translator(who.user.locale)
    try:
        auth.change_password(state(request).engine, who.user.id, current, new, who.session_hash)
    except auth.SignInError:
        return _page(request, who, 400, error=t("account.wrong_password"))
    except UserError:
        return _page(
            request, who, 400, error=t("account.weak_password", n=auth.MIN_PASSWORD_LENGTH)
        )
    return redirect("/account?done=password")


@router.post("/account/tokens")
def create_token(request: Request, name: str = Form(""), csrf: str = Form("")) -> Response:
    who = principal(request)
    check_csrf(who, csrf)
    try:
        secret, _token = auth.create_api_token(state(request).engine, who.user.id, name)
    except UserError as exc:
        return _page(request, who, 400, error=str(exc))
    # Rendered, not redirected: the secret is shown this once and never stored in clear.
    return _page(request, who, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, csrf: str = Form("")) -> Response:
    who = principal(request)
    check_csrf(who, csrf)
    with write_transaction(state(request).engine) as conn:
        accounts.revoke_api_token(conn, who.user.id, token_id)
    return redirect("/account?done=revoked")
