"""Killing an import at any moment and running it again loses nothing and stores nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

WORDS = "kaffe bra dålig tjeneste kundeservice appen pris avgift strøm nett hjälp tack".split()


def _records(n: int):
    for i in range(n):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
        yield {
            "id": str(i),
            "channel": "x",
            "text": f"{words} nummer {i}",
            "created_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "author": f"u{i % 500}",
        }


def _count(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        total, distinct = conn.execute(
            "select count(*), count(distinct external_id) from mentions"
        ).fetchone()
        return total, distinct
    except sqlite3.OperationalError:
        return 0, 0
    finally:
        conn.close()


def test_kill_and_rerun(tmp_path: Path):
    n = 40_000
    data = tmp_path / "big.jsonl"
    with data.open("w") as f:
        for r in _records(n):
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    env = dict(os.environ, LYSSNA_HOME=str(tmp_path / "home"), LYSSNA_INGEST_BATCH_SIZE="500")
    env.pop("LYSSNA_DATABASE_URL", None)
    cli = [sys.executable, "-m", "lyssna.cli"]
    subprocess.run([*cli, "init"], env=env, check=True, capture_output=True)
    db = tmp_path / "home" / "lyssna.db"

    process = subprocess.Popen(
        [*cli, "ingest", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _count(db)[0] < 2_000 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stored_at_kill, _ = _count(db)
    assert 0 < stored_at_kill < n, "the kill should land mid-import"

    again = subprocess.run([*cli, "ingest", str(data)], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert _count(db) == (n, n)
    assert f"{n - stored_at_kill:,} new" in again.stdout.replace("\n", " ")
