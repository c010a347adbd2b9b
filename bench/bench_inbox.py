"""Inbox list and open latency with 100,000 open items and 20 people working at once.

    python bench/bench_inbox.py                          (100,000 items, 20 users; SQLite)
    python bench/bench_inbox.py --items 20000 --users 5  (a quick look)

Builds a workspace with `--items` generated mentions (lyssna.demo generate + Ingestor), every
one an open inbox item (new, assigned to one of the users, or waiting; priorities and reasons
spread as triage spreads them), so the list has the whole 100,000 to rank. The workspace is
cached in a temporary folder named after its parameters; `--home DIR` puts it elsewhere,
`--rebuild` starts again.

The real app is served by uvicorn in its own process on 127.0.0.1 (one worker, as `lyssna
serve` runs it). `--users` threads, each signed in as its own member, then work the inbox at the
same time: list a view (all open, mine, my teams, unassigned, waiting longest, in turn), open one
of the items listed, and again, `--rounds` times, reading for about `--think` seconds (2 by
default, drawn at random) before each request, as people do; `--think 0` sends the next request
at once, a stress test of how many requests the one process serves. Latencies are measured by
the clients, so they include HTTP on the loopback, the app, the database and rendering.

Reference, measured in the same run: the bare indexed SELECT of a page of the list (the 50 most
urgent new items), and of one item with its mention, from this process. Figures are given as
p50/p95 and as a ratio of p50 to the reference. Target: p95 under 200 ms for list and open.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import percentile  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from lyssna import listening  # noqa: E402
from lyssna.core.settings import Settings, load_settings  # noqa: E402
from lyssna.demo import demo_topics, generate, write_jsonl  # noqa: E402
from lyssna.pipeline.ingest import Ingestor  # noqa: E402
from lyssna.storage import accounts  # noqa: E402
from lyssna.storage import inbox as inbox_store  # noqa: E402
from lyssna.storage import inbox_teams as team_store  # noqa: E402
from lyssna.storage.database import write_transaction  # noqa: E402
from lyssna.storage.inbox import OPEN_STATUSES, inbox_items  # noqa: E402
from lyssna.storage.schema import events as events_table  # noqa: E402
from lyssna.storage.schema import mentions  # noqa: E402
from lyssna.web import auth  # noqa: E402
from lyssna.workspace import init_workspace  # noqa: E402

PASSWORD = "bench-password"
DAYS = 35
LIST_LIMIT = 50  # a page of the list (lyssna.web.routes.inbox.LIST_LIMIT)
VIEWS = ("all", "mine", "team", "unassigned", "oldest")
REASONS = (["question"], ["complaint"], ["question", "complaint"], ["addressed to us"])


def _settings(home: Path, database_url: str | None = None) -> Settings:
    return load_settings(home=home, database_url=database_url or f"sqlite:///{home / 'lyssna.db'}")


def email(n: int) -> str:
    return f"agent{n:02d}@example.com"


def build(settings: Settings, items: int, users: int, seed: int) -> None:
    """Mentions, one open item each, `users` responders (half of them in a team)."""
    ctx = init_workspace(settings, name="Bench AB")
    with ctx.engine.connect() as conn:
        have = conn.execute(
            select(func.count())
            .select_from(inbox_items)
            .where(inbox_items.c.workspace_id == ctx.workspace.id)
        ).scalar_one()
    if have < items:
        existing = {t.name for t in listening.list_topics(ctx)}
        for name, query, kind in demo_topics():
            if name not in existing:
                listening.add_topic(ctx, name, query, kind)
        data = settings.home / "mentions.jsonl"
        started = time.perf_counter()
        write_jsonl(data, generate(items, days=DAYS, seed=seed))
        Ingestor(ctx.engine, ctx.workspace.id).ingest_files([data], source="bench")
        data.unlink()
        print(f"ingested {items:,} mentions in {time.perf_counter() - started:.0f} s")
    rng = random.Random(seed)
    with write_transaction(ctx.engine) as conn:
        user_ids = []
        for n in range(users):
            found = accounts.find_user_by_email(conn, email(n))
            user = (
                found[0]
                if found
                else accounts.add_user(
                    conn, email(n), auth.hash_password(PASSWORD), name=f"Agent {n}"
                )
            )
            accounts.set_membership(conn, user.id, ctx.workspace.id, "responder")
            user_ids.append(user.id)
        teams = team_store.teams(conn, ctx.workspace.id)
        team = teams[0] if teams else team_store.add_team(conn, ctx.workspace.id, "Kundservice")
        for user_id in user_ids[: users // 2]:
            team_store.add_member(conn, team.id, user_id)
        if have < items:
            rows = conn.execute(
                select(mentions.c.id, mentions.c.created_at, mentions.c.author_handle).where(
                    mentions.c.workspace_id == ctx.workspace.id
                )
            ).all()
            now = datetime.now(UTC)
            batch = []
            for r in rows:
                status = rng.choices(OPEN_STATUSES, weights=(6, 3, 1))[0]
                batch.append(
                    {
                        "workspace_id": ctx.workspace.id,
                        "mention_id": r.id,
                        "status": status,
                        "priority": min(100, int(rng.betavariate(2, 3) * 110)),
                        "reasons": rng.choice(REASONS),
                        "assignee_id": rng.choice(user_ids) if status != "new" else None,
                        "team_id": team.id if rng.random() < 0.3 else None,
                        "author_handle": r.author_handle,
                        "created_at": r.created_at,
                        "updated_at": now,
                        "version": 1,
                    }
                )
            for start in range(0, len(batch), 5000):
                conn.execute(insert(inbox_items), batch[start : start + 5000])
            # The items are made: nothing is left for the inbox to triage.
            latest = conn.execute(select(func.max(events_table.c.id))).scalar()
            inbox_store.set_cursor(conn, ctx.workspace.id, int(latest or 0))
    ctx.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    """`lyssna serve` in its own process (uvicorn, one worker)."""
    env = {
        **os.environ,
        "LYSSNA_HOME": str(settings.home),
        "LYSSNA_DATABASE_URL": settings.database_url,
    }
    code = (
        "import uvicorn; from lyssna.core.settings import load_settings; "
        "from lyssna.web import create_app; "
        f"uvicorn.run(create_app(load_settings()), host='127.0.0.1', port={port}, "
        "log_level='warning')"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the app did not start")


def _timed(call: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def reference(settings: Settings, repeat: int) -> tuple[list[float], list[float]]:
    """The bare indexed SELECTs behind the two pages, from this process: one page (50 rows)
    of the most urgent new items, and one item with its mention."""
    from lyssna.storage.database import make_engine

    engine = make_engine(settings.database_url)
    c = inbox_items.c
    page = (
        select(inbox_items)
        .where(c.workspace_id == 1, c.status == "new")
        .order_by(c.priority.desc(), c.created_at, c.id)
        .limit(LIST_LIMIT)
    )
    with engine.connect() as conn:
        ids = [r.id for r in conn.execute(page)]
        one = (
            select(inbox_items, mentions)
            .join(mentions, mentions.c.id == c.mention_id)
            .where(c.id == ids[len(ids) // 2])
        )
        conn.execute(page).all()
        listed = _timed(lambda: conn.execute(page).all(), repeat)
        opened = _timed(lambda: conn.execute(one).all(), repeat)
    engine.dispose()
    return listed, opened


def work(
    base: str,
    n: int,
    rounds: int,
    start: threading.Barrier,
    out: dict[str, list[float]],
    think: float = 0.0,
) -> None:
    """One person: sign in, then list a view and open an item, `rounds` times, pausing about
    `think` seconds (exponentially distributed) before each request."""
    import httpx

    rng = random.Random(n)
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/signin").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        done = client.post(
            "/signin", data={"email": email(n), "password": PASSWORD, "csrf": csrf, "next": "/"}
        )
        assert done.status_code in (200, 303), done.text[:200]
        start.wait()
        pause = (lambda: time.sleep(rng.expovariate(1 / think))) if think else (lambda: None)
        for i in range(rounds):
            view = VIEWS[(n + i) % len(VIEWS)]
            pause()
            started = time.perf_counter()
            listed = client.get(f"/w/default/inbox?view={view}")
            out["list"].append((time.perf_counter() - started) * 1000)
            assert listed.status_code == 200, listed.text[:300]
            ids = [int(x.split('"')[0]) for x in listed.text.split('<tr id="item-')[1:]]
            if not ids:
                continue
            pause()
            started = time.perf_counter()
            opened = client.get(f"/w/default/inbox/{rng.choice(ids)}")
            out["open"].append((time.perf_counter() - started) * 1000)
            assert opened.status_code == 200, opened.text[:300]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--think", type=float, default=2.0,
        help="mean seconds a person reads before the next request (0: none, a stress test)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--home", type=Path, default=None, help="keep the workspace here")
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    parser.add_argument("--rebuild", action="store_true", help="build the workspace again")
    args = parser.parse_args()

    home = args.home or Path(tempfile.gettempdir()) / f"lyssna-bench-inbox-{args.items}"
    if args.rebuild and home.exists():
        for name in ("lyssna.db", "lyssna.db-wal", "lyssna.db-shm"):
            (home / name).unlink(missing_ok=True)
    settings = _settings(home, args.database_url)
    build(settings, args.items, args.users, args.seed)

    load = os.getloadavg()
    print(f"\nworkspace {home}: {args.items:,} open items, {args.users} people")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
    ref_list, ref_open = reference(settings, 50)

    port = _free_port()
    server = serve(settings, port)
    try:
        base = f"http://127.0.0.1:{port}"
        # Warm up: one person lists and opens, so the first timed request is not the first.
        warm: dict[str, list[float]] = {"list": [], "open": []}
        work(base, 0, 3, threading.Barrier(1), warm)
        out: dict[str, list[float]] = {"list": [], "open": []}
        start = threading.Barrier(args.users)
        threads = [
            threading.Thread(target=work, args=(base, n, args.rounds, start, out, args.think))
            for n in range(args.users)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    requests = len(out["list"]) + len(out["open"])
    print(f"\n{args.users} people at once, reading about {args.think:g} s between requests: "
          f"{requests:,} requests in {wall:.1f} s ({requests / wall:.0f} requests/s)")  # fmt: skip
    print(f"{'':34} {'p50 ms':>8} {'p95 ms':>8} {'x ref':>6}")
    r50, r95 = percentile(ref_list, 50), percentile(ref_list, 95)
    o50, o95 = percentile(ref_open, 50), percentile(ref_open, 95)
    print(f"{'reference: SELECT a page':34} {r50:8.2f} {r95:8.2f}")
    print(f"{'reference: SELECT one item':34} {o50:8.2f} {o95:8.2f}")
    worst = 0.0
    for name, ref in (("list", r50), ("open", o50)):
        p50, p95 = percentile(out[name], 50), percentile(out[name], 95)
        worst = max(worst, p95)
        print(f"{name + ' (' + str(len(out[name])) + ' requests)':34} {p50:8.1f} {p95:8.1f} "
              f"{p50 / ref:6.0f}")  # fmt: skip
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"worst p95: {worst:.0f} ms (target < 200 ms): {'OK' if worst < 200 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
