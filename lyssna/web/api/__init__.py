"""The REST API, mounted at /api/v1 with its OpenAPI document at /api/v1/openapi.json.

It uses the same permission checks as the pages (lyssna.web.deps). Clients authenticate with
`Authorization: Bearer <token>`: a personal API token, or the token POST /signin returns. A
browser session cookie also works; then writes need the session's CSRF token in X-CSRF-Token.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lyssna.core.errors import ConflictError, NotFoundError, QuerySyntaxError, UserError
from lyssna.web.deps import SignInRequired


def create_api() -> FastAPI:
    from lyssna.web.api.inbox import router as inbox_router
    from lyssna.web.api.routes import router
    from lyssna.web.api.sources import router as sources_router
    from lyssna.web.api.strategy import router as strategy_router

    api = FastAPI(
        title="Lyssna API",
        version="1",
        description=__doc__,
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI needs a CDN and inline script; use the JSON document
        redoc_url=None,
    )
    api.include_router(router)
    api.include_router(strategy_router)
    api.include_router(inbox_router)
    api.include_router(sources_router)

    @api.exception_handler(SignInRequired)
    def _unauthorised(_request: Request, _exc: SignInRequired) -> JSONResponse:
        return JSONResponse(
            {"detail": "sign in first: send Authorization: Bearer <token>"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(QuerySyntaxError)
    def _query(_request: Request, exc: QuerySyntaxError) -> JSONResponse:
        # `code` and `params` let a client say the English `detail` in its own language.
        body = {"detail": exc.message, "query": exc.query, "column": exc.column}
        return JSONResponse({**body, "code": exc.code, "params": exc.params}, status_code=400)

    @api.exception_handler(UserError)
    def _user(_request: Request, exc: UserError) -> JSONResponse:
        status = (
            404
            if isinstance(exc, NotFoundError)
            else 409
            if isinstance(exc, ConflictError)
            else 400
        )
        from lyssna.web.members import NotAllowed

        if isinstance(exc, NotAllowed):
            status = 403
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return api
