"""Ingest: raw records -> prepared mentions (in worker processes) -> stored, one batch at a time.

Each batch is stored in its own transaction together with its quarantined records, topic
matches and events, so a crash or kill loses at most the batch in flight, and running the same
import again stores nothing twice (mentions are unique by workspace, channel and id).
"""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from lyssna import corrections
from lyssna.pipeline.prepare import Analyzer, PreparedBatch, Preparer
from lyssna.pipeline.readers import (
    RawRecord,
    detect_format,
    parse_jsonl_line,
    read_lines,
    read_records,
)
from lyssna.storage import mentions as mention_store
from lyssna.storage import quarantine, sources
from lyssna.storage import topics as topic_store
from lyssna.storage.database import write_transaction
from lyssna.storage.mentions import StoreOutcome

AnalyzerFactory = Callable[[], Analyzer]

# Below this many bytes of input, starting worker processes costs more than it saves.
_PARALLEL_THRESHOLD_BYTES = 4 * 1024 * 1024
# Prepared batches are stored together up to about this many records per transaction: a commit
# writes every index page the transaction touched, and in a big table a batch's rows land on
# different pages of the random-order indexes, so fewer, larger commits write far less.
_ROWS_PER_TRANSACTION = 10_000


@dataclass(slots=True)
class IngestSummary:
    read: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    matched: Counter[str] = field(default_factory=Counter)  # topic name -> mentions matched


def default_analyzer() -> Analyzer:
    """The shipped analyser without any workspace's pinned terms or learnt model."""
    from lyssna.analysis import load_analyzer

    return load_analyzer()


_worker_preparer: Preparer | None = None


def _init_worker(
    topics: Sequence[tuple[int, str]], analyzer_factory: AnalyzerFactory, dialect: str
) -> None:
    global _worker_preparer
    _worker_preparer = Preparer(topics, analyzer_factory(), dialect)
    # The models and compiled topics live as long as the worker: keep them out of the garbage
    # collector's full passes, which would otherwise walk them again and again.
    gc.freeze()


def _prepare_in_worker(
    items: list[RawRecord] | list[tuple[int, bytes]],
    origin: str,
    default_channel: str,
    source: str | None,
) -> PreparedBatch:
    """Prepare a batch: records, or JSON Lines lines that the worker parses itself."""
    assert _worker_preparer is not None, "worker not initialised"
    records = [
        parse_jsonl_line(origin, *item) if isinstance(item, tuple) else item for item in items
    ]
    return _worker_preparer.prepare(records, default_channel=default_channel, source=source)


def _batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


class Ingestor:
    """Imports files into one workspace. Build one per run: it compiles the workspace's topics."""

    def __init__(
        self,
        engine: Engine,
        workspace_id: int,
        *,
        analyzer_factory: AnalyzerFactory | None = None,
        workers: int = 0,
        batch_size: int = 2000,
    ) -> None:
        self.engine = engine
        self.workspace_id = workspace_id
        self.workers = workers or (os.cpu_count() or 1)
        self.batch_size = batch_size
        with engine.connect() as conn:
            topic_list = topic_store.list_all(conn, workspace_id)
            # By default the workspace's own analyser: its pinned terms and learnt model.
            self.analyzer_factory: AnalyzerFactory = analyzer_factory or (
                corrections.analyzer_factory(conn, workspace_id)
            )
        self.topics = [(t.id, t.query) for t in topic_list]
        self.topic_names = {t.id: t.name for t in topic_list}
        self._local: Preparer | None = None

    def ingest_files(
        self,
        paths: Sequence[Path],
        *,
        fmt: str | None = None,
        source: str | None = None,
        channel: str = "import",
        on_progress: Callable[[int], None] | None = None,
    ) -> IngestSummary:
        """Import the files in order; `on_progress` is told how many bytes were read."""
        summary = IngestSummary()
        source_id = None
        if source:
            with write_transaction(self.engine) as conn:
                source_id = sources.ensure(conn, self.workspace_id, source, kind="import")
        total_bytes = sum(p.stat().st_size for p in paths)
        parallel = self.workers > 1 and total_bytes >= _PARALLEL_THRESHOLD_BYTES
        pool = (
            ProcessPoolExecutor(
                max_workers=self.workers,
                initializer=_init_worker,
                initargs=(self.topics, self.analyzer_factory, self.engine.dialect.name),
            )
            if parallel
            else None
        )
        try:
            for path in paths:
                fmt_here = detect_format(path, fmt)
                with path.open("rb") as stream:
                    items: Iterable[RawRecord] | Iterable[tuple[int, bytes]]
                    if pool is not None and fmt_here == "jsonl":
                        # Workers parse the lines: the writer only reads bytes and stores.
                        items = read_lines(stream, on_progress)
                    else:
                        items = read_records(stream, str(path), fmt_here, on_progress)
                    self._ingest_stream(items, pool, summary, source_id, source, channel, str(path))
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return summary

    def ingest_records(
        self, records: Iterable[RawRecord], *, source: str | None = None, channel: str = "import"
    ) -> IngestSummary:
        """Import records already read (connectors, tests), in this process."""
        summary = IngestSummary()
        source_id = None
        if source:
            with write_transaction(self.engine) as conn:
                source_id = sources.ensure(conn, self.workspace_id, source, kind="import")
        self._ingest_stream(records, None, summary, source_id, source, channel, "")
        return summary

    def _ingest_stream(
        self,
        records: Iterable[RawRecord] | Iterable[tuple[int, bytes]],
        pool: ProcessPoolExecutor | None,
        summary: IngestSummary,
        source_id: int | None,
        source: str | None,
        channel: str,
        origin: str,
    ) -> None:
        if pool is None:
            if self._local is None:
                self._local = Preparer(
                    self.topics, self.analyzer_factory(), self.engine.dialect.name
                )
            for batch in _batches(records, self.batch_size):  # type: ignore[arg-type]
                summary.read += len(batch)
                prepared = self._local.prepare(batch, default_channel=channel, source=source)
                self._store(prepared, summary, source_id)
            return
        # Keep a few batches in flight and store them in input order, so that a later version
        # of a record always wins over an earlier one.
        in_flight: list[Future[PreparedBatch]] = []
        pending = PreparedBatch()
        for batch in _batches(records, self.batch_size):
            summary.read += len(batch)
            in_flight.append(pool.submit(_prepare_in_worker, batch, origin, channel, source))
            if len(in_flight) >= self.workers * 2:
                _extend(pending, in_flight.pop(0).result())
                if len(pending.mentions) + len(pending.quarantined) >= _ROWS_PER_TRANSACTION:
                    self._store(pending, summary, source_id)
                    pending = PreparedBatch()
        for future in in_flight:
            _extend(pending, future.result())
        self._store(pending, summary, source_id)

    def _store(
        self, prepared: PreparedBatch, summary: IngestSummary, source_id: int | None
    ) -> None:
        if not prepared.mentions and not prepared.quarantined:
            return
        with write_transaction(self.engine) as conn:
            quarantine.add_many(conn, self.workspace_id, prepared.quarantined)
            outcome: StoreOutcome = mention_store.store_batch(
                conn, self.workspace_id, source_id, prepared.mentions
            )
        summary.new += outcome.new
        summary.updated += outcome.updated
        summary.duplicates += outcome.duplicates
        summary.quarantined += len(prepared.quarantined)
        for topic_id, n in outcome.matched.items():
            summary.matched[self.topic_names[topic_id]] += n


def _extend(pending: PreparedBatch, more: PreparedBatch) -> None:
    pending.mentions.extend(more.mentions)
    pending.quarantined.extend(more.quarantined)
