"""The page an invitation link opens: the invited person sets their password, then is in.

The link is the only proof needed, so it works once and expires (lyssna.web.auth.invite).
Before a session exists, the form's CSRF check is a double-submit, as on the sign-in page.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lyssna.web import auth
from lyssna.web.deps import state, translator_for
from lyssna.web.i18n import Translator
from lyssna.web.routes.common import redirect
from lyssna.web.routes.session import with_form_token, with_session
from lyssna.web.security import new_token, tokens_match

router = APIRouter()


def _page(
    request: Request, token: str, *, error: str | None = None, status_code: int = 200
) -> Response:
    """The form, in the invited person's language; `error` is a message key."""
    try:
        _found, user = auth.invitation(state(request).engine, token)
    except auth.InvitationInvalid:
        user = None
    t = Translator(user.locale) if user else translator_for(request)
    if user is None:
        error, status_code = "invite.invalid", 404
    csrf = request.cookies.get(auth.PRE_SESSION_COOKIE) or new_token()
    response = state(request).templates.TemplateResponse(
        request,
        "invite.html",
        {
            "t": t,
            "csrf": csrf,
            "access": None,
            "email": user.email if user else None,
            "min_length": auth.MIN_PASSWORD_LENGTH,
            "error": t(error, min=auth.MIN_PASSWORD_LENGTH) if error else None,
        },
        status_code=status_code,
    )
    with_form_token(request, response, csrf)
    # The secret is in the address: never hand it on to another site.
    response.headers["referrer-policy"] = "no-referrer"
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/invite/{token}")
def invitation_form(request: Request, token: str) -> Response:
    return _page(request, token)


@router.post("/invite/{token}")
def accept(
    request: Request,
    token: str,
    password: str = Form(""),
    repeat: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    if not tokens_match(request.cookies.get(auth.PRE_SESSION_COOKIE), csrf):
        return _page(request, token, error="error.csrf", status_code=403)
    if len(password) < auth.MIN_PASSWORD_LENGTH:
        return _page(request, token, error="invite.too_short", status_code=400)
    if password != repeat:
        return _page(request, token, error="invite.mismatch", status_code=400)
    engine = state(request).engine
    try:
        user, slug = auth.accept_invitation(engine, token, password)
    except auth.InvitationInvalid:
        return _page(request, token)
    secret, _csrf = auth.start_session(engine, user.id)
    return with_session(request, redirect(f"/w/{slug}/"), secret)
