"""One suite over every registered connector: the same promises, each against its fake platform."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from lyssna.connectors import registry
from lyssna.connectors.base import (
    AuthError,
    Connector,
    GoneError,
    MalformedResponseError,
    RawItem,
    RetriableError,
    Sender,
    SourceConfig,
    SourceNotFoundError,
)
from lyssna.pipeline.normalise import normalise
from tests.connectors.conftest import fast_http
from tests.connectors.fakes.server import FakeServer, Response, json_response
from tests.connectors.harness import HARNESSES, Harness

RETRIEVED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(params=registry.builtin_kinds())
def harness(
    request: pytest.FixtureRequest, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    yield HARNESSES[request.param](server, monkeypatch)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _with_connector(harness: Harness, action: Any, config: dict[str, Any] | None = None):
    cls = registry.get(harness.kind)
    async with fast_http() as http:
        connector = cls(cls.config_model.model_validate(config or harness.config), http)
        return await action(connector)


def fetch(harness: Harness, cursor: dict[str, Any] | None = None, **kw: Any):
    return run(_with_connector(harness, lambda c: c.fetch(cursor), **kw))


def fetch_all(harness: Harness, cursor: dict[str, Any] | None = None):
    """Every page, as the runner reads them: (items, cursor)."""

    async def action(connector: Connector):
        nonlocal cursor
        items: list[RawItem] = []
        while True:
            result = await connector.fetch(cursor)
            items += result.items
            cursor = result.next_cursor
            if not result.more:
                return items, cursor

    return run(_with_connector(harness, action))


def ids(harness: Harness, items: list[RawItem]) -> set[str]:
    connector = registry.get(harness.kind)
    return {connector.map(None, item, RETRIEVED).record["id"] for item in items}  # type: ignore[arg-type]


def test_every_registered_kind_has_a_harness():
    assert set(registry.builtin_kinds()) == set(HARNESSES)


def test_declares_what_it_is(harness: Harness):
    cls = registry.get(harness.kind)
    assert cls.kind == harness.kind
    assert isinstance(cls.version, str) and cls.version
    assert issubclass(cls.config_model, SourceConfig)
    assert isinstance(cls.can_reply, bool) and isinstance(cls.can_publish, bool)
    connector = cls(cls.config_model.model_validate(harness.config), fast_http())
    assert isinstance(connector, Connector)
    if cls.can_reply or cls.can_publish:  # it says it sends: it must, at most once
        assert isinstance(connector, Sender), f"{harness.kind} sends but is not a Sender"


def test_config_refuses_unknown_settings(harness: Harness):
    with pytest.raises(ValidationError):
        registry.get(harness.kind).config_model.model_validate(
            {**harness.config, "no_such_setting": 1}
        )


def test_fetches_and_maps_into_the_import_format(harness: Harness):
    harness.add("Elvåra är så bra, tack för hjälpen! 😊")
    harness.add("Elvåra har höjt priset igen, inte bra")
    result = fetch(harness)
    assert len(result.items) == 2
    connector = registry.get(harness.kind)
    for item in result.items:
        before = copy.deepcopy(item.payload)
        mapped = connector.map(None, item, RETRIEVED)  # type: ignore[arg-type]
        assert item.payload == before, "map() must not change its input"
        assert mapped.error is None and mapped.record is not None
        record = mapped.record
        assert record["channel"] == harness.kind
        assert record["payload"] == item.payload
        assert record["connector"]["kind"] == harness.kind
        assert record["connector"]["retrieved_at"] == RETRIEVED.isoformat()
        assert record["connector"]["version"] == connector.version
        mention, _ = normalise(record, default_channel=harness.kind, source="s")
        assert "Elvåra" in mention.text
        assert mention.created_at.tzinfo is not None
        # Mapping is pure: the same item maps to the same record.
        assert connector.map(None, item, RETRIEVED).record == record  # type: ignore[arg-type]


def test_continues_from_its_cursor_without_gaps_or_repeats(harness: Harness):
    for n in range(3):
        harness.add(f"första omgången {n}")
    first, cursor = fetch_all(harness)
    seen = ids(harness, first)
    assert len(seen) == 3
    again, cursor = fetch_all(harness, cursor)
    assert ids(harness, again) <= seen  # nothing new: at most the boundary item again
    for n in range(5):
        harness.add(f"andra omgången {n}")
    later, cursor = fetch_all(harness, cursor)
    texts = {t for t in ids(harness, later) if t not in seen}
    assert len(texts) == 5


def test_reports_fields_it_does_not_know(harness: Harness):
    harness.add("Elvåra")
    item = fetch(harness).items[0]
    payload = copy.deepcopy(item.payload)
    target = payload["entry"] if harness.kind == "rss" else payload
    target["brand_new_field"] = 1
    mapped = registry.get(harness.kind).map(None, RawItem(payload, item.source_url), RETRIEVED)  # type: ignore[arg-type]
    assert "brand_new_field" in mapped.unknown_fields
    assert "brand_new_field" in mapped.record["connector"]["unknown_fields"]


def test_check_passes_on_a_healthy_platform(harness: Harness):
    harness.add("Elvåra")
    verdict = run(_with_connector(harness, lambda c: c.check()))
    assert verdict.ok, verdict.message


def test_check_names_refused_credentials(harness: Harness):
    if harness.bad_credentials is None:
        pytest.skip(f"{harness.kind} needs no credentials")
    verdict = run(_with_connector(harness, lambda c: c.check(), config=harness.bad_credentials))
    assert not verdict.ok
    assert "WRONG_" in verdict.message  # names the variable to fix...
    assert "not-the-token" not in verdict.message and "badpass" not in verdict.message


FAILURES = [
    (Response(500, b"oops"), RetriableError, "500"),
    (json_response({"error": "Service Unavailable"}, 503), RetriableError, "503"),
    (json_response({"error": "The access token is invalid"}, 401), AuthError, "401"),
    (json_response({"error": "Forbidden"}, 403), AuthError, "403"),
    (json_response({"error": "Record not found"}, 404), SourceNotFoundError, "404"),
    (json_response({"error": "This API version is retired"}, 410), GoneError, "410"),
]


@pytest.mark.parametrize(("response", "error", "words"), FAILURES)
def test_failures_become_errors_the_runner_understands(
    harness: Harness, server: FakeServer, response: Response, error: type, words: str
):
    if not harness.over_http:
        pytest.skip(f"{harness.kind} reads no platform over HTTP")
    server.script(*[response] * 5, path=harness.endpoint)
    with pytest.raises(error) as raised:
        fetch(harness)
    assert words in raised.value.reason
    assert "127.0.0.1" in raised.value.reason  # says which host


def test_malformed_answers_are_reported(harness: Harness, server: FakeServer):
    if not harness.over_http:
        pytest.skip(f"{harness.kind} reads no platform over HTTP")
    server.script(
        Response(200, "<html>Maintenance</html>", {"Content-Type": "text/html"}),
        path=harness.endpoint,
    )
    with pytest.raises(MalformedResponseError):
        fetch(harness)


def test_timeouts_are_retried_then_reported(harness: Harness, server: FakeServer):
    if not harness.over_http:
        pytest.skip(f"{harness.kind} reads no platform over HTTP")
    server.script(*[Response(200, b"{}", delay=1.5)] * 3, path=harness.endpoint)
    with pytest.raises(RetriableError, match="did not answer in time"):
        fetch(harness)


def test_a_rate_limited_request_is_retried_after_the_wait(harness: Harness, server: FakeServer):
    if not harness.over_http:
        pytest.skip(f"{harness.kind} reads no platform over HTTP")
    harness.add("Elvåra")
    server.script(
        json_response({"error": "Too many requests"}, 429, **{"Retry-After": "0"}),
        path=harness.endpoint,
    )
    assert len(fetch(harness).items) == 1


def test_check_reports_an_unreachable_platform(harness: Harness, server: FakeServer):
    if not harness.over_http:
        pytest.skip(f"{harness.kind} reads no platform over HTTP")
    server.script(*[json_response({"error": "down"}, 503)] * 20)
    verdict = run(_with_connector(harness, lambda c: c.check()))
    assert not verdict.ok
    assert "503" in verdict.message


def test_every_kind_is_documented():
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "connectors.md").read_text(encoding="utf-8")
    for kind in registry.builtin_kinds():
        assert f"(`{kind}`)" in docs, f"docs/connectors.md has no section for {kind}"
