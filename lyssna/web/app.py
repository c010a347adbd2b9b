"""The web app: `create_app(settings)` builds it, `serve(...)` runs it with uvicorn.

Pages live in lyssna.web.routes, the REST API in lyssna.web.api (mounted at /api/v1 with its
own OpenAPI document). Every response carries the security headers of lyssna.web.security.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import quote

import jinja2
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from lyssna.core.errors import UserError
from lyssna.core.settings import Settings
from lyssna.storage import accounts, database
from lyssna.storage.database import write_transaction
from lyssna.web import auth
from lyssna.web.deps import SignInRequired, WebState, optional_principal, translator_for
from lyssna.web.security import SecurityHeaders
from lyssna.workspace import WorkspaceContext

_HERE = Path(__file__).parent
DEMO_EMAIL = "demo@example.com"


def plotly_js_path() -> Path:
    """plotly.min.js as shipped inside the installed plotly package (never copied here)."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def _templates() -> Jinja2Templates:
    # Autoescape everything: mention text, names and queries come from strangers and users.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def create_app(settings: Settings) -> FastAPI:
    """The app for the installation `settings` points at (its database, all its workspaces)."""
    from lyssna.web.api import create_api
    from lyssna.web.routes import router
    from lyssna.web.routes.inbox import router as inbox_router

    engine = database.make_engine(settings.database_url)
    database.check_schema(engine, settings.redacted_database_url())
    app = FastAPI(title="Lyssna", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.web = WebState(settings, engine, _templates())
    app.add_middleware(SecurityHeaders)

    plotly_js = plotly_js_path()

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> Response:
        return FileResponse(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon yet; spares the log a 404 per page view

    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    api = create_api()
    api.state.web = app.state.web
    app.mount("/api/v1", api)
    app.include_router(router)
    app.include_router(inbox_router)

    @app.exception_handler(SignInRequired)
    def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    def _http_error(request: Request, exc: HTTPException) -> Response:
        return _error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(404)
    def _not_found(request: Request, exc: Exception) -> Response:
        return _error_page(request, 404, "not_found")

    @app.exception_handler(UserError)
    def _user_error(request: Request, exc: UserError) -> Response:
        return _error_page(request, 400, str(exc))

    return app


def _error_page(request: Request, status: int, detail: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail}, status_code=status)
    who = optional_principal(request)
    t = translator_for(request, who)
    message = {
        404: t("error.not_found"),
        403: t("error.csrf") if detail == "csrf" else t("error.forbidden"),
    }.get(status, detail)
    templates = request.app.state.web.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"t": t, "status": status, "message": message, "access": None, "csrf": ""},
        status_code=status,
    )


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    app = create_app(settings)
    # proxy_headers: behind a TLS proxy the scheme is https, so cookies get the Secure flag.
    uvicorn.run(app, host=host, port=port, proxy_headers=True, log_level="info")


def ensure_demo_user(ctx: WorkspaceContext) -> tuple[str, str]:
    """An owner of the demo workspace with a fresh password: (email, password) to print."""
    password = auth.generate_password()
    with write_transaction(ctx.engine) as conn:
        found = accounts.find_user_by_email(conn, DEMO_EMAIL)
        if found is None:
            user = accounts.add_user(
                conn, DEMO_EMAIL, auth.hash_password(password), name="Demo", locale="en"
            )
        else:
            user = found[0]
            accounts.set_password_hash(conn, user.id, auth.hash_password(password))
        accounts.set_membership(conn, user.id, ctx.workspace.id, "owner")
    return DEMO_EMAIL, password
