"""Polling sources: each on its own schedule, each failure kept to its own source; streaming
sources (`mode: stream`) each in a long-lived task (`streaming.py`).

One poll of a source reads pages until the connector says there is no more (or the source's
`max_pages_per_poll` is reached). After every page, its items go through the ingest pipeline and
then the cursor is saved: a crash between the two re-reads one page (the pipeline drops what is
already stored), never skips one.

A failed poll marks the source `backing_off` (the platform may recover by itself: 429, 5xx,
timeouts) or `unhealthy` (the user must act: credentials, address, retired API, unreadable
answers), keeps the reason, and schedules the next try with exponential backoff and jitter, so a
broken source costs little and never stops the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from pydantic import ValidationError

from lyssna.connectors import registry
from lyssna.connectors.base import (
    Connector,
    ConnectorError,
    Cursor,
    MappedItem,
    RateLimitedError,
    RawItem,
    SourceConfig,
    Unreadable,
    streams,
)
from lyssna.connectors.http import HttpClient
from lyssna.connectors.streaming import StreamPolicy, StreamStatus, StreamTask, stream_outcome
from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.pipeline.ingest import AnalyzerFactory, Ingestor
from lyssna.pipeline.prepare import Analyzer
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import connector_state as state_store
from lyssna.storage.connector_state import Health, SourceRecord
from lyssna.storage.database import write_transaction
from lyssna.workspace import WorkspaceContext

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
# The workspace's analyser (its pinned terms, its learnt model) is rebuilt this often, so
# corrections made while listening take effect without a restart.
ANALYZER_REFRESH = timedelta(minutes=10)
# How often the listen loop looks for inbox replies to send (lyssna.inbox.sending).
SEND_EVERY = timedelta(seconds=5)


@dataclass(slots=True)
class PollOutcome:
    """What one poll of one source did."""

    source: str
    kind: str
    health: Health
    next_run_at: datetime
    pages: int = 0
    fetched: int = 0
    new: int = 0
    quarantined: int = 0
    error: str | None = None
    unknown_fields: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one page or batch did."""

    new: int = 0
    quarantined: int = 0
    unknown_fields: frozenset[str] = frozenset()


def config_error_message(kind: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or kind}: {err['msg']}" for err in exc.errors()
    )
    return f"the {kind} source's settings are invalid: {problems}"


def build_config(record: SourceRecord) -> tuple[type[Connector], SourceConfig]:
    """The connector class and its validated config, or a UserError saying what is wrong."""
    connector_cls = registry.get(record.kind)
    try:
        return connector_cls, connector_cls.config_model.model_validate(record.config)
    except ValidationError as exc:
        raise UserError(config_error_message(record.kind, exc)) from None


def backoff_delay(interval: float, failures: int) -> timedelta:
    """The wait before trying a failing source again: doubling from its interval, jittered."""
    cap = min(MAX_BACKOFF.total_seconds(), interval * 2 ** min(failures, 20))
    return timedelta(seconds=random.uniform(cap * 0.8, cap))


class Runner:
    """Runs the connector sources of one workspace."""

    def __init__(
        self,
        ctx: WorkspaceContext,
        *,
        only: Sequence[str] | None = None,
        http_factory: Callable[[], HttpClient] = HttpClient,
        analyzer_factory: AnalyzerFactory | None = None,
        clock: Callable[[], datetime] = utcnow,
        stream_policy: StreamPolicy | None = None,
    ) -> None:
        self.ctx = ctx
        self.only = set(only) if only else None
        self.http_factory = http_factory
        self.clock = clock
        self.stream_policy = stream_policy or StreamPolicy()
        self._analyzer_factory = analyzer_factory  # None: the workspace's own
        self._analyzer: Analyzer | None = None
        self._analyzer_built_at: datetime | None = None
        # One writer at a time: SQLite has one, and ingest is CPU-bound anyway.
        self._write_lock = asyncio.Lock()
        self.latest: dict[str, PollOutcome] = {}
        self.streams: dict[str, StreamStatus] = {}  # the streaming sources, by name
        # Sources whose state could not be saved (database trouble): not retried before this.
        self._not_before: dict[str, datetime] = {}

    # --- which sources, when ---------------------------------------------------------------

    def sources(self) -> list[SourceRecord]:
        with self.ctx.engine.connect() as conn:
            found = state_store.list_all(conn, self.ctx.workspace.id, registry.kinds())
        if self.only is not None:
            missing = self.only - {s.name for s in found}
            if missing:
                raise UserError(f"no connector source named {', '.join(sorted(missing))}")
            found = [s for s in found if s.name in self.only]
        return found

    def reload(self, record: SourceRecord) -> SourceRecord:
        """The source as stored now (its cursor and counters move as it runs)."""
        with self.ctx.engine.connect() as conn:
            return state_store.get(conn, self.ctx.workspace.id, record.name)

    def due(self, now: datetime, found: list[SourceRecord] | None = None) -> list[SourceRecord]:
        """Polling sources whose time has come (streaming sources run in their own task)."""
        return [
            s
            for s in (self.sources() if found is None else found)
            if not is_streaming(s)
            and (s.next_run_at is None or s.next_run_at <= now)
            and self._not_before.get(s.name, now) <= now
        ]

    async def run_once(self, *, stream_seconds: float = 0.0) -> list[PollOutcome]:
        """Poll every polling source once, whatever its schedule, side by side; then send the
        inbox replies that are due.

        Streaming sources are skipped, unless `stream_seconds` > 0: then each streams for that
        long (catching up from its cursor) and stops, its items stored as usual.
        """
        found = self.sources()
        polled = [s for s in found if not is_streaming(s)]
        streamed = [s for s in found if is_streaming(s)] if stream_seconds > 0 else []
        outcomes = list(
            await asyncio.gather(
                *(self.poll_guarded(s) for s in polled),
                *(self._stream_for(s, stream_seconds) for s in streamed),
            )
        )
        await self.send_replies()
        return outcomes

    def skipped_streams(self) -> list[SourceRecord]:
        """The streaming sources `run_once` leaves out (without `stream_seconds`)."""
        return [s for s in self.sources() if is_streaming(s)]

    async def _stream_for(self, record: SourceRecord, seconds: float) -> PollOutcome:
        stop = asyncio.Event()
        task = StreamTask(self, record, self.stream_policy)
        self.streams[record.name] = task.status
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await task.run(stop)
        outcome = stream_outcome(task.status, self.clock())
        self.latest[record.name] = outcome
        return outcome

    async def send_replies(self) -> None:
        """Send the inbox's queued replies that are due, and recover interrupted attempts.

        In a thread with its own loop: it writes to the database, which may wait for a lock,
        and the polls must not wait with it. A failure is logged and tried again next time.
        """
        from lyssna.inbox.sending import drain, pending_work

        def run() -> None:
            if pending_work(self.ctx.engine, self.ctx.workspace.id):
                asyncio.run(drain(self.ctx))

        try:
            await asyncio.to_thread(run)
        except Exception:
            log.exception("sending inbox replies failed; trying again later")

    async def run_forever(
        self,
        stop: asyncio.Event,
        *,
        on_poll: Callable[[PollOutcome], None] | None = None,
        tick: float = 1.0,
    ) -> None:
        """Poll sources as they fall due, and stream the streaming ones, until `stop` is set;
        running polls finish first and streams store what they hold."""
        running: dict[str, asyncio.Task[PollOutcome]] = {}
        streaming: dict[tuple[int, str], tuple[asyncio.Task[None], asyncio.Event]] = {}
        sending: asyncio.Task[None] | None = None
        sent_at: datetime | None = None
        while not stop.is_set():
            found = self.sources()
            self._keep_streaming(found, streaming)
            for record in self.due(self.clock(), found):
                if record.name not in running:
                    running[record.name] = asyncio.create_task(self.poll_guarded(record))
            now = self.clock()
            if (sending is None or sending.done()) and (
                sent_at is None or now - sent_at >= SEND_EVERY
            ):
                sending, sent_at = asyncio.create_task(self.send_replies()), now
            for name, task in list(running.items()):
                if task.done():
                    del running[name]
                    if on_poll is not None:
                        on_poll(task.result())
            try:
                await asyncio.wait_for(stop.wait(), timeout=tick)
            except TimeoutError:
                pass
        for _, stream_stop in streaming.values():
            stream_stop.set()
        if running or streaming:
            await asyncio.gather(*running.values(), *(task for task, _ in streaming.values()))
        if sending is not None:
            await sending

    def _keep_streaming(
        self,
        found: list[SourceRecord],
        streaming: dict[tuple[int, str], tuple[asyncio.Task[None], asyncio.Event]],
    ) -> None:
        """Start a task for each streaming source without one; stop those of removed sources
        (a source removed and added again is a new one) and restart those whose settings were
        changed (they are keyed by source and settings)."""
        wanted = {_stream_key(s): s for s in found if is_streaming(s)}
        for key, (running, stream_stop) in list(streaming.items()):
            if key not in wanted or running.done():
                stream_stop.set()
                if running.done():
                    del streaming[key]
        names = {s.name for s in wanted.values()}
        for name in set(self.streams) - names:
            del self.streams[name]
        for key, record in wanted.items():
            if key not in streaming:
                stream_stop = asyncio.Event()
                task = StreamTask(self, record, self.stream_policy)
                self.streams[record.name] = task.status
                streaming[key] = (asyncio.create_task(task.run(stream_stop)), stream_stop)

    # --- one poll -------------------------------------------------------------------------

    async def poll_guarded(self, record: SourceRecord) -> PollOutcome:
        """`poll`, and if even saving the state failed (database down), say so and go on."""
        try:
            return await self.poll(record)
        except Exception as exc:
            log.exception("source %s: could not save its state", record.name)
            retry_at = self.clock() + timedelta(minutes=1)
            self._not_before[record.name] = retry_at
            outcome = PollOutcome(
                record.name,
                record.kind,
                "backing_off",
                retry_at,
                error=f"could not save the source's state ({type(exc).__name__}: {exc})",
            )
            self.latest[record.name] = outcome
            return outcome

    async def poll(self, record: SourceRecord) -> PollOutcome:
        """Poll one source. Never raises: every failure ends up in the source's state."""
        started = self.clock()
        outcome = PollOutcome(record.name, record.kind, "healthy", started)
        interval = 300.0
        try:
            connector_cls, config = build_config(record)
            interval = float(config.interval_seconds)
            async with self.http_factory() as http:
                connector = connector_cls(config, http)
                await self._read_pages(record, connector, config, outcome)
        except ConnectorError as exc:
            await self._failed(record, outcome, exc, started, interval)
        except UserError as exc:  # unknown kind, invalid settings
            await self._failed(record, outcome, ConnectorError(str(exc)), started, interval)
        except Exception as exc:  # a bug in a connector must not stop the other sources
            log.exception("source %s (%s) failed unexpectedly", record.name, record.kind)
            error = ConnectorError(
                f"internal error in the {record.kind} connector ({type(exc).__name__}: {exc}); "
                "please report it"
            )
            await self._failed(record, outcome, error, started, interval)
        else:
            outcome.next_run_at = started + timedelta(seconds=interval)
            await self.write(
                lambda conn: state_store.record_success(
                    conn, record.id, at=started, next_run_at=outcome.next_run_at
                )
            )
        if outcome.unknown_fields:  # also kept on each record and shown by `listen`
            log.info(
                "source %s: fields the %s mapper does not know: %s",
                record.name,
                record.kind,
                ", ".join(sorted(outcome.unknown_fields)),
            )
        self.latest[record.name] = outcome
        return outcome

    async def _read_pages(
        self,
        record: SourceRecord,
        connector: Connector,
        config: SourceConfig,
        outcome: PollOutcome,
    ) -> None:
        cursor = record.cursor
        offset = record.items_fetched  # numbers each item for the quarantine, across polls
        while True:
            result = await connector.fetch(cursor)
            outcome.pages += 1
            stored = await self.store_items(
                record, connector, result.items, result.next_cursor, offset
            )
            offset += len(result.items)
            outcome.fetched += len(result.items)
            outcome.new += stored.new
            outcome.quarantined += stored.quarantined
            outcome.unknown_fields.update(stored.unknown_fields)
            cursor = result.next_cursor
            if not result.more or outcome.pages >= config.max_pages_per_poll:
                return

    async def store_items(
        self,
        record: SourceRecord,
        connector: Connector,
        items: Sequence[RawItem],
        cursor: Cursor | None,
        offset: int,
        unreadable: Sequence[Unreadable] = (),
    ) -> Stored:
        """Map and ingest a page (or a stream's batch), then save the cursor after it.

        `unreadable` are messages a stream could not read: quarantined with their reason.
        """
        retrieved_at = self.clock()
        raw_records = []
        unknown: set[str] = set()
        for index, item in enumerate(items):
            mapped = _map_safely(connector, item, retrieved_at)
            unknown.update(mapped.unknown_fields)
            raw_records.append(_raw_record(record.name, offset + index, mapped, item.payload))
        for index, message in enumerate(unreadable, start=offset + len(items)):
            raw_records.append(
                RawRecord(f"source:{record.name}", index, None, message.reason, message.text)
            )

        def store() -> Stored:
            new = quarantined = 0
            if raw_records:
                ingestor = self._ingestor()
                summary = ingestor.ingest_records(
                    raw_records, source=record.name, channel=connector.kind
                )
                new, quarantined = summary.new, summary.quarantined
            with write_transaction(self.ctx.engine) as conn:
                state_store.save_progress(
                    conn,
                    record.id,
                    cursor if cursor is not None else {},
                    fetched=len(raw_records),
                    collected=new,
                    quarantined=quarantined,
                )
            return Stored(new, quarantined, frozenset(unknown))

        async with self._write_lock:
            return await asyncio.to_thread(store)

    def _ingestor(self) -> Ingestor:
        """An ingestor with the current topics and a cached analyser (loading one takes time)."""
        ingestor = Ingestor(
            self.ctx.engine,
            self.ctx.workspace.id,
            analyzer_factory=self._analyzer_factory,
            workers=1,
        )
        now = self.clock()
        built = self._analyzer_built_at
        if self._analyzer is None or built is None or now - built > ANALYZER_REFRESH:
            self._analyzer = ingestor.analyzer_factory()
            self._analyzer_built_at = now
        analyzer = self._analyzer
        ingestor.analyzer_factory = lambda: analyzer
        return ingestor

    async def _failed(
        self,
        record: SourceRecord,
        outcome: PollOutcome,
        error: ConnectorError,
        started: datetime,
        interval: float,
    ) -> None:
        outcome.error = error.reason
        outcome.health = "backing_off" if error.retriable else "unhealthy"
        next_run = started + backoff_delay(interval, record.consecutive_failures + 1)
        if isinstance(error, RateLimitedError) and error.retry_at is not None:
            next_run = max(error.retry_at, started + timedelta(seconds=1))
        outcome.next_run_at = next_run
        # INFO, not WARNING: the reason is kept in the source's state and shown by the CLI.
        log.info("source %s: %s", record.name, error.reason)
        await self.write(
            lambda conn: state_store.record_failure(
                conn,
                record.id,
                at=started,
                health=outcome.health,
                error=error.reason,
                next_run_at=next_run,
            )
        )

    async def write(self, action: Callable[..., None]) -> None:
        """Run `action(conn)` in a write transaction, one writer at a time, off the loop."""

        def run() -> None:
            with write_transaction(self.ctx.engine) as conn:
                action(conn)

        async with self._write_lock:
            await asyncio.to_thread(run)


def is_streaming(record: SourceRecord) -> bool:
    """Whether the source is configured to stream (invalid settings: it is polled, and the
    poll says what is wrong)."""
    try:
        _, config = build_config(record)
    except UserError:
        return False
    return streams(config)


def _map_safely(connector: Connector, item: object, retrieved_at: datetime) -> MappedItem:
    try:
        return connector.map(item, retrieved_at)  # type: ignore[arg-type]
    except Exception as exc:  # a mapper bug quarantines the item, not the source
        log.exception("the %s mapper failed on an item", connector.kind)
        return MappedItem(None, f"the {connector.kind} mapper failed: {type(exc).__name__}: {exc}")


def _raw_record(source: str, line: int, mapped: MappedItem, payload: object) -> RawRecord:
    """The pipeline's input: the mapped record (which carries the platform payload) as JSON."""
    origin = f"source:{source}"
    if mapped.record is not None:
        try:
            text = orjson.dumps(mapped.record).decode()
        except TypeError as exc:
            mapped = MappedItem(None, f"the mapped record is not storable as JSON: {exc}")
        else:
            return RawRecord(origin, line, mapped.record, None, text, source_is_json=True)
    try:
        shown = orjson.dumps(payload).decode()
    except TypeError:
        shown = repr(payload)
    return RawRecord(origin, line, None, mapped.error or "cannot be mapped", shown)


def _stream_key(record: SourceRecord) -> tuple[int, str]:
    """A streaming source's task is for this source with these settings."""
    return record.id, json.dumps(record.config, sort_keys=True)
