"""Ingest and search speed on generated mentions, against a floor measured in the same run.

    python bench/bench_ingest.py [--count 200000] [--topics 50] [--search-size 1000000]

Figures:
- floor: parse the same JSON Lines file and insert the same rows with plain executemany in one
  transaction into a table with no indexes, best of three runs (what SQLite and orjson can do
  at best);
- full ingest: `Ingestor` into a fresh SQLite workspace with the topics (normalise, analyse,
  dedupe, match, store with indexes and full-text index, events), both cores allowed;
- ratio full/floor (target <= 15) and mentions/s (target >= 10,000);
- how ingest time per mention grows with 50, 500 and 5,000 topics (one process, 20,000 mentions);
- search latency p50/p95 for typical topic queries on --search-size stored mentions (target p95
  < 200 ms) and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))

from common import demo_file, peak_memory_mib, percentile, synthetic_topics, timer  # noqa: E402

from lyssna import listening  # noqa: E402
from lyssna.core.settings import load_settings  # noqa: E402
from lyssna.demo import demo_topics  # noqa: E402
from lyssna.pipeline.ingest import Ingestor  # noqa: E402
from lyssna.query import parse  # noqa: E402
from lyssna.storage.search import MentionFilter, search  # noqa: E402
from lyssna.workspace import init_workspace  # noqa: E402

FLOOR_COLUMNS = [
    "workspace_id",
    "channel",
    "external_id",
    "text",
    "created_at",
    "author_handle",
    "author_name",
    "author_followers",
    "url",
    "lang",
    "reply_to",
    "likes",
    "shares",
    "replies",
    "views",
    "raw",
]


def floor(path: Path, db: Path, runs: int = 3) -> float:
    """Rows per second for parse + executemany into an unindexed table, one transaction: the
    best of `runs` (the first run also pays for reading the file into the page cache)."""
    best = 0.0
    for run in range(runs):
        run_db = db.with_name(f"{db.stem}-{run}{db.suffix}")
        best = max(best, _floor_once(path, run_db))
    return best


def _floor_once(path: Path, db: Path) -> float:
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE m (id INTEGER PRIMARY KEY, {', '.join(FLOOR_COLUMNS)})")
    placeholders = ", ".join("?" for _ in FLOOR_COLUMNS)
    start = time.perf_counter()
    rows = []
    with path.open("rb") as f:
        for line in f:
            r = orjson.loads(line)
            author = r.get("author") or {}
            metrics = r.get("metrics") or {}
            rows.append(
                (
                    1,
                    r.get("channel", "import"),
                    r["id"],
                    r["text"],
                    r["created_at"],
                    author.get("handle"),
                    author.get("name"),
                    author.get("followers"),
                    r.get("url"),
                    r.get("lang"),
                    r.get("reply_to"),
                    metrics.get("likes"),
                    metrics.get("shares"),
                    metrics.get("replies"),
                    metrics.get("views"),
                    line,
                )
            )
    with conn:
        conn.executemany(
            f"INSERT INTO m ({', '.join(FLOOR_COLUMNS)}) VALUES ({placeholders})", rows
        )
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def new_workspace(tmp: Path, name: str, topics: list[tuple[str, str]]):
    settings = load_settings(home=tmp / name, database_url=f"sqlite:///{tmp / name / 'l.db'}")
    ctx = init_workspace(settings)
    for topic_name, query in topics:
        listening.add_topic(ctx, topic_name, query, "theme")
    return ctx


def full_ingest(path: Path, tmp: Path, topics: list[tuple[str, str]], name: str, workers: int = 0):
    ctx = new_workspace(tmp, name, topics)
    ingestor = Ingestor(ctx.engine, ctx.workspace.id, workers=workers)
    with timer() as t:
        summary = ingestor.ingest_files([path])
    return ctx, summary, t[0]


def _cpu() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--scaling-count", type=int, default=20_000)
    parser.add_argument("--search-size", type=int, default=1_000_000)
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()

    path = demo_file(args.count)
    brand = [(n, q) for n, q, _ in demo_topics()]
    topics = (brand + synthetic_topics(path, args.topics))[: args.topics]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        floor_rate = floor(path, tmp / "floor.db")
        print(f"floor (parse + executemany, no indexes): {floor_rate:,.0f} rows/s")
        before = _cpu()
        _, summary, seconds = full_ingest(path, tmp, topics, "full")
        main_cpu, workers_cpu = (b - a for a, b in zip(before, _cpu(), strict=True))
        rate = summary.read / seconds
        print(
            f"full ingest, {len(topics)} topics, {args.count:,} mentions: {seconds:.1f} s, "
            f"{rate:,.0f} mentions/s (new {summary.new:,}, quarantined {summary.quarantined})"
        )
        print(
            f"ratio full/floor: {floor_rate / rate:.1f}x (target <= 15), "
            f"mentions/s target >= 10,000: {'met' if rate >= 10_000 else 'NOT met'}"
        )
        per_main, per_workers = main_cpu / summary.read * 1e6, workers_cpu / summary.read * 1e6
        print(
            f"CPU per mention: writer (main) {per_main:.0f} µs, workers {per_workers:.0f} µs, "
            f"total {per_main + per_workers:.0f} µs: {2e6 / (per_main + per_workers):,.0f} "
            "mentions/s if both cores were free"
        )
        own, child = peak_memory_mib()
        print(f"peak memory: main {own:,.0f} MiB, largest worker {child:,.0f} MiB")

        small = demo_file(args.scaling_count, seed=5)
        base_rate = None
        for n in (50, 500, 5000):
            scaled = synthetic_topics(small, n)
            _, s, sec = full_ingest(small, tmp, scaled, f"scale{n}", workers=1)
            per = sec / s.read * 1e6
            base_rate = base_rate or per
            print(
                f"topics {n:>5}: {per:,.0f} µs/mention, one process ({per / base_rate:.2f}x of 50)"
            )

        if args.skip_search:
            return
        big = demo_file(args.search_size, seed=13)
        ctx, s, sec = full_ingest(big, tmp, topics, "search")
        print(f"search workspace: {s.new:,} mentions ingested in {sec:.0f} s")
        queries = [q for _, q, _ in demo_topics()] + [
            '"inte bra"',
            "kundtj* OR kundeservice*",
            "lang:da -spam",
            "sentiment:negative app*",
        ]
        latencies: dict[str, list[float]] = {}
        with ctx.engine.connect() as conn:
            for query in queries:
                parsed = parse(query)
                for _ in range(7):
                    start = time.perf_counter()
                    search(conn, ctx.workspace.id, MentionFilter(query=parsed), limit=50)
                    latencies.setdefault(query, []).append((time.perf_counter() - start) * 1000)
        every = [v for vs in latencies.values() for v in vs[1:]]
        for query, values in latencies.items():
            print(f"  search {query[:60]!r}: p50 {percentile(values[1:], 50):.0f} ms")
        print(
            f"search on {s.new:,} mentions, limit 50: p50 {percentile(every, 50):.0f} ms, "
            f"p95 {percentile(every, 95):.0f} ms (target p95 < 200 ms)"
        )
        own, child = peak_memory_mib()
        print(f"peak memory: main {own:,.0f} MiB, largest worker {child:,.0f} MiB")


if __name__ == "__main__":
    main()
