"""Helpers shared by the benchmarks: generated data, synthetic topics, timing, memory."""

from __future__ import annotations

import random
import re
import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from lyssna.demo import generate, write_jsonl

CACHE = Path(__file__).parent / "results"


def demo_file(count: int, seed: int = 11) -> Path:
    """A generated JSON Lines file of `count` mentions, cached between runs."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"demo-{count}-{seed}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        write_jsonl(tmp, generate(count, seed=seed))
        tmp.rename(path)
    return path


def synthetic_topics(path: Path, n: int, seed: int = 3) -> list[tuple[str, str]]:
    """`n` realistic topic queries built from words that occur in the file."""
    words: Counter[str] = Counter()
    with path.open("rb") as f:
        for i, line in enumerate(f):
            if i >= 20_000:
                break
            words.update(w.lower() for w in re.findall(r"\w{4,}", orjson.loads(line)["text"]))
    common = [w for w, _ in words.most_common(3000) if not w.isdigit()]
    rng = random.Random(seed)
    shapes = [
        lambda a, b, c: f"{a} OR {b}",
        lambda a, b, c: f'"{a} {b}" OR {c}',
        lambda a, b, c: f"{a[:4]}* -{b}",
        lambda a, b, c: f"({a} OR {b}) NEAR/4 {c}",
        lambda a, b, c: f"{a} {b}",
        lambda a, b, c: f"#{a} OR @{b} OR {c}",
    ]
    # Listening topics name specific things (products, places, themes), not the commonest words
    # of the language: draw from the words ranked 100 to 3,000.
    pool = common[100:]
    topics = []
    for i in range(n):
        a, b, c = rng.sample(pool, 3)
        topics.append((f"topic-{i:05d}", rng.choice(shapes)(a, b, c)))
    return topics


@contextmanager
def timer() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def peak_memory_mib() -> tuple[float, float]:
    """(this process, largest child process) peak resident memory in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
