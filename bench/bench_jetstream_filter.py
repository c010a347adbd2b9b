"""What keeping the Bluesky firehose to the workspace's topics costs per Jetstream message.

    .venv/bin/python bench/bench_jetstream_filter.py

Each message is read as the stream reads it (JSON, the post's fields, the topic filter) with
the demo company's topics and with 500 synthetic ones. The firehose carries some tens to a few
hundred posts a second, so a cost in microseconds per message is what matters.
"""

from __future__ import annotations

import random
import time

import orjson

from bench.bench_topic_matching import text, topic, vocabulary
from lyssna.connectors.bluesky.config import BlueskyConfig
from lyssna.connectors.bluesky.jetstream import _Reader
from lyssna.connectors.streaming import WorkspaceTopics
from lyssna.demo.company import demo_topics


def messages(rng: random.Random, words: list[str], count: int) -> list[bytes]:
    found = []
    for n in range(count):
        event = {
            "did": f"did:plc:{n:024d}",
            "time_us": 1_790_000_000_000_000 + n,
            "kind": "commit",
            "commit": {
                "rev": "3l3qo2vutsw2b",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": f"3l3qo2vuo{n:06d}",
                "record": {
                    "$type": "app.bsky.feed.post",
                    "createdAt": "2026-11-20T08:00:00.000Z",
                    "langs": [rng.choice(["en", "en", "ja", "pt", "sv", "de"])],
                    "text": text(rng, words),
                },
                "cid": "bafyreidwaivazkwu67xztlmuobx35hs2lnfh3kolmgfmucldvhd3sgzcqi",
            },
        }
        found.append(orjson.dumps(event))
    return found


def per_message(reader: _Reader, batch: list[bytes]) -> tuple[float, int]:
    best, kept = float("inf"), 0
    for _ in range(3):
        start = time.perf_counter()
        kept = sum(1 for m in batch if (e := reader.read(m)) is not None and e.items)
        best = min(best, time.perf_counter() - start)
    return best / len(batch) * 1e6, kept


def main() -> None:
    rng = random.Random(7)
    words = vocabulary(rng, 20_000)
    batch = messages(rng, words, 20_000)
    config = BlueskyConfig(mode="stream")
    cases = {
        "demo topics": [(i, q) for i, (_, q, _) in enumerate(demo_topics())],
        "500 synthetic topics": [(i, topic(rng, words)) for i in range(500)],
    }
    for name, topics in cases.items():
        filter_ = WorkspaceTopics(topics)
        reader = _Reader(config, filter_, "wss://jetstream.example/subscribe", 1)
        micros, kept = per_message(reader, batch)
        print(f"{name:>22}: {micros:6.1f} us per message, {kept:,} of {len(batch):,} kept")


if __name__ == "__main__":
    main()
