"""The demo stream: deterministic, well-formed, and shaped like real listening data."""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from lyssna.demo import DEMO_COMPANY, demo_topics, generate, write_jsonl
from lyssna.demo.generator import VOCABULARIES, _Slots, main

END = datetime(2026, 11, 20, 12, tzinfo=UTC)
NEGATIVE_KINDS = {"complaint", "irony"}
CET = timezone(timedelta(hours=1))  # November: Scandinavian winter time


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["created_at"])


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(generate(10_000, end=END, seed=7))


def test_same_seed_gives_same_records_and_another_seed_does_not() -> None:
    first = list(generate(800, end=END, seed=3))
    assert first == list(generate(800, end=END, seed=3))
    assert first != list(generate(800, end=END, seed=4))


@pytest.mark.parametrize("count", [0, 1, 37, 1_000, 4_321])
def test_exact_count(count: int) -> None:
    assert sum(1 for _ in generate(count, end=END, days=10)) == count


def test_natural_volume_is_about_40000_over_35_days_scaled_by_days() -> None:
    count = sum(1 for _ in generate(days=7, end=END))
    assert 7_000 < count < 9_000


def test_records_are_in_time_order_within_the_period(records: list[dict[str, Any]]) -> None:
    times = [_when(r) for r in records]
    assert times == sorted(times)
    assert END - timedelta(days=35) <= times[0] and times[-1] < END


def test_every_record_has_the_import_fields_with_the_right_types(
    records: list[dict[str, Any]],
) -> None:
    for record in records:
        assert isinstance(record["id"], str) and record["id"]
        assert isinstance(record["channel"], str) and record["channel"]
        assert isinstance(record["text"], str) and record["text"].strip()
        assert _when(record).tzinfo is not None
        author = record["author"]
        assert isinstance(author["handle"], str) and author["handle"]
        assert isinstance(author["name"], str) and author["name"]
        assert isinstance(author["followers"], int) and author["followers"] >= 0
        assert record["url"].startswith("https://")
        metrics = record["metrics"]
        for key in ("likes", "shares", "replies"):
            assert isinstance(metrics[key], int) and metrics[key] >= 0
        assert set(metrics) <= {"likes", "shares", "replies", "views"}
        assert "lang_variant" not in record
        if "lang" in record:
            assert record["lang"] in {"sv", "no", "da", "fi", "en"}
        if "reply_to" in record:
            assert isinstance(record["reply_to"], str)
        assert "{" not in record["text"], record["text"]  # no unfilled template slot


def test_ids_are_unique_within_each_channel(records: list[dict[str, Any]]) -> None:
    seen = Counter((r["channel"], r["id"]) for r in records)
    assert max(seen.values()) == 1


def test_replies_point_to_an_earlier_record_on_the_same_channel(
    records: list[dict[str, Any]],
) -> None:
    seen: set[tuple[str, str]] = set()
    replies = 0
    for record in records:
        if "reply_to" in record:
            replies += 1
            assert (record["channel"], record["reply_to"]) in seen
        seen.add((record["channel"], record["id"]))
    assert 0.05 < replies / len(records) < 0.35


def test_channels_are_mixed_and_views_only_where_platforms_report_them(
    records: list[dict[str, Any]],
) -> None:
    channels = Counter(r["channel"] for r in records)
    expected = {"mastodon", "bluesky", "rss", "reddit", "x", "facebook", "instagram", "youtube"}
    assert expected | {"reviews", "forums"} == set(channels)
    assert max(channels.values()) < 0.3 * len(records)
    for record in records:
        has_views = "views" in record["metrics"]
        if record["channel"] in {"mastodon", "bluesky", "reddit", "facebook", "rss", "reviews"}:
            assert not has_views
        if record["channel"] in {"x", "youtube"}:
            assert has_views


def test_language_mix_and_only_some_records_say_their_language(
    records: list[dict[str, Any]],
) -> None:
    labelled = [r["lang"] for r in records if "lang" in r]
    assert 0.3 < len(labelled) / len(records) < 0.5
    shares = Counter(labelled)
    expected = {"sv": 0.35, "no": 0.25, "da": 0.15, "fi": 0.10, "en": 0.15}
    for lang, share in expected.items():
        assert abs(shares[lang] / len(labelled) - share) < 0.05, (lang, shares)


def test_texts_are_written_in_their_language(records: list[dict[str, Any]]) -> None:
    # Cheap tell-tale words; the point is that a record labelled fi is not Swedish text.
    tells = {
        "sv": {"och", "inte", "är", "jag", "med", "för", "på", "har", "till", "det", "som", "i"},
        "no": {"og", "ikke", "ikkje", "er", "jeg", "eg", "med", "for", "på", "har", "til", "i"},
        "da": {"og", "ikke", "er", "jeg", "med", "for", "på", "har", "til", "det", "af", "i"},
        "fi": {"ja", "ei", "on", "eikä", "kun", "mutta", "jo", "se", "vain", "olen", "että"},
        "en": {"and", "not", "is", "the", "to", "for", "my", "a", "of", "no", "it", "in"},
    }
    misses = 0
    checked = 0
    for record in records:
        lang = record.get("lang")
        words = set(re.findall(r"\w+", record["text"].lower()))
        if lang and len(words) >= 8:
            checked += 1
            misses += not (words & tells[lang])
    assert checked > 1_000 and misses / checked < 0.1


def test_the_storm_day_is_loud_and_mostly_negative(records: list[dict[str, Any]]) -> None:
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_day[_when(record).astimezone(UTC).date()].append(record)
    median = statistics.median(len(day) for day in by_day.values())
    worst = max(by_day.values(), key=len)
    assert len(worst) >= 8 * median
    kinds = Counter(r["kind"] for r in worst)
    assert sum(kinds[k] for k in NEGATIVE_KINDS) > 0.5 * len(worst)
    # The storm reaches every language and most channels, and loud voices join in.
    assert {r["lang"] for r in worst if "lang" in r} == {"sv", "no", "da", "fi", "en"}
    assert len({r["channel"] for r in worst}) >= 8
    assert sum(r["author"]["followers"] >= 50_000 for r in worst) >= 20
    assert sum(r["author"]["handle"] == DEMO_COMPANY.handle for r in worst) >= 20
    worst_day = _when(worst[0]).astimezone(UTC).date()
    days = sorted(by_day)
    assert days.index(worst_day) >= len(days) * 2 // 3  # in the last third


def test_the_storm_starts_slowly_and_decays(records: list[dict[str, Any]]) -> None:
    per_day = Counter(_when(r).astimezone(UTC).date() for r in records)
    days = sorted(per_day)
    peak = max(days, key=per_day.__getitem__)
    at = days.index(peak)
    assert per_day[days[at - 1]] < per_day[peak] / 2  # builds up over a day or two
    assert per_day[days[at + 1]] < per_day[peak]
    assert per_day[days[at + 3]] < per_day[peak] / 4  # and dies down within days


def test_day_and_night_rhythm(records: list[dict[str, Any]]) -> None:
    hours = Counter(_when(r).astimezone(CET).hour for r in records)
    night = statistics.mean(hours[h] for h in (1, 2, 3, 4))
    day = statistics.mean(hours[h] for h in range(8, 22))
    assert night < 0.25 * day


def test_weekends_are_quieter_outside_the_storm(records: list[dict[str, Any]]) -> None:
    per_day = Counter(_when(r).astimezone(CET).date() for r in records)
    calm = sorted(per_day)[1:20]  # full days well before the storm
    weekend = [per_day[d] for d in calm if d.weekday() >= 5]
    weekdays = [per_day[d] for d in calm if d.weekday() < 5]
    assert statistics.mean(weekend) < statistics.mean(weekdays)


def test_texts_are_varied(records: list[dict[str, Any]]) -> None:
    texts = [r["text"] for r in records]
    assert len(set(texts)) / len(texts) > 0.8
    assert Counter(texts).most_common(1)[0][1] < 0.01 * len(texts)
    lengths = [len(t) for t in texts]
    assert min(lengths) < 25 and max(lengths) > 600  # very short posts and blog posts


def test_mentions_carry_emoji_hashtags_handles_and_stretched_words(
    records: list[dict[str, Any]],
) -> None:
    texts = [r["text"] for r in records]
    assert sum(any(ord(c) > 0x1F000 for c in t) for t in texts) > 0.15 * len(texts)
    tags = Counter(tag for t in texts for tag in re.findall(r"#\w+", t))
    assert any(set(tag) & set("åäöøæ") for tag in tags)
    assert sum(f"@{DEMO_COMPANY.handle}" in t for t in texts) > 0.03 * len(texts)
    assert any(re.search(r"(\w)\1\1", t) for t in texts)


def test_competitors_get_their_share_of_voice(records: list[dict[str, Any]]) -> None:
    texts = [r["text"] for r in records]
    company = sum(DEMO_COMPANY.name in t for t in texts)
    for competitor in DEMO_COMPANY.competitors:
        mentioned = sum(competitor.name in t for t in texts)
        assert 0.1 * company < mentioned < company
    both = sum(all(b.name in t for b in (DEMO_COMPANY, DEMO_COMPANY.competitors[0])) for t in texts)
    assert both > 50  # comparisons


def test_the_company_answers_complaints(records: list[dict[str, Any]]) -> None:
    answers = [r for r in records if r["author"]["handle"] == DEMO_COMPANY.handle]
    assert 0.01 * len(records) < len(answers) < 0.12 * len(records)
    assert all("reply_to" in r for r in answers)


def test_authors_are_many_heavy_tailed_and_unequal(records: list[dict[str, Any]]) -> None:
    people = {r["author"]["handle"]: r["author"]["followers"] for r in records}
    people.pop(DEMO_COMPANY.handle)
    assert len(people) > 2_000
    followers = sorted(people.values())
    assert statistics.median(followers) < 500
    assert 5 <= sum(f >= 50_000 for f in followers) < 0.05 * len(followers)
    posts = Counter(r["author"]["handle"] for r in records if r["kind"] != "company_reply")
    assert posts.most_common(1)[0][1] > 10 * statistics.median(posts.values())


def test_engagement_is_heavy_tailed(records: list[dict[str, Any]]) -> None:
    likes = sorted(r["metrics"]["likes"] for r in records)
    assert likes[len(likes) // 2] < 20
    assert likes[-1] > 100 * max(likes[len(likes) // 2], 1)


def test_copy_paste_bursts(records: list[dict[str, Any]]) -> None:
    def words(text: str) -> str:
        return " ".join(re.findall(r"\w+", re.sub(r"https?://\S+", " ", text).lower()))

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record["kind"] == "campaign":
            groups[words(record["text"])].append(record)
    bursts = [g for g in groups.values() if len({r["author"]["handle"] for r in g}) >= 10]
    assert bursts
    for burst in bursts:
        span = _when(burst[-1]) - _when(burst[0])
        assert span <= timedelta(hours=1)
        assert len({r["text"] for r in burst}) > 1  # varied punctuation and links


def test_every_template_fills_in_every_language() -> None:
    rng = random.Random(1)
    for voc, _ in VOCABULARIES:
        for brand in DEMO_COMPANY.brands:
            other = DEMO_COMPANY if brand is not DEMO_COMPANY else DEMO_COMPANY.competitors[0]
            groups = [
                *voc.openers.values(), *voc.bodies.values(), *voc.closers.values(),
                *voc.short.values(), voc.long_intros, voc.long_links, voc.long_outros,
                voc.campaigns, voc.storm_campaigns,
            ]  # fmt: skip
            for template in (t for group in groups for t in group):
                filled = template.format_map(_Slots(rng, voc, brand, other))
                assert "{" not in filled and "}" not in filled
        assert len(voc.places) == len(voc.places_in)


def test_company_and_competitor_names() -> None:
    names = [DEMO_COMPANY.name, *(c.name for c in DEMO_COMPANY.competitors)]
    assert len(set(names)) == 3
    assert any(set(name) & set("åäöøæ") for name in names)
    assert 2 <= len(DEMO_COMPANY.products) <= 4
    assert all(c.products for c in DEMO_COMPANY.competitors)


def test_demo_topics() -> None:
    topics = demo_topics()
    kinds = Counter(kind for _, _, kind in topics)
    assert kinds["brand"] == 1 and kinds["competitor"] == 2 and 3 <= kinds["theme"] <= 5
    assert len({name for name, _, _ in topics}) == len(topics)
    queries = " ".join(query for _, query, _ in topics)
    for needle in (" OR ", "NOT ", '"', "*", "#", "NEAR/"):
        assert needle in queries
    for word in ("strömavbrott", "strømbrudd", "straumbrot", "strømafbrydelse", "sähkökatko"):
        assert word in queries
    for _, query, _ in topics:
        assert query.count("(") == query.count(")")
        assert query.count('"') % 2 == 0
        for stem in re.findall(r"([\wåäöøæ]+)\*", query):
            assert len(stem) >= 3


def test_demo_topics_parse_and_find_their_mentions(records: list[dict[str, Any]]) -> None:
    query = pytest.importorskip("lyssna.query")
    documents = [
        query.MatchDocument.build(r["text"], channel=r["channel"], author=r["author"]["handle"])
        for r in records
    ]
    for name, text, _ in demo_topics():
        topic = query.parse(text)
        hits = [r for r, doc in zip(records, documents, strict=True) if topic.matches(doc)]
        assert len(hits) > 0.03 * len(records), name
        if name == "Outage":
            per_day = Counter(_when(r).astimezone(UTC).date() for r in hits)
            assert max(per_day.values()) > 10 * statistics.median(per_day.values())


def test_write_jsonl_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "demo.jsonl"
    records = list(generate(5_000, end=END))
    assert write_jsonl(path, iter(records)) == 5_000
    assert [orjson.loads(line) for line in path.read_bytes().splitlines()] == records


def test_command_line_entry_point(tmp_path: Path) -> None:
    out = tmp_path / "bench.jsonl"
    assert main(["--count", "1200", "--out", str(out), "--seed", "5", "--days", "14"]) == 0
    assert len(out.read_bytes().splitlines()) == 1_200


@pytest.mark.slow
def test_speed_of_100000_records() -> None:
    began = time.perf_counter()
    count = sum(1 for _ in generate(100_000, end=END))
    assert count == 100_000
    assert time.perf_counter() - began < 60
