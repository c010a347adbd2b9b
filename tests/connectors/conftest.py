"""Fixtures for connector tests: fake platforms on 127.0.0.1 and a quick HTTP client."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer().start()
    yield fake
    fake.stop()
