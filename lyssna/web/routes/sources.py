"""Sources: where mentions are collected, with their health; admins add, edit, check, remove.

The form is built from each kind's settings (lyssna.connectors.manage.setting_fields). Secrets
are given as the name of an environment variable (kept out of the database) or as the value
itself; a stored secret is never sent back to the browser, and a blank secret field on an edit
keeps the stored one. A running `lyssna listen` picks up changes on its next tick.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from lyssna.connectors import manage, registry
from lyssna.connectors.manage import SettingField
from lyssna.core.errors import NotFoundError, UserError
from lyssna.web.deps import Access, access, check_csrf, state
from lyssna.web.routes.common import redirect, render

router = APIRouter()


def web_kinds() -> list[str]:
    return [k for k in registry.kinds() if k not in manage.SERVER_ONLY_KINDS]


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A setting in the form: what it is and what the form shows in it."""

    field: SettingField
    value: str  # text, lines for a list, "" for a secret (never sent back)
    checked: bool = False  # flags
    env: str = ""  # a secret's environment variable, when it is one
    stored_secret: bool = False  # a secret value is stored (shown as "kept")


def _shown(field: SettingField, config: dict[str, Any] | None) -> FieldValue:
    stored = (config or {}).get(field.name, field.default)
    if field.kind == "secret":
        env = manage.secret_reference(stored) or ""
        return FieldValue(field, "", env=env, stored_secret=bool(stored) and not env)
    if field.kind == "flag":
        return FieldValue(field, "", checked=bool(stored))
    if field.kind == "list":
        return FieldValue(field, "\n".join(str(v) for v in stored or []))
    return FieldValue(field, "" if stored is None else str(stored))


def options_from_form(
    fields: list[SettingField], form: FormData, current: dict[str, Any] | None
) -> tuple[dict[str, Any], set[str]]:
    """(settings given, settings to unset) from the submitted form.

    Blank optional settings go back to their defaults; a blank secret keeps the stored one
    unless its "clear" box is ticked.
    """
    given: dict[str, Any] = {}
    unset: set[str] = set()
    for f in fields:
        name = f.name
        if f.kind == "secret":
            env = str(form.get(f"env_{name}", "")).strip()
            value = str(form.get(f"value_{name}", "")).strip()
            if env and value:
                raise UserError(f"{name}: give an environment variable or the value, not both")
            if env:
                given[name] = {"$env": env.lstrip("$")}
            elif value:
                given[name] = value
            elif form.get(f"clear_{name}") or current is None:
                unset.add(name)
            continue
        if f.kind == "flag":
            given[name] = bool(form.get(f"f_{name}"))
            continue
        raw = str(form.get(f"f_{name}", "")).strip()
        if f.kind == "list":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                given[name] = items
            else:
                unset.add(name)
        elif raw:
            given[name] = raw
        else:
            unset.add(name)
    return given, unset


def _page(request: Request, who: Access, status_code: int = 200, **context: Any) -> Response:
    ctx = who.context(state(request))
    views = manage.list_sources(ctx)
    editing_name = context.pop("editing", None) or request.query_params.get("edit")
    editing = next((v.record for v in views if v.record.name == editing_name), None)
    kinds = web_kinds()
    if editing is not None:
        kind = editing.kind
    else:
        asked = context.pop("kind", None) or request.query_params.get("kind") or "rss"
        kind = asked if asked in kinds else kinds[0]
    config = context.pop("config", None)
    if config is None and editing is not None:
        config = editing.config
    values: dict[str, Any] = {
        "views": views,
        "kinds": kinds,
        "server_only": manage.SERVER_ONLY_KINDS,
        "kind": kind,
        "editing": editing,
        "editable": editing is None or editing.kind not in manage.SERVER_ONLY_KINDS,
        "fields": [_shown(f, config) for f in manage.setting_fields(kind)],
        "name": context.pop("name", None) or (editing.name if editing else ""),
        "error": None,
        "verdict": None,
        "verdict_for": None,
        "done": request.query_params.get("done"),
    }
    values.update(context)
    return render(request, who, "sources.html", status_code=status_code, **values)


@router.get("/w/{slug}/sources")
def sources(request: Request, slug: str) -> Response:
    return _page(request, access(request, slug))


@router.post("/w/{slug}/sources")
async def save_source(request: Request, slug: str) -> Response:
    """Add a source or change one (`original` names it), or (action=check) only try the
    settings against the platform."""
    # The form's fields depend on the kind of source, so it is read here; the work (database,
    # network) is done in a worker thread, as for the other pages.
    form = await request.form()
    return await run_in_threadpool(_save_source, request, slug, form)


def _save_source(request: Request, slug: str, form: FormData) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, str(form.get("csrf", "")))
    original = str(form.get("original", "")).strip()
    name = str(form.get("name", "")).strip()
    action = str(form.get("action", "save"))
    ctx = who.context(state(request))
    current = manage.get_source(ctx, original) if original else None
    kind = current.kind if current else str(form.get("kind", ""))
    if kind not in web_kinds():
        raise UserError(f"unknown source type {kind!r}")
    fields = manage.setting_fields(kind)
    keep: dict[str, Any] = {"editing": original or None, "kind": kind, "name": name or original}
    try:
        given, unset = options_from_form(fields, form, current.config if current else None)
        merged = manage.merged_settings(current.config if current else {}, given, unset)
        if action == "check":
            # A worker thread has no event loop of its own.
            verdict = asyncio.run(manage.check_config(kind, merged))
            return _page(request, who, config=merged, verdict=verdict, **keep)
        if current is not None:
            manage.edit_source(ctx, current.name, given, unset)
            return redirect(f"/w/{slug}/sources?done=saved")
        manage.add_source(ctx, kind, name, given)
    except UserError as exc:
        config = dict(current.config if current else {}) | _safe(form, fields)
        return _page(request, who, 400, config=config, error=str(exc), **keep)
    return redirect(f"/w/{slug}/sources?done=added")


def _safe(form: FormData, fields: list[SettingField]) -> dict[str, Any]:
    """What the user typed, to show again after an error (secret values are not shown)."""
    shown: dict[str, Any] = {}
    for f in fields:
        if f.kind == "secret":
            env = str(form.get(f"env_{f.name}", "")).strip()
            if env:
                shown[f.name] = {"$env": env}
        elif f.kind == "flag":
            shown[f.name] = bool(form.get(f"f_{f.name}"))
        elif f.kind == "list":
            shown[f.name] = str(form.get(f"f_{f.name}", "")).splitlines()
        else:
            shown[f.name] = str(form.get(f"f_{f.name}", ""))
    return shown


@router.post("/w/{slug}/sources/{name}/check")
def check_source(request: Request, slug: str, name: str, csrf: str = Form("")) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    try:
        verdict = asyncio.run(manage.test_source(who.context(state(request)), name))
    except NotFoundError as exc:
        return _page(request, who, 404, error=str(exc))
    return _page(request, who, verdict=verdict, verdict_for=name)


@router.post("/w/{slug}/sources/{name}/remove")
def remove_source(request: Request, slug: str, name: str, csrf: str = Form("")) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    manage.remove_source(who.context(state(request)), name)
    return redirect(f"/w/{slug}/sources?done=removed")
