"""Server time of the dashboard and the mention explorer on a large generated workspace.

    python bench/bench_web.py [--count 50000] [--repeat 20] [--home DIR]
    python bench/bench_web.py --count 1000000 --home /tmp/lyssna-web-1m   (kept for reruns)

Builds a SQLite workspace with the demo topics and `--count` generated mentions (lyssna.demo
generate + Ingestor; skipped when --home already holds them), signs in a user, then requests
each route `--repeat` times in process through Starlette's TestClient and prints p50/p95 in ms.
Target: p95 under 300 ms for every route. Figures include the in-process HTTP round trip and
template rendering, not the network.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import demo_file, percentile  # noqa: E402

from lyssna import listening  # noqa: E402
from lyssna.core.settings import load_settings  # noqa: E402
from lyssna.demo import demo_topics  # noqa: E402
from lyssna.pipeline.ingest import Ingestor  # noqa: E402
from lyssna.storage import accounts  # noqa: E402
from lyssna.storage import mentions as mention_store  # noqa: E402
from lyssna.storage.database import write_transaction  # noqa: E402
from lyssna.web import auth, create_app, dashboard  # noqa: E402
from lyssna.workspace import init_workspace  # noqa: E402

EMAIL = "bench@example.com"
PASSWORD = "bench-password"


def build(home: Path, count: int) -> None:
    settings = load_settings(home=home, database_url=f"sqlite:///{home / 'lyssna.db'}")
    ctx = init_workspace(settings, name="Bench AB")
    with ctx.engine.connect() as conn:
        stored = mention_store.count(conn, ctx.workspace.id)
    if stored < count:
        existing = {t.name for t in listening.list_topics(ctx)}
        for name, query, kind in demo_topics():
            if name not in existing:
                listening.add_topic(ctx, name, query, kind)
        started = time.perf_counter()
        path = demo_file(count)
        Ingestor(ctx.engine, ctx.workspace.id).ingest_files([path], source="bench")
        print(f"ingested {count:,} mentions in {time.perf_counter() - started:.0f} s")
    with write_transaction(ctx.engine) as conn:
        found = accounts.find_user_by_email(conn, EMAIL)
        user = found[0] if found else accounts.add_user(conn, EMAIL, auth.hash_password(PASSWORD))
        accounts.set_password_hash(conn, user.id, auth.hash_password(PASSWORD))
        accounts.set_membership(conn, user.id, ctx.workspace.id, "owner")
    ctx.engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--home", type=Path, default=None, help="keep the workspace here")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        build(home, args.count)
        settings = load_settings(home=home, database_url=f"sqlite:///{home / 'lyssna.db'}")
        app = create_app(settings)
        client = TestClient(app)
        page = client.get("/signin").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        client.post("/signin", data={"email": EMAIL, "password": PASSWORD, "csrf": csrf})
        topics = {t.name: t.id for t in listening.list_topics(_ctx(settings))}
        brand = next(iter(topics.values()))
        routes = [
            ("dashboard 24h", "/w/default/?period=24h"),
            ("dashboard 7d", "/w/default/?period=7d"),
            ("dashboard 30d", "/w/default/?period=30d"),
            ("dashboard 7d, one topic", f"/w/default/?period=7d&topic={brand}"),
            ("explorer, no query", "/w/default/mentions"),
            ("explorer, page 5", "/w/default/mentions?page=5"),
            ("explorer, brand query", "/w/default/mentions?q=Elv%C3%A5ra*"),
            ("explorer, query + filters", "/w/default/mentions?q=app*&sentiment=negative&lang=sv"),
            ("explorer, topic filter", f"/w/default/mentions?topic={brand}"),
            ("api mentions search", "/api/v1/workspaces/default/mentions?q=kundtj%C3%A4nst"),
        ]
        print(f"\n{args.count:,} mentions, {args.repeat} requests per route (ms)")
        print("cold: the dashboard cache is emptied before every request; warm: it is not")
        print(f"{'route':32} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}")
        worst = 0.0
        for name, url in routes:
            response = client.get(url)  # warm-up (and check)
            assert response.status_code == 200, (url, response.status_code, response.text[:300])
            figures = []
            for cold in (True, False):
                times = []
                for _ in range(args.repeat):
                    if cold:
                        dashboard._cache.clear()
                    started = time.perf_counter()
                    client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                figures += [percentile(times, 50), percentile(times, 95)]
            worst = max(worst, figures[1])
            print(f"{name:32} " + " ".join(f"{f:9.1f}" for f in figures))
        verdict = "OK" if worst < 300 else "SLOW"
        print(f"\nworst cold p95: {worst:.0f} ms (target < 300 ms): {verdict}")
        app.state.web.engine.dispose()
    return 0


def _ctx(settings):  # type: ignore[no-untyped-def]
    from lyssna.workspace import open_workspace

    return open_workspace(settings)


if __name__ == "__main__":
    raise SystemExit(main())
