"""What can be done with sources, for the CLI and (later) the API: add, list, test, remove."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from lyssna.connectors import registry
from lyssna.connectors.base import ConnectorError, SourceConfig, Verdict, redact
from lyssna.connectors.http import HttpClient
from lyssna.connectors.runner import config_error_message
from lyssna.core.errors import UserError
from lyssna.storage import connector_state as state_store
from lyssna.storage.connector_state import SourceRecord
from lyssna.storage.database import write_transaction
from lyssna.workspace import WorkspaceContext

_NAME = re.compile(r"^[\w][\w.-]{0,99}$")


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
