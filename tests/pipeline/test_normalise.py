from datetime import UTC, datetime

import pytest

from lyssna.core.errors import RecordError
from lyssna.pipeline.normalise import fingerprint, normalise


def record(**fields):
    base = {"id": "1", "text": "Hej på er!", "created_at": "2026-11-02T08:15:00+01:00"}
    base.update(fields)
    return base


def test_minimal_record_gets_defaults_and_utc_time():
    mention, variant = normalise(record())
    assert mention.channel == "import"
    assert mention.external_id == "1"
    assert mention.created_at == datetime(2026, 11, 2, 7, 15, tzinfo=UTC)
    assert mention.author is None and variant is None


def test_time_without_offset_means_utc():
    mention, _ = normalise(record(created_at="2026-11-02T08:15:00"))
    assert mention.created_at == datetime(2026, 11, 2, 8, 15, tzinfo=UTC)


def test_text_is_nfc_and_trimmed_and_nul_free():
    decomposed = "  Ga\u030adde\x00 a\u0308r bra  "  # å and ä as base letter + combining mark
    mention, _ = normalise(record(text=decomposed))
    assert mention.text == "Gådde är bra"


def test_author_string_or_object():
    a, _ = normalise(record(author="@kalle"))
    assert a.author is not None and a.author.handle == "kalle" and a.author.followers is None
    b, _ = normalise(record(author={"handle": "kalle", "name": "Kalle A", "followers": "1200"}))
    assert b.author is not None and b.author.followers == 1200 and b.author.name == "Kalle A"


def test_url_host_and_extra_fields_are_kept_as_raw():
    raw = record(url="https://Blogg.Example.NO/post/1", mood="glad", metrics={"likes": 3})
    mention, _ = normalise(raw)
    assert mention.host == "blogg.example.no"
    assert mention.raw is raw and raw["mood"] == "glad"
    assert mention.metrics.likes == 3 and mention.metrics.views is None


def test_mapping_does_not_change_its_input():
    raw = record(author={"handle": "@x"}, metrics={"likes": "2"})
    snapshot = repr(raw)
    normalise(raw)
    assert repr(raw) == snapshot


def test_norwegian_variant_from_given_lang():
    mention, variant = normalise(record(lang="nn"))
    assert mention.lang == "no" and variant == "nn"
    mention, variant = normalise(record(lang="sv-SE"))
    assert mention.lang == "sv" and variant is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text": ""}, "missing text"),
        ({"text": None}, "missing text"),
        ({"id": None}, "missing id"),
        ({"id": {"a": 1}}, "id must be"),
        ({"created_at": "igår"}, "not an ISO-8601"),
        ({"created_at": None}, "created_at must be"),
        ({"author": 12}, "author must be"),
        ({"author": {"handle": "x", "followers": -4}}, "must not be negative"),
        ({"metrics": {"likes": "many"}}, "metrics.likes"),
        ({"channel": "Not a channel!"}, "channel must be"),
        ({"lang": "svenska!"}, "lang is not"),
    ],
)
def test_malformed_records_say_why(fields, reason):
    with pytest.raises(RecordError, match=reason):
        normalise(record(**fields))


def test_fingerprint_ignores_links_handles_and_punctuation():
    a = fingerprint("Bojkotta Nordbank nu, de tar ut dolda avgifter! https://a.example/x @vän")
    b = fingerprint("bojkotta nordbank NU de tar ut dolda avgifter... https://b.example/y")
    assert a and a == b
    assert fingerprint("Tack!") == ""  # too short to call a copy
