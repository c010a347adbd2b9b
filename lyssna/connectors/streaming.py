"""Live streams: one long-lived task per source in `mode: stream`, next to the polls.

What a stream says is stored in small batches through the same map -> ingest path as polled
items: every `batch_items` items or `batch_seconds` after the first waiting one, whichever comes
first. The cursor is saved right after each stored batch (and, when only the cursor moved, every
`cursor_seconds`), so a restart resumes where the stored items end: nothing is skipped, and what
is read twice the pipeline drops (it knows each mention by channel and id).

A connection that ends is reconnected with the backoff X documents for its streams, which suits
the others as well: at once after a connection that held (`stable_after`); then linearly
(`network_step` more each time, up to `network_max`) after network errors and stalls;
exponentially from `http_first` up to `http_max` after HTTP errors; from `rate_first`,
doubling, after 429 (or exactly when the platform said). A stream silent for longer than its
source's `stall_seconds` (no item and no keep-alive) counts as dropped. Refused credentials
and unusable settings mark the source unhealthy with the reason and are tried again rarely. A
platform without a stream for the source (StreamUnavailableError) has it polled on its
interval instead, and streaming is tried again after `unavailable_retry`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from lyssna.connectors.base import (
    Connector,
    ConnectorError,
    Cursor,
    RateLimitedError,
    RawItem,
    SourceConfigError,
    StreamDroppedError,
    Streamer,
    StreamEvent,
    StreamUnavailableError,
    Unreadable,
)
from lyssna.core.errors import UserError
from lyssna.core.records import SENTIMENTS
from lyssna.query import MatchDocument, TopicMatcher, parse
from lyssna.query.parser import Field, Node
from lyssna.storage import connector_state as state_store
from lyssna.storage import topics as topic_store
from lyssna.storage.connector_state import Health, SourceRecord

if TYPE_CHECKING:
    from lyssna.connectors.runner import PollOutcome, Runner

log = logging.getLogger(__name__)

StreamState = Literal["connecting", "live", "reconnecting", "polling", "unhealthy", "stopped"]


@dataclass(frozen=True, slots=True)
class StreamPolicy:
    """How streams are batched and reconnected; seconds throughout. Tests use tiny values."""

    batch_items: int = 200
    batch_seconds: float = 1.0
    cursor_seconds: float = 5.0
    network_step: float = 0.25
    network_max: float = 16.0
    http_first: float = 5.0
    http_max: float = 320.0
    rate_first: float = 60.0
    rate_max: float = 30 * 60.0
    refused_first: float = 5 * 60.0
    refused_max: float = 6 * 3600.0
    unavailable_retry: float = 3600.0
    topics_refresh: float = 60.0
    stable_after: float = 30.0  # a connection that held this long resets the backoff
    queue_size: int = 2000


@dataclass(slots=True)
class StreamStatus:
    """What a stream is doing, for `lyssna listen`'s status line."""

    source: str
    kind: str
    state: StreamState = "connecting"
    health: Health = "new"
    connected_at: datetime | None = None
    retry_at: datetime | None = None
    error: str | None = None
    received: int = 0  # items the stream delivered (after its own filtering)
    new: int = 0
    quarantined: int = 0
    deleted: int = 0  # deletions the platform announced (stored mentions are kept)
    reconnects: int = 0
    topics: int = 0  # topics the stream filters by (streams that filter themselves)
    unknown_fields: set[str] = field(default_factory=set)
    last_poll: PollOutcome | None = None  # while polling instead of streaming
    _recent: deque[tuple[float, int]] = field(default_factory=deque)

    def note_items(self, count: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.received += count
        self._recent.append((now, count))
        self._trim(now)

    def per_minute(self, now: float | None = None) -> int:
        """Items in the last minute."""
        now = time.monotonic() if now is None else now
        self._trim(now)
        return sum(count for _, count in self._recent)

    def _trim(self, now: float) -> None:
        while self._recent and self._recent[0][0] < now - 60:
            self._recent.popleft()


# --- the workspace's topics, for streams that filter themselves ------------------------------

# Fields whose value a stream cannot know before analysis: any value the query names is tried,
# so that the filter keeps a superset of what the pipeline will match.
_ALWAYS_UNKNOWN = ("sentiment", "site")


def _field_values(node: Node) -> Iterator[tuple[str, str]]:
    if isinstance(node, Field):
        yield node.name, node.value
    for attr in ("child", "left", "right"):
        child = getattr(node, attr, None)
        if child is not None:
            yield from _field_values(child)
    for child in getattr(node, "children", ()) or ():
        yield from _field_values(child)


class WorkspaceTopics:
    """The workspace's topics as a TopicFilter: does a text match any of them?

    Cheap: one tokenisation per text, and only the few topics whose words occur are evaluated
    (TopicMatcher). Sentiment is not known before analysis, nor the language of a text that
    does not declare one: a condition on them is tried with each value the topics name, so a
    text that may match after analysis is kept.
    """

    def __init__(self, topics: Sequence[tuple[int, str]]) -> None:
        self.topics: tuple[tuple[int, str], ...] = ()
        self.update(topics)

    def update(self, topics: Sequence[tuple[int, str]]) -> None:
        """Take the topics as they are now (a stream keeps the same filter while they change)."""
        if tuple(topics) == self.topics:
            return
        parsed = {tid: parse(query) for tid, query in topics}
        values: dict[str, set[str]] = {}
        for query in parsed.values():
            for name, value in _field_values(query.root):
                values.setdefault(name, set()).add(value)
        self._matcher: TopicMatcher[int] = TopicMatcher(parsed)
        self._values = values
        self.topics = tuple(topics)

    def __len__(self) -> int:
        return len(self.topics)

    def wanted(self, text: str, *, lang: str | None = None, author: str | None = None) -> bool:
        if not self.topics:
            return False
        code, variant = _language(lang)
        doc = MatchDocument.build(text, lang=code, lang_variant=variant, author=author)
        if self._matcher.match(doc):
            return True
        unknown = [name for name in _ALWAYS_UNKNOWN if name in self._values]
        if code is None and "lang" in self._values:
            unknown.append("lang")
        if not unknown or not self._matcher.candidates(doc):
            return False
        choices = [[None, *self._choices(name)] for name in unknown]
        for combination in itertools.product(*choices):
            for name, value in zip(unknown, combination, strict=True):
                if name == "site":
                    doc.host = value
                elif name == "lang":
                    doc.lang = value
                else:
                    doc.sentiment = value
            if self._matcher.match(doc):
                return True
        return False

    def _choices(self, name: str) -> list[str]:
        if name == "sentiment":
            return [s for s in SENTIMENTS if s in self._values.get(name, ())]
        return sorted(self._values.get(name, ()))


def _language(tag: str | None) -> tuple[str | None, str | None]:
    """A declared language tag as the pipeline reads it: (language, Norwegian variant)."""
    if not tag:
        return None, None
    code = tag.strip().lower().replace("_", "-").split("-")[0]
    if code in ("nb", "nn"):
        return "no", code
    if code in ("no", "nor"):
        return "no", None
    return code or None, None


# --- one source's stream ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ended:
    error: BaseException | None


class StreamTask:
    """Streams one source until told to stop; never raises (failures go to the source's
    state and the status)."""

    def __init__(self, runner: Runner, record: SourceRecord, policy: StreamPolicy) -> None:
        self.runner = runner
        self.record = record
        self.policy = policy
        self.status = StreamStatus(record.name, record.kind, health=record.health)
        self._failures = 0  # in a row, since the last connection that held
        self._connected_at: float | None = None  # this connection's first event
        self._alive_at = time.monotonic()
        self._topics: WorkspaceTopics | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delay = await self._guarded_session(stop)
            except StreamUnavailableError as exc:
                await self._poll_instead(stop, exc.reason)
                continue
            if delay > 0:
                await _sleep_unless(stop, delay)
            if not stop.is_set():
                self.status.reconnects += 1
        self.status.state = "stopped"

    # --- a connection -------------------------------------------------------------------------

    async def _guarded_session(self, stop: asyncio.Event) -> float:
        """One connection; the wait before the next. StreamUnavailableError passes through."""
        started = self.runner.clock()
        self._connected_at = None
        error: ConnectorError | None = None
        try:
            connected = await self._session(stop)
        except StreamUnavailableError:
            raise
        except ConnectorError as exc:
            error = exc
        except UserError as exc:  # unknown kind, invalid settings
            error = SourceConfigError(str(exc))
        except Exception as exc:  # a bug in a connector must not stop the others
            log.exception("stream of source %s (%s) failed", self.record.name, self.record.kind)
            error = ConnectorError(
                f"internal error in the {self.record.kind} connector's stream "
                f"({type(exc).__name__}: {exc}); please report it"
            )
        # Only a connection that held for a while resets the backoff: one the platform keeps
        # closing as soon as it opens must not be reopened in a tight loop.
        held = self._connected_at is not None and (
            time.monotonic() - self._connected_at >= self.policy.stable_after
        )
        if held:
            self._failures = 0
        if error is None:
            if stop.is_set() or held:
                return 0.0  # the platform ended a stream that worked: reconnect at once
            error = StreamDroppedError(
                "the stream closed soon after it opened"
                if connected
                else "the stream ended before it said anything"
            )
        return await self._failed(error, started)

    async def _session(self, stop: asyncio.Event) -> bool:
        """Stream until the connection ends or `stop`; whether it delivered anything."""
        from lyssna.connectors.runner import build_config

        self.record = await asyncio.to_thread(self.runner.reload, self.record)
        connector_cls, config = build_config(self.record)
        stall = float(getattr(config, "stall_seconds", 90.0))
        self.status.state = "connecting"
        async with self.runner.http_factory() as http:
            connector = connector_cls(config, http)
            if not isinstance(connector, Streamer):
                raise SourceConfigError(
                    f"the {self.record.kind} connector cannot stream: remove mode=stream"
                )
            topics = await self._current_topics()
            batch = _Batch(self.record.cursor, self.record.items_fetched)
            queue: asyncio.Queue[StreamEvent | _Ended] = asyncio.Queue(self.policy.queue_size)
            self._alive_at = time.monotonic()
            pump = asyncio.create_task(self._pump(connector, batch.cursor, topics, queue))
            stopping = asyncio.create_task(stop.wait())
            refreshing = asyncio.create_task(self._refresh_topics())
            try:
                return await self._consume(connector, queue, stopping, batch, stall)
            finally:
                for task in (pump, stopping, refreshing):
                    task.cancel()
                await asyncio.gather(pump, stopping, refreshing, return_exceptions=True)
                if batch.waiting():
                    try:
                        await self._flush(connector, batch)
                    except Exception:  # keep the error that ended the stream, if any
                        log.exception(
                            "source %s: could not store the stream's last items", self.record.name
                        )

    async def _pump(
        self,
        connector: Streamer,
        cursor: Cursor | None,
        topics: WorkspaceTopics,
        queue: asyncio.Queue[StreamEvent | _Ended],
    ) -> None:
        try:
            async for event in connector.stream(cursor, topics):
                self._alive_at = time.monotonic()
                await queue.put(event)
        except Exception as exc:  # the consumer raises it, where it is sorted out
            await queue.put(_Ended(exc))
        else:
            await queue.put(_Ended(None))

    async def _consume(
        self,
        connector: Connector,
        queue: asyncio.Queue[StreamEvent | _Ended],
        stopping: asyncio.Task[bool],
        batch: _Batch,
        stall: float,
    ) -> bool:
        connected = False
        while True:
            now = time.monotonic()
            deadline = self._alive_at + stall
            if batch.waiting():
                deadline = min(deadline, batch.due_at(self.policy))
            taking = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait(
                {taking, stopping},
                timeout=max(0.0, deadline - now),
                return_when=asyncio.FIRST_COMPLETED,
            )
            taken: list[StreamEvent | _Ended] = []
            if not taking.done():
                taking.cancel()
                await asyncio.gather(taking, return_exceptions=True)
            if taking.done() and not taking.cancelled():
                taken.append(taking.result())
                while not queue.empty():
                    taken.append(queue.get_nowait())
            ended: _Ended | None = None
            for event in taken:
                if isinstance(event, _Ended):
                    ended = event
                    break
                if not connected:
                    connected = True
                    await self._connected()
                self._take(event, batch)
            if ended is not None:
                if ended.error is not None:
                    raise ended.error
                return connected
            if stopping in done:
                return connected
            if batch.full(self.policy) or (batch.waiting() and batch.due_at(self.policy) <= now):
                await self._flush(connector, batch)
            if queue.empty() and time.monotonic() - self._alive_at > stall:
                raise StreamDroppedError(
                    f"the stream said nothing (no data, no keep-alive) for {stall:g}s; reconnecting"
                )

    def _take(self, event: StreamEvent, batch: _Batch) -> None:
        batch.add(event)
        if event.items:
            self.status.note_items(len(event.items))
        self.status.deleted += len(event.deleted)
        if event.deleted:
            log.info(
                "source %s: the platform deleted %d collected post(s); they stay stored",
                self.record.name,
                len(event.deleted),
            )

    async def _flush(self, connector: Connector, batch: _Batch) -> None:
        items, unreadable, cursor = batch.take()
        stored = await self.runner.store_items(
            self.record,
            connector,
            items,
            cursor,
            batch.offset,
            unreadable,
        )
        batch.offset += len(items) + len(unreadable)
        self.status.new += stored.new
        self.status.quarantined += stored.quarantined
        if stored.unknown_fields - self.status.unknown_fields:
            log.info(
                "source %s: fields the %s mapper does not know: %s",
                self.record.name,
                self.record.kind,
                ", ".join(sorted(stored.unknown_fields)),
            )
        self.status.unknown_fields |= stored.unknown_fields

    async def _connected(self) -> None:
        now = self.runner.clock()
        self._connected_at = time.monotonic()
        self.status.state, self.status.health = "live", "healthy"
        self.status.connected_at, self.status.error, self.status.retry_at = now, None, None
        await self.runner.write(
            lambda conn: state_store.record_success(conn, self.record.id, at=now, next_run_at=now)
        )

    async def _failed(self, error: ConnectorError, started: datetime) -> float:
        self._failures += 1
        delay = self.reconnect_delay(error, self._failures)
        retry_at = self.runner.clock() + timedelta(seconds=delay)
        health: Health = "backing_off" if error.retriable else "unhealthy"
        self.status.health, self.status.error, self.status.retry_at = health, error.reason, retry_at
        self.status.state = "unhealthy" if health == "unhealthy" else "reconnecting"
        log.info("source %s (stream): %s", self.record.name, error.reason)
        try:
            await self.runner.write(
                lambda conn: state_store.record_failure(
                    conn,
                    self.record.id,
                    at=started,
                    health=health,
                    error=error.reason,
                    next_run_at=retry_at,
                )
            )
        except Exception:  # the database is down: the stream waits and tries again
            log.exception("source %s: could not save the stream's state", self.record.name)
        return delay

    def reconnect_delay(self, error: ConnectorError, attempt: int) -> float:
        """Seconds to wait before connecting again, after `attempt` failures in a row."""
        p = self.policy
        if isinstance(error, RateLimitedError):
            if error.retry_at is not None:
                return max(0.0, (error.retry_at - self.runner.clock()).total_seconds())
            return min(p.rate_max, p.rate_first * 2 ** (attempt - 1))
        if isinstance(error, StreamDroppedError):
            return min(p.network_max, p.network_step * attempt)
        if error.retriable:
            return min(p.http_max, p.http_first * 2 ** (attempt - 1))
        return min(p.refused_max, p.refused_first * 2 ** (attempt - 1))

    async def _current_topics(self) -> WorkspaceTopics:
        """The workspace's topics as they are now, in the filter the stream keeps using."""
        ctx = self.runner.ctx

        def read() -> list[tuple[int, str]]:
            with ctx.engine.connect() as conn:
                return [(t.id, t.query) for t in topic_store.list_all(conn, ctx.workspace.id)]

        found = await asyncio.to_thread(read)
        if self._topics is None:
            self._topics = WorkspaceTopics(found)
        else:
            self._topics.update(found)
        self.status.topics = len(self._topics)
        return self._topics

    async def _refresh_topics(self) -> None:
        """Topics change while listening: read them again every `topics_refresh` seconds."""
        while True:
            await asyncio.sleep(self.policy.topics_refresh)
            try:
                await self._current_topics()
            except Exception:  # the database is busy or down: keep the topics we have
                log.exception("source %s: could not read the topics", self.record.name)

    # --- no stream: poll instead --------------------------------------------------------------

    async def _poll_instead(self, stop: asyncio.Event, reason: str) -> None:
        """Poll the source on its interval until `unavailable_retry` has passed."""
        log.info("source %s: %s; polling it instead", self.record.name, reason)
        self.status.state, self.status.error = "polling", f"{reason}; polling instead"
        until = time.monotonic() + self.policy.unavailable_retry
        while not stop.is_set() and time.monotonic() < until:
            record = await asyncio.to_thread(self.runner.reload, self.record)
            outcome = await self.runner.poll_guarded(record)
            self.status.last_poll = outcome
            self.status.health = outcome.health
            self.status.received += outcome.fetched
            self.status.new += outcome.new
            wait = (outcome.next_run_at - self.runner.clock()).total_seconds()
            await _sleep_unless(stop, max(0.0, min(wait, until - time.monotonic())))


@dataclass(slots=True)
class _Batch:
    """What the stream said and is not stored yet."""

    cursor: Cursor | None
    offset: int  # numbers each item for the quarantine, across runs
    items: list[RawItem] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    cursor_moved: bool = False
    first_at: float | None = None  # when the oldest waiting item came
    saved_at: float = field(default_factory=time.monotonic)

    def add(self, event: StreamEvent) -> None:
        if (event.items or event.unreadable) and self.first_at is None:
            self.first_at = time.monotonic()
        self.items.extend(event.items)
        self.unreadable.extend(event.unreadable)
        if event.cursor is not None:
            self.cursor, self.cursor_moved = event.cursor, True

    def waiting(self) -> bool:
        return bool(self.items or self.unreadable or self.cursor_moved)

    def full(self, policy: StreamPolicy) -> bool:
        return len(self.items) + len(self.unreadable) >= policy.batch_items

    def due_at(self, policy: StreamPolicy) -> float:
        if self.first_at is not None:
            return self.first_at + policy.batch_seconds
        return self.saved_at + policy.cursor_seconds

    def take(self) -> tuple[list[RawItem], list[Unreadable], Cursor | None]:
        taken = (self.items, self.unreadable, self.cursor)
        self.items, self.unreadable = [], []
        self.cursor_moved, self.first_at, self.saved_at = False, None, time.monotonic()
        return taken


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def stream_outcome(status: StreamStatus, next_run_at: datetime) -> PollOutcome:
    """A stream's bounded run as a poll outcome (`lyssna listen --once --stream-for`): failed
    when it never connected or ended unhealthy; the poll's when it was polled instead."""
    from lyssna.connectors.runner import PollOutcome

    if status.connected_at is None and status.last_poll is not None:
        return status.last_poll  # no stream for it: it was polled instead
    failed = status.connected_at is None or status.health == "unhealthy"
    health: Health = status.health
    if failed and health != "unhealthy":
        health = "backing_off"
    return PollOutcome(
        status.source,
        status.kind,
        health,
        next_run_at,
        fetched=status.received,
        new=status.new,
        quarantined=status.quarantined,
        error=(status.error or "the stream did not connect in time") if failed else None,
        unknown_fields=set(status.unknown_fields),
    )
