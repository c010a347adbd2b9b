"""Sources in the REST API: list with health, add, change, check and remove.

Same rules as the pages (lyssna.web.routes.sources): every member reads the list; admins and
owners change it. Secrets are sent as {"$env": "NAME"} (kept out of the database) or as the value
itself, and are only ever shown redacted. `file` sources (paths on the server) are the
operator's, from the CLI: the API lists them but does not add them.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from lyssna.connectors import manage
from lyssna.connectors.base import Verdict
from lyssna.core.errors import UserError
from lyssna.storage.connector_state import Health, SourceRecord
from lyssna.web import auth
from lyssna.web.api.routes import Authenticated, _access
from lyssna.web.deps import state
from lyssna.web.routes.sources import web_kinds

router = APIRouter(tags=["sources"])


class SourceOut(BaseModel):
    name: str
    kind: str
    settings: dict[str, Any] = Field(description="As stored; secret values redacted")
    health: Health
    created_at: datetime
    last_run_at: datetime | None
    last_success_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    items_fetched: int
    mentions_collected: int
    quarantined: int

    @classmethod
    def of(cls, r: SourceRecord) -> SourceOut:
        return cls(
            name=r.name,
            kind=r.kind,
            settings=manage.redacted(r.kind, r.config),
            health=r.health,
            created_at=r.created_at,
            last_run_at=r.last_run_at,
            last_success_at=r.last_success_at,
            next_run_at=r.next_run_at,
            last_error=r.last_error,
            consecutive_failures=r.consecutive_failures,
            items_fetched=r.items_fetched,
            mentions_collected=r.mentions_collected,
            quarantined=r.quarantined,
        )


class SettingOut(BaseModel):
    name: str
    kind: str = Field(description="text, list, secret, number, flag or choice")
    required: bool
    default: Any
    choices: list[str]


class SourceKindOut(BaseModel):
    kind: str
    settings: list[SettingOut]


class SourceBody(BaseModel):
    name: str
    kind: str
    settings: dict[str, Any] = Field(default_factory=dict)


class SourceChange(BaseModel):
    settings: dict[str, Any] = Field(default_factory=dict, description="Settings to change")
    unset: list[str] = Field(default_factory=list, description="Settings back to their default")


class CheckBody(BaseModel):
    kind: str
    settings: dict[str, Any] = Field(default_factory=dict)


class VerdictOut(BaseModel):
    ok: bool
    message: str
    details: list[str]

    @classmethod
    def of(cls, v: Verdict) -> VerdictOut:
        return cls(ok=v.ok, message=v.message, details=list(v.details))


def _web_kind(kind: str) -> str:
    if kind not in web_kinds():
        raise UserError(f"unknown source type {kind!r}: use one of {', '.join(web_kinds())}")
    return kind


@router.get("/workspaces/{slug}/sources", response_model=list[SourceOut])
def list_sources(
    request: Request, slug: str, _who_: auth.Principal = Authenticated
) -> list[SourceOut]:
    who = _access(request, slug)
    return [SourceOut.of(v.record) for v in manage.list_sources(who.context(state(request)))]


@router.get("/workspaces/{slug}/source-kinds", response_model=list[SourceKindOut])
def source_kinds(
    request: Request, slug: str, _who_: auth.Principal = Authenticated
) -> list[SourceKindOut]:
    """The kinds of source that can be added here, with their settings (to build a form)."""
    _access(request, slug)
    return [
        SourceKindOut(
            kind=kind,
            settings=[
                SettingOut(
                    name=f.name,
                    kind=f.kind,
                    required=f.required,
                    default=f.default,
                    choices=list(f.choices),
                )
                for f in manage.setting_fields(kind, advanced=True)
            ],
        )
        for kind in web_kinds()
    ]


@router.post("/workspaces/{slug}/sources", response_model=SourceOut, status_code=201)
def add_source(
    request: Request, slug: str, body: SourceBody, _who_: auth.Principal = Authenticated
) -> SourceOut:
    """Add a source (admins); a running `lyssna listen` starts reading it within seconds."""
    who = _access(request, slug, "admin")
    record = manage.add_source(
        who.context(state(request)), _web_kind(body.kind), body.name, body.settings
    )
    return SourceOut.of(record)


@router.post("/workspaces/{slug}/sources/check", response_model=VerdictOut)
def check_settings(
    request: Request, slug: str, body: CheckBody, _who_: auth.Principal = Authenticated
) -> VerdictOut:
    """Try settings against the platform without saving them."""
    _access(request, slug, "admin")
    return VerdictOut.of(asyncio.run(manage.check_config(_web_kind(body.kind), body.settings)))


@router.patch("/workspaces/{slug}/sources/{name}", response_model=SourceOut)
def change_source(
    request: Request,
    slug: str,
    name: str,
    body: SourceChange,
    _who_: auth.Principal = Authenticated,
) -> SourceOut:
    """Change some settings (admins). The source keeps its health and counters, and its place
    in the platform's stream unless what it reads changed."""
    who = _access(request, slug, "admin")
    ctx = who.context(state(request))
    _web_kind(manage.get_source(ctx, name).kind)
    record, _restarted = manage.edit_source(ctx, name, body.settings, body.unset)
    return SourceOut.of(record)


@router.post("/workspaces/{slug}/sources/{name}/check", response_model=VerdictOut)
def check_source(
    request: Request, slug: str, name: str, _who_: auth.Principal = Authenticated
) -> VerdictOut:
    """Reachability and credentials of a stored source."""
    who = _access(request, slug, "admin")
    return VerdictOut.of(asyncio.run(manage.test_source(who.context(state(request)), name)))


@router.delete("/workspaces/{slug}/sources/{name}", status_code=204)
def remove_source(
    request: Request, slug: str, name: str, _who_: auth.Principal = Authenticated
) -> Response:
    """Remove a source and its cursor (admins); the mentions it collected stay."""
    who = _access(request, slug, "admin")
    manage.remove_source(who.context(state(request)), name)
    return Response(status_code=204)
