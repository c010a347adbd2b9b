"""What can be done with sources, for the CLI, the web pages and the API: add, edit, list, test,
remove, and which settings a kind of source has (the web form is built from them)."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from lyssna.connectors import registry
from lyssna.connectors.base import (
    ConnectorError,
    EnvSecret,
    SourceConfig,
    StreamingSourceConfig,
    Verdict,
    redact,
)
from lyssna.connectors.http import HttpClient
from lyssna.connectors.runner import config_error_message
from lyssna.core.errors import UserError
from lyssna.storage import connector_state as state_store
from lyssna.storage.connector_state import SourceRecord
from lyssna.storage.database import write_transaction
from lyssna.workspace import WorkspaceContext

_NAME = re.compile(r"^[\w][\w.-]{0,99}$")

# Settings whose change leaves what a source reads alone: its cursor is kept. Any other change
# (search words, hashtags, the account, poll or stream) starts it again from the newest items.
_KEEPS_CURSOR = frozenset({"interval_seconds", "max_pages_per_poll", "stall_seconds"})

# Kinds the web pages do not offer: a `file` source reads any path on the server, which is the
# operator's decision (`lyssna sources add file ...`), not a workspace admin's.
SERVER_ONLY_KINDS = frozenset({"file"})

# Settings the web form leaves out: API addresses and protocol details (tests, self-hosted
# gateways) that only an operator changes, from the CLI. An edit keeps their stored values.
_ADVANCED = frozenset(
    {
        "service",
        "auth_service",
        "token_service",
        "graph_version",
        "api_version",
        "jetstream_url",
        "streaming_url",
        "page_size",
        "max_pages_per_poll",
        "stall_seconds",
    }
)

SettingKind = Literal["text", "list", "secret", "number", "flag", "choice"]


@dataclass(frozen=True, slots=True)
class SettingField:
    """One setting of a kind of source, as a form shows it."""

    name: str
    kind: SettingKind
    required: bool
    default: Any  # None when there is none
    choices: tuple[str, ...] = ()  # for "choice"


@dataclass(frozen=True, slots=True)
class SourceView:
    record: SourceRecord
    settings: str  # the configuration in one line, secrets redacted


def make_config(kind: str, options: dict[str, Any]) -> SourceConfig:
    """The validated configuration of a `kind` source; UserError saying what is wrong."""
    connector_cls = registry.get(kind)
    try:
        return connector_cls.config_model.model_validate(options)
    except ValidationError as exc:
        raise UserError(config_error_message(kind, exc)) from None


def add_source(
    ctx: WorkspaceContext, kind: str, name: str, options: dict[str, Any]
) -> SourceRecord:
    if not _NAME.match(name):
        raise UserError(
            "a source name is up to 100 letters, digits, '_', '-' and '.', starting with a "
            "letter or digit"
        )
    config = make_config(kind, options)
    stored = config.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    with write_transaction(ctx.engine) as conn:
        return state_store.add(conn, ctx.workspace.id, name, kind, stored)


def get_source(ctx: WorkspaceContext, name: str) -> SourceRecord:
    """The source named so (NotFoundError otherwise)."""
    with ctx.engine.connect() as conn:
        return state_store.get(conn, ctx.workspace.id, name)


def merged_settings(
    current: dict[str, Any], changes: dict[str, Any], unset: Iterable[str] = ()
) -> dict[str, Any]:
    """Stored settings with `unset` ones dropped (back to their defaults) and `changes` applied."""
    dropped = set(unset)
    return {k: v for k, v in current.items() if k not in dropped} | changes


def edit_source(
    ctx: WorkspaceContext,
    name: str,
    changes: dict[str, Any],
    unset: Iterable[str] = (),
) -> tuple[SourceRecord, bool]:
    """Change some settings of a source (`unset` ones go back to their defaults); also says
    whether it starts again from the platform's newest items.

    The whole new configuration is validated before anything is stored. The source keeps its
    health and counters; its cursor too, unless what it reads changed.
    """
    current = get_source(ctx, name)
    config = make_config(current.kind, merged_settings(current.config, changes, unset))
    stored = config.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    connector_cls = registry.get(current.kind)
    secrets = set(connector_cls.config_model.secret_fields)
    changed = {
        key
        for key in set(stored) | set(current.config)
        if stored.get(key) != current.config.get(key)
    }
    restart = bool(changed - _KEEPS_CURSOR - secrets)
    with write_transaction(ctx.engine) as conn:
        record = state_store.update_config(
            conn, ctx.workspace.id, name, stored, reset_cursor=restart
        )
    return record, restart


def list_sources(ctx: WorkspaceContext) -> list[SourceView]:
    with ctx.engine.connect() as conn:
        records = state_store.list_all(conn, ctx.workspace.id, registry.kinds())
    return [SourceView(r, describe(r.kind, r.config)) for r in records]


def remove_source(ctx: WorkspaceContext, name: str) -> SourceRecord:
    with write_transaction(ctx.engine) as conn:
        return state_store.remove(conn, ctx.workspace.id, name)


async def test_source(
    ctx: WorkspaceContext, name: str, http_factory: Callable[[], HttpClient] = HttpClient
) -> Verdict:
    """Reachability and credentials, as a verdict; settings problems are verdicts too."""
    with ctx.engine.connect() as conn:
        record = state_store.get(conn, ctx.workspace.id, name)
    try:
        config = make_config(record.kind, record.config)
    except UserError as exc:
        return Verdict(False, str(exc))
    async with http_factory() as http:
        connector = registry.get(record.kind)(config, http)
        try:
            return await connector.check()
        except ConnectorError as exc:  # e.g. a token variable that is not set
            return Verdict(False, exc.reason)


async def check_config(
    kind: str, options: dict[str, Any], http_factory: Callable[[], HttpClient] = HttpClient
) -> Verdict:
    """Reachability and credentials of settings not yet saved (a form's "check" button)."""
    try:
        config = make_config(kind, options)
    except UserError as exc:
        return Verdict(False, str(exc))
    async with http_factory() as http:
        connector = registry.get(kind)(config, http)
        try:
            return await connector.check()
        except ConnectorError as exc:
            return Verdict(False, exc.reason)


def setting_fields(kind: str, *, advanced: bool = False) -> list[SettingField]:
    """The settings of a kind of source, required ones first; `advanced` adds API addresses
    and protocol details."""
    model = registry.get(kind).config_model
    found = []
    for name, info in model.model_fields.items():
        if name in _ADVANCED and not advanced:
            continue
        if name == "mode" and not issubclass(model, StreamingSourceConfig):
            continue
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        kind_of, choices = _setting_kind(info.annotation, name in model.secret_fields)
        found.append(SettingField(name, kind_of, info.is_required(), default, choices))
    found.sort(key=lambda f: (not f.required, f.name == "interval_seconds"))
    return found


def _setting_kind(annotation: Any, secret: bool) -> tuple[SettingKind, tuple[str, ...]]:
    if secret:
        return "secret", ()
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _setting_kind(args[0], False)
    if origin is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    if origin is list:
        return "list", ()
    if annotation is bool:
        return "flag", ()
    if annotation in (int, float):
        return "number", ()
    return "text", ()


def secret_reference(value: Any) -> str | None:
    """The environment variable a stored secret names, if it is a reference."""
    if isinstance(value, dict) and set(value) == {"$env"}:
        return EnvSecret.model_validate(value).env
    return None


def redacted(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """The stored settings with every secret value cut to its first characters (references to
    environment variables are shown whole: they are names, not secrets)."""
    try:
        secret_fields: tuple[str, ...] = registry.get(kind).config_model.secret_fields
    except UserError:
        secret_fields = ()
    shown: dict[str, Any] = {}
    for key, value in config.items():
        if key in secret_fields and isinstance(value, str):
            shown[key] = redact(value)
        else:
            shown[key] = value
    return shown


def describe(kind: str, config: dict[str, Any]) -> str:
    """One line of settings with every secret redacted, even when the settings are invalid."""
    try:
        model = registry.get(kind).config_model
        parsed: SourceConfig | None = model.model_validate(config)
        secret_fields = model.secret_fields
    except (UserError, ValidationError):
        parsed, secret_fields = None, ()
    parts = []
    for key, value in config.items():
        if key in secret_fields and parsed is not None:
            shown = redact(getattr(parsed, key))
        elif isinstance(value, dict) and set(value) == {"$env"}:
            shown = f"${value['$env']}"
        elif parsed is None and any(w in key for w in ("token", "password", "secret", "key")):
            shown = "…"
        elif isinstance(value, list):
            shown = ",".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{key}={shown}")
    return "; ".join(parts)
