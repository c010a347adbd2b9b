"""Server time of the dashboard and the mention explorer on a large generated workspace.

    python bench/bench_web.py                      (50,000 mentions)
    python bench/bench_web.py --count 1000000      (the figure in docs/benchmarks.md)

Builds a SQLite workspace with the demo topics and `--count` generated mentions (lyssna.demo
generate + Ingestor), signs in a user, then requests each route `--repeat` times in process
through Starlette's TestClient and prints p50/p95 in ms, cold (the dashboard cache emptied
before every request) and warm. The workspace is cached in a temporary folder named after its
parameters (count, seed, days), so reruns skip the build (a million mentions take 5 to 30
minutes to load, depending on the machine); `--home DIR` puts it elsewhere, `--rebuild` starts
it again. Dashboards are asked for as of the data's last hour, so a cached workspace keeps
measuring full periods. `--only "two topics,brand"` times only the routes whose name holds one
of the words, and `--no-recount` skips timing the recount of the hourly counts, for quick
before/after comparisons.

Each figure is also given as a ratio to a reference measured in the same run: a bare COUNT of
the 30-day period over the (workspace, time) index, the cheapest question the database can be
asked about that many mentions. Target: p95 under 300 ms for every route. Figures include the
in-process HTTP round trip and template rendering, not the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).parent))

from common import percentile  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from lyssna import listening  # noqa: E402
from lyssna.core.settings import Settings, load_settings  # noqa: E402
from lyssna.demo import demo_topics, generate, write_jsonl  # noqa: E402
from lyssna.pipeline.ingest import Ingestor  # noqa: E402
from lyssna.storage import accounts, rollups  # noqa: E402
from lyssna.storage import mentions as mention_store  # noqa: E402
from lyssna.storage.database import write_transaction  # noqa: E402
from lyssna.storage.schema import mentions  # noqa: E402
from lyssna.web import auth, create_app, dashboard  # noqa: E402
from lyssna.workspace import WorkspaceContext, init_workspace, open_workspace  # noqa: E402

EMAIL = "bench@example.com"
PASSWORD = "bench-password"
DAYS = 35


def _settings(home: Path) -> Settings:
    return load_settings(home=home, database_url=f"sqlite:///{home / 'lyssna.db'}")


def build(home: Path, count: int, seed: int) -> datetime:
    """The workspace with `count` generated mentions ending at the returned hour (UTC)."""
    ctx = init_workspace(_settings(home), name="Bench AB")
    end_file = home / "end.txt"
    with ctx.engine.connect() as conn:
        stored = mention_store.count(conn, ctx.workspace.id)
    if stored < count or not end_file.exists():
        existing = {t.name for t in listening.list_topics(ctx)}
        for name, query, kind in demo_topics():
            if name not in existing:
                listening.add_topic(ctx, name, query, kind)
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        data = home / "mentions.jsonl"
        started = time.perf_counter()
        write_jsonl(data, generate(count, days=DAYS, end=end, seed=seed))
        print(f"generated {count:,} mentions in {time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        Ingestor(ctx.engine, ctx.workspace.id).ingest_files([data], source="bench")
        print(f"ingested {count:,} mentions in {time.perf_counter() - started:.0f} s")
        data.unlink()
        end_file.write_text(end.isoformat())
    with write_transaction(ctx.engine) as conn:
        found = accounts.find_user_by_email(conn, EMAIL)
        user = found[0] if found else accounts.add_user(conn, EMAIL, auth.hash_password(PASSWORD))
        accounts.set_password_hash(conn, user.id, auth.hash_password(PASSWORD))
        accounts.set_membership(conn, user.id, ctx.workspace.id, "owner")
    ctx.engine.dispose()
    return datetime.fromisoformat(end_file.read_text())


def _timed(call: Callable[[], object], repeat: int, before: Callable[[], None] | None = None):
    """p50 and p95 wall time, and p50 CPU time of this process (the database runs in it too,
    so the CPU time says what a request costs whatever else the machine runs), in ms."""
    times, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return percentile(times, 50), percentile(times, 95), percentile(cpu, 50)


def _recount(ctx: WorkspaceContext) -> None:
    """Time the full recount of the hourly counts, and the part a topic change recounts."""
    started = time.perf_counter()
    with write_transaction(ctx.engine) as writer:
        rows = rollups.rebuild(writer, ctx.workspace.id)
    rebuilt = time.perf_counter() - started
    # The part a topic added, edited or removed recounts (every topic signature).
    started = time.perf_counter()
    with write_transaction(ctx.engine) as writer:
        set_rows = rollups.rebuild_topic_sets(writer, ctx.workspace.id)
    sets_rebuilt = time.perf_counter() - started
    with ctx.engine.connect() as conn:
        signatures = conn.execute(
            select(func.count()).where(rollups.topic_signatures.c.workspace_id == ctx.workspace.id)
        ).scalar_one()
    print(f"rollups: {rows:,} rows, rebuilt from the mentions in {rebuilt:.1f} s")
    print(
        f"topic sets: {signatures:,} signatures, {set_rows:,} rows, "
        f"recounted in {sets_rebuilt:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--home", type=Path, default=None, help="keep the workspace here")
    parser.add_argument("--rebuild", action="store_true", help="build the workspace again")
    parser.add_argument(
        "--only", default="", help="routes whose name holds one of these words (comma separated)"
    )
    parser.add_argument(
        "--no-recount", action="store_true", help="skip timing the recount of the hourly counts"
    )
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    home = args.home or Path(tempfile.gettempdir()) / (
        f"lyssna-bench-web-{args.count}-seed{args.seed}-{DAYS}d"
    )
    if args.rebuild and home.exists():
        for name in ("lyssna.db", "lyssna.db-wal", "lyssna.db-shm", "end.txt"):
            (home / name).unlink(missing_ok=True)
    end = build(home, args.count, args.seed)
    settings = _settings(home)
    ctx = open_workspace(settings)
    load = os.getloadavg()
    print(f"\nworkspace {home} ({args.count:,} mentions up to {end:%Y-%m-%d %H:00} UTC)")
    print(
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )

    # The reference: the bare indexed COUNT of the 30-day period.
    period = dashboard.period_for("30d", end)
    with ctx.engine.connect() as conn:
        count_30d = select(func.count()).where(
            mentions.c.workspace_id == ctx.workspace.id,
            mentions.c.created_at >= period.since,
            mentions.c.created_at < period.until,
        )
        in_period = conn.execute(count_30d).scalar_one()
        ref50, _, _ = _timed(lambda: conn.execute(count_30d).scalar_one(), args.repeat)
    print(f"reference: COUNT of the 30-day period ({in_period:,} mentions): p50 {ref50:.1f} ms")
    if not args.no_recount:
        _recount(ctx)

    app = create_app(settings)
    # The dashboard's "now" is the data's last hour.
    clock = mock.patch("lyssna.web.routes.dashboard.utcnow", lambda: end)
    clock.start()
    client = TestClient(app)
    page = client.get("/signin").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD, "csrf": csrf})
    topics = {t.name: t.id for t in listening.list_topics(ctx)}
    # The first three topics by name: with the demo topics, the themes App (13% of mentions)
    # and Customer service (9%), and the brand Elvåra (54%).
    first, second, third = list(topics.values())[:3]
    two = f"topic={first}&topic={second}"
    routes = [
        ("dashboard 24h", "/w/default/?period=24h"),
        ("dashboard 7d", "/w/default/?period=7d"),
        ("dashboard 30d", "/w/default/?period=30d"),
        ("dashboard 7d, one topic", f"/w/default/?period=7d&topic={first}"),
        ("dashboard 30d, one topic", f"/w/default/?period=30d&topic={first}"),
        ("dashboard 24h, two topics", f"/w/default/?period=24h&{two}"),
        ("dashboard 7d, two topics", f"/w/default/?period=7d&{two}"),
        ("dashboard 30d, two topics", f"/w/default/?period=30d&{two}"),
        ("dashboard 30d, three topics", f"/w/default/?period=30d&{two}&topic={third}"),
        ("explorer, no query", "/w/default/mentions"),
        ("explorer, page 5", "/w/default/mentions?page=5"),
        ("explorer, brand query", "/w/default/mentions?q=Elv%C3%A5ra*"),
        ("explorer, brand, page 20", "/w/default/mentions?q=Elv%C3%A5ra*&page=20"),
        ("explorer, word in 0.5%", "/w/default/mentions?q=tv%C3%A4ttmaskin"),
        ("explorer, query + filters", "/w/default/mentions?q=app*&sentiment=negative&lang=sv"),
        ("explorer, topic filter", f"/w/default/mentions?topic={first}"),
        ("api mentions search", "/api/v1/workspaces/default/mentions?q=kundtj%C3%A4nst"),
    ]
    only = [word.strip() for word in args.only.split(",") if word.strip()]
    routes = [(name, url) for name, url in routes if not only or any(w in name for w in only)]
    print(f"\n{args.count:,} mentions, {args.repeat} requests per route (ms; x = p50 / reference)")
    print("cold: the dashboard cache is emptied before every request; warm: it is not")
    print("cpu: the p50 of the CPU time a cold request took in this process")
    header = (
        f"{'route':28} {'cold p50':>9} {'cold p95':>9} {'x':>5} {'cpu':>6} "
        f"{'warm p50':>9} {'warm p95':>9}"
    )
    print(header)
    worst = 0.0
    for name, url in routes:
        response = client.get(url)  # warm-up (and check)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
        cold = _timed(lambda url=url: client.get(url), args.repeat, dashboard._cache.clear)
        warm = _timed(lambda url=url: client.get(url), args.repeat)
        worst = max(worst, cold[1])
        print(
            f"{name:28} {cold[0]:9.1f} {cold[1]:9.1f} {cold[0] / ref50:5.0f} {cold[2]:6.1f} "
            f"{warm[0]:9.1f} {warm[1]:9.1f}"
        )
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    verdict = "OK" if worst < 300 else "SLOW"
    print(f"worst cold p95: {worst:.0f} ms (target < 300 ms): {verdict}")
    clock.stop()
    app.state.web.engine.dispose()
    ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
