"""Fixtures for connector tests: fake platforms on 127.0.0.1 and a quick HTTP client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import lyssna.storage.connector_state  # noqa: F401  (registers source_state on the metadata)
from lyssna.connectors.http import HttpClient, RetryPolicy
from tests.connectors.fakes.server import FakeServer

# Short timeouts and tiny backoffs: the rules are the same, the tests are quick.
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_wait=2.0)


def fast_http() -> HttpClient:
    return HttpClient(timeout=1.0, retry=FAST_RETRY)


def connector_for(kind: str, settings: dict[str, Any]) -> Any:
    """A registered connector of `kind` built from raw settings, with the fast test client."""
    from lyssna.connectors import registry

    cls = registry.get(kind)
    return cls(cls.config_model.model_validate(settings), fast_http())


def fetch_all(kind: str, settings: dict[str, Any], cursor: Any = None) -> tuple[list[Any], Any]:
    """Every page a poll reads, as the runner reads them: (raw items, the cursor after)."""
    import asyncio

    connector, items = connector_for(kind, settings), []
    while True:
        result = asyncio.run(connector.fetch(cursor))
        items += result.items
        cursor = result.next_cursor
        if not result.more:
            return items, cursor


def records(kind: str, items: list[Any], retrieved_at: Any) -> dict[str, dict[str, Any]]:
    """The items mapped by `kind`'s mapping, by record id."""
    from lyssna.connectors import registry

    connector = registry.get(kind)
    mapped = [connector.map(None, item, retrieved_at) for item in items]  # type: ignore[arg-type]
    return {m.record["id"]: m.record for m in mapped if m.record is not None}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def sources_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """`lyssna sources ARGS...` against a fresh home and workspace; returns the click result."""
    import typer
    from typer.testing import CliRunner

    from lyssna.cli import common
    from lyssna.cli.sources import sources_app
    from lyssna.core.settings import load_settings
    from lyssna.workspace import init_workspace

    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    common.set_global_flags()
    init_workspace(load_settings()).engine.dispose()
    app = typer.Typer()
    app.add_typer(sources_app, name="sources")
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, ["sources", *args], **kw)
