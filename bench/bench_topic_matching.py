"""How much does matching against N topics cost per mention? Prints microseconds and ratios.

    .venv/bin/python bench/bench_topic_matching.py

The baseline is tokenising alone (`MatchDocument.build`), which every mention pays anyway.
Topics are synthetic but shaped like real ones: brand words, OR lists, phrases, prefixes,
NEARs, exclusions and field filters, over a vocabulary of mostly rare words.
"""

from __future__ import annotations

import random
import time

from lyssna.query import MatchDocument, TopicMatcher, parse, search_terms

COMMON = (
    "och att det som en på är av för med till den har inte om ett men var jag så kan "
    "vi de sig från eller nu när bra dag tack hej ny mycket"
).split()


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyzåäöæø"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(size)]


def topic(rng: random.Random, words: list[str]) -> str:
    w = lambda: rng.choice(words)  # noqa: E731
    shapes = [
        lambda: w(),
        lambda: f"({w()} OR {w()} OR #{w()}) -{w()}",
        lambda: f'"{w()} {w()}" OR @{w()}',
        lambda: f"{w()[:4]}* lang:sv",
        lambda: f"({w()} OR {w()}) NEAR/3 ({w()} OR {w()})",
        lambda: f"{w()} {w()} -spam -sentiment:positive",
    ]
    return rng.choice(shapes)()


def text(rng: random.Random, words: list[str]) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) + len(parts) < 150:
        parts.append(rng.choice(words) if rng.random() < 0.3 else rng.choice(COMMON))
    return " ".join(parts)[:150]


def per_mention(function, docs: list, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in docs:
            function(item)
        best = min(best, time.perf_counter() - start)
    return best / len(docs) * 1e6


def main() -> None:
    rng = random.Random(1)
    words = vocabulary(rng, 20_000)
    texts = [text(rng, words) for _ in range(2_000)]
    build = lambda t: MatchDocument.build(t, lang="sv", channel="mastodon")  # noqa: E731
    baseline = per_mention(build, texts)
    terms = per_mention(search_terms, texts)
    print(f"tokenise (MatchDocument.build), 150 chars: {baseline:7.2f} µs  (baseline)")
    print(f"search_terms, 150 chars:                   {terms:7.2f} µs")
    for count in (50, 500, 5_000):
        topics = {n: parse(topic(rng, words)) for n in range(count)}
        matched, one_by_one = measure(topics, texts, build)
        print(
            f"{count:5d} topics: build+match {matched:7.2f} µs = {matched / baseline:5.1f}x "
            f"baseline; one by one {one_by_one:9.1f} µs = {one_by_one / baseline:6.1f}x"
        )


def measure(topics: dict, texts: list[str], build) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    matcher = TopicMatcher(topics)

    def each(t: str) -> list[int]:
        doc = build(t)
        return [k for k, q in topics.items() if q.matches(doc)]

    return per_mention(lambda t: matcher.match(build(t)), texts), per_mention(each, texts[:200], 1)


if __name__ == "__main__":
    main()
