"""A deterministic stream of invented social-media mentions of Elvåra and its competitors.

How it works, in three steps:

1. Timeline. Every hour of the period gets an expected volume: a day-and-night rhythm in Nordic
   local time, quieter weekends, gentle growth, a little day-to-day noise, and on top of that the
   incident storm (slow start, snowball, decay). The records are spread over the hours with one
   multinomial draw, and copy-paste bursts are laid on top. This is numpy work and takes
   milliseconds even for a million records.
2. Records. Walking the timeline in order, each record gets a language, an author (heavy-tailed
   activity and followers), a kind (praise, complaint...), a channel, and maybe a `reply_to`.
3. Text. The text is composed from an opener, one or two bodies, a closer, emoji, hashtags and
   mentions, with slots (place, person, amount, time...) filled per record, so that texts rarely
   repeat while every part is written natively in its language.

Run `python -m lyssna.demo.generator --count 200000 --out demo.jsonl` for benchmarks.
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from lyssna.demo.company import DEMO_COMPANY, DemoBrand
from lyssna.demo.vocabulary import MOOD, Vocabulary, da, en, fi, nb, nn, sv

NATURAL_PER_DAY = 40_000 / 35  # "about 40,000 records" over the default 35 days

# Language variants with their share of the stream: Nynorsk is about a fifth of Norwegian.
VOCABULARIES: tuple[tuple[Vocabulary, float], ...] = (
    (sv.VOCAB, 0.35),
    (nb.VOCAB, 0.20),
    (nn.VOCAB, 0.05),
    (da.VOCAB, 0.15),
    (fi.VOCAB, 0.10),
    (en.VOCAB, 0.15),
)
LANG_FIELD_SHARE = 0.4  # records that say their language; the analyser detects the rest

# Relative volume by local hour: almost nothing at 3 am, peaks with morning coffee and evening.
DIURNAL = (
    0.30, 0.14, 0.07, 0.05, 0.05, 0.10, 0.35, 0.80, 1.20, 1.25, 1.10, 1.05,
    1.15, 1.05, 1.00, 1.05, 1.15, 1.25, 1.40, 1.55, 1.60, 1.45, 1.05, 0.60,
)  # fmt: skip
WEEKDAY = (1.06, 1.05, 1.02, 1.00, 0.92, 0.70, 0.76)  # Monday first

CHANNELS = (
    "x", "facebook", "instagram", "reddit", "mastodon", "bluesky", "youtube", "rss", "reviews",
    "forums",
)  # fmt: skip
REPLYABLE = frozenset(CHANNELS) - {"rss", "reviews"}
WITH_VIEWS = frozenset({"x", "youtube", "instagram", "forums"})
AT_REPLIES = frozenset({"x", "mastodon", "bluesky", "instagram"})  # replies start with @handle

# Channel weights by kind (same order as CHANNELS).
_CHANNEL_WEIGHTS: dict[str, tuple[float, ...]] = {
    "default": (17, 16, 10, 9, 7, 7, 6, 3, 8, 10),
    "praise": (14, 16, 16, 6, 6, 7, 7, 3, 14, 7),
    "complaint": (19, 18, 5, 9, 6, 7, 5, 2, 15, 12),
    "question": (18, 18, 4, 14, 6, 6, 4, 0, 0, 22),
    "news": (25, 12, 0, 5, 6, 8, 3, 41, 0, 0),
    "idea": (14, 14, 4, 16, 7, 6, 4, 2, 4, 24),
    "storm": (30, 24, 7, 11, 6, 8, 4, 2, 2, 6),
}
_KIND_CHANNELS = {
    "praise": "praise",
    "storm_praise": "praise",
    "complaint": "complaint",
    "irony": "complaint",
    "question": "question",
    "news": "news",
    "storm_news": "news",
    "idea": "idea",
    "storm_complaint": "storm",
    "storm_irony": "storm",
    "storm_question": "storm",
}

NORMAL_KINDS = (
    ("praise", 17), ("complaint", 22), ("question", 14), ("idea", 7), ("chatter", 14),
    ("news", 5), ("comparison", 9), ("irony", 5), ("company_reply", 4),
)  # fmt: skip
STORM_KINDS = (
    ("storm_complaint", 58), ("storm_irony", 9), ("storm_question", 11), ("storm_news", 8),
    ("storm_reply", 8), ("storm_praise", 2),
)  # fmt: skip
STORM_LATE_KINDS = (
    ("storm_complaint", 45), ("storm_irony", 10), ("storm_question", 8), ("storm_news", 9),
    ("storm_reply", 10), ("storm_praise", 12),
)  # fmt: skip
# Who is talked about outside the storm: share of voice before the incident.
BRAND_WEIGHTS = (0.56, 0.24, 0.20)

EMOJI = {
    "pos": ("😍", "🙌", "👏", "💚", "❤️", "🔥", "⚡", "😊", "👍", "🥳", "✨", "💪", "🤩", "😁"),
    "neg": ("😡", "🤬", "😤", "🙄", "😩", "😭", "👎", "💀", "🤦", "😒", "🥶", "🫠", "😠", "🤯"),
    "q": ("🤔", "❓", "🙏", "👀", "😅", "🤷"),
    "idea": ("💡", "🙏", "🤞", "✌️", "😊", "🚀"),
    "neutral": ("📰", "🔌", "⚡", "📶", "🏠", "🚗", "👀", "☕", "😄", "🤷"),
    "irony": ("🙃", "😂", "🤡", "👏", "🎉", "🥲", "😌"),
}

# Invented hosts, one set per channel and language (sv, no, da, fi, en).
HOSTS: dict[str, dict[str, tuple[str, ...]]] = {
    "mastodon": {
        "sv": ("mastodon.example-norrland.se", "social.example-fika.se"),
        "no": ("social.example-instance.no", "toot.example-fjellet.no"),
        "da": ("mastodon.example-kbh.dk", "social.example-jylland.dk"),
        "fi": ("some.example-sauna.fi", "mastodon.example-suomi.fi"),
        "en": ("mastodon.example-nordic.social", "toot.example-north.net"),
    },
    "rss": {
        "sv": ("nyheter.example-kvallsposten.se", "www.example-energinytt.se",
               "elinsvardag.example-blogg.se", "www.example-pengakollen.se"),
        "no": ("www.example-dagsavisa.no", "www.example-tekniskukeblad.no",
               "heimeogborte.example-blogg.no", "www.example-forbrukarradet-blogg.no"),
        "da": ("nyheder.example-morgenavisen.dk", "www.example-elbilnyt.dk",
               "hverdagenihvidovre.example-blog.dk"),
        "fi": ("uutiset.example-sanomat.fi", "www.example-kuluttajablogi.fi",
               "arkeajaoulusta.example-blogi.fi"),
        "en": ("www.example-nordictechnews.com", "blog.example-expatinscandinavia.com",
               "www.example-energyreport.eu"),
    },
    "reviews": {
        "sv": ("www.example-omdome.se",), "no": ("www.example-anmeldelser.no",),
        "da": ("dk.example-trustpoint.com",), "fi": ("www.example-arvostelut.fi",),
        "en": ("www.example-trustpoint.com",),
    },
    "forums": {
        "sv": ("forum.example-snacket.se", "www.example-elbilsforum.se"),
        "no": ("www.example-diskusjon.no", "forum.example-elbil.no"),
        "da": ("www.example-debatten.dk", "forum.example-hifi.dk"),
        "fi": ("keskustelu.example-palsta.fi", "www.example-sahkoautofoorumi.fi"),
        "en": ("forum.example-expats.eu",),
    },
}  # fmt: skip
SUBREDDITS = {
    "sv": ("sweden", "svenskpolitik", "PrivatEkonomi", "elbilar"),
    "no": ("norge", "norskenyheter", "personligokonomi"),
    "da": ("Denmark", "dkfinance", "Aarhus"),
    "fi": ("Suomi", "arkisuomi", "Tampere"),
    "en": ("Scandinavia", "TillSverige", "nordicenergy"),
}
YOUTUBE_VIDEOS = ("kq3Vt7aXr2M", "Zp0LmH8sYw4", "bT5nQe1UjK9", "Wc7dRr2xPo0", "Hh4aMs9Lkq1")
_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SLUG = str.maketrans("åäæöøéü", "aaaooeu")


# --- timeline ----------------------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> datetime:
    day = datetime(year, month + 1, 1, 1, tzinfo=UTC) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _summer_time(moment: datetime) -> bool:
    """EU summer time (both Central and Eastern European): last Sunday of March to October."""
    return _last_sunday(moment.year, 3) <= moment < _last_sunday(moment.year, 10)


@dataclass(frozen=True)
class _Hour:
    start: int  # unix seconds, UTC
    prefix_cet: str  # "2026-11-02T07" in Scandinavian local time
    prefix_eet: str  # the same hour in Finnish local time
    prefix_utc: str
    offset_cet: str  # "+01:00"
    offset_eet: str
    local_hour: int
    weekday: int


def _hours(start: datetime, count: int) -> list[_Hour]:
    hours = []
    for i in range(count):
        moment = start + timedelta(hours=i)
        shift = 2 if _summer_time(moment) else 1
        cet = moment + timedelta(hours=shift)
        eet = cet + timedelta(hours=1)
        hours.append(
            _Hour(
                start=int(moment.timestamp()),
                prefix_cet=cet.strftime("%Y-%m-%dT%H"),
                prefix_eet=eet.strftime("%Y-%m-%dT%H"),
                prefix_utc=moment.strftime("%Y-%m-%dT%H"),
                offset_cet=f"+0{shift}:00",
                offset_eet=f"+0{shift + 1}:00",
                local_hour=cet.hour,
                weekday=cet.weekday(),
            )
        )
    return hours


@dataclass(frozen=True)
class _Storm:
    start_hour: int  # index of the hour the incident starts
    peak_hour: float
    decay: float  # hours for the volume to fall by e
    weights: np.ndarray  # expected storm volume per hour


def _timeline(
    hours: list[_Hour], days: int, nrng: np.random.Generator
) -> tuple[np.ndarray, _Storm]:
    """Expected normal volume per hour (mean 1), and the storm on top of it."""
    n = len(hours)
    position = np.arange(n) / max(n - 1, 1)
    day_noise = np.exp(nrng.normal(0.0, 0.08, size=days + 2))
    phase = nrng.uniform(0, 2 * math.pi)
    normal = np.array([DIURNAL[h.local_hour] * WEEKDAY[h.weekday] for h in hours], dtype=np.float64)
    # Gentle growth over the period plus a slow wobble, like a campaign season fading in and out.
    normal *= 1.0 + 0.25 * position + 0.06 * np.sin(2 * math.pi * position * days / 9.3 + phase)
    normal *= day_noise[np.arange(n) // 24]
    normal /= normal.mean()

    # The incident starts on a morning in the last third, early enough to run its course.
    first = (2 * days) // 3
    last = max(first, days - 6)
    day = int(nrng.integers(first, last + 1))
    wake = int(nrng.integers(5, 10))  # local hour the first posts come in
    start = next(
        (i for i in range(day * 24, min(day * 24 + 24, n)) if hours[i].local_hour == wake),
        min(day * 24, n - 1),
    )
    rise = float(nrng.uniform(22, 40))  # hours from the first posts to the peak
    decay = float(nrng.uniform(12, 20))
    t = np.arange(n) - start + 0.5
    shape = np.where(
        t < 0,
        0.0,
        np.where(t < rise, (np.clip(t, 0, None) / rise) ** 3, np.exp(-(t - rise) / decay)),
    )
    # Storms keep people up at night too, but not entirely.
    diurnal = np.array([DIURNAL[h.local_hour] for h in hours]) ** 0.45
    storm = shape * diurnal / diurnal.mean()

    # Scale the storm so that its worst calendar day is 12-16 times a median day.
    dates = np.array([h.start // 86400 for h in hours])
    _, day_index = np.unique(dates, return_inverse=True)
    normal_days = np.bincount(day_index, weights=normal)
    storm_days = np.bincount(day_index, weights=storm)
    full_days = normal_days[np.bincount(day_index) == 24]
    median = float(np.median(full_days if len(full_days) else normal_days))
    worst = int(np.argmax(storm_days))
    if storm_days[worst] > 0:
        target = float(nrng.uniform(12, 16)) * median
        storm *= max(target - normal_days[worst], 0.0) / storm_days[worst]
    return normal, _Storm(start, start + rise, decay, storm)


# --- authors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Author:
    handle: str
    name: str
    followers: int


class _AuthorPool:
    """Authors of one language variant, picked by a heavy-tailed activity weight."""

    def __init__(self, authors: list[_Author], activity: list[float], loud: list[_Author]):
        self.authors = authors
        self.cumulative = list(accumulate(activity))
        self.total = self.cumulative[-1]
        self.loud = loud  # journalists and influencers, who join storms

    def pick(self, rng: random.Random) -> _Author:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.authors[min(index, len(self.authors) - 1)]


def _handle(voc: Vocabulary, first: str, last: str, rng: random.Random) -> str:
    first_l, last_l = first.lower(), last.lower()
    style = rng.randrange(9)
    if style == 0:
        base = f"{first_l}{last_l}"
    elif style == 1:
        base = f"{first_l}_{last_l}"
    elif style == 2:
        base = f"{first_l}.{last_l[0]}"
    elif style == 3:
        base = f"{first_l}{rng.randint(70, 99)}"
    elif style == 4:
        base = f"{rng.choice(voc.handle_words)}{first_l}"
    elif style == 5:
        base = f"{first_l}_{rng.choice(voc.handle_words)}"
    elif style == 6:
        base = f"{rng.choice(voc.handle_words)}{rng.randint(1, 999)}"
    elif style == 7:
        base = f"{first_l[0]}{last_l}"
    else:
        base = f"{rng.choice(voc.handle_words)}_{rng.choice(voc.places).lower()}"
    return base.replace(" ", "").replace("-", "")


def _build_authors(rng: random.Random, voc: Vocabulary, count: int, taken: set[str]) -> _AuthorPool:
    authors: list[_Author] = []
    activity: list[float] = []
    loud: list[_Author] = []
    while len(authors) < count:
        first, last = rng.choice(voc.first_names), rng.choice(voc.surnames)
        handle = _handle(voc, first, last, rng)
        if handle in taken:
            continue
        taken.add(handle)
        roll = rng.random()
        if roll < 0.012:  # journalists: a newsroom's worth of reach, they post news
            followers = int(math.exp(rng.uniform(math.log(4_000), math.log(160_000))))
        elif roll < 0.025:  # influencers
            followers = int(math.exp(rng.uniform(math.log(50_000), math.log(500_000))))
        else:
            followers = min(int(math.exp(rng.gauss(math.log(140), 1.25))), 45_000)
        name = f"{first} {last}" if rng.random() < 0.7 else first
        author = _Author(handle, name, followers)
        authors.append(author)
        # A few people post all the time; the cap keeps one account from owning the stream.
        activity.append(min(rng.paretovariate(1.3), 40.0))
        if followers >= 30_000 or roll < 0.012:
            loud.append(author)
    return _AuthorPool(authors, activity, loud)


# --- ids and urls ------------------------------------------------------------------------------


def _encode(number: int, alphabet: str, width: int = 0) -> str:
    base = len(alphabet)
    digits = []
    while number:
        number, rest = divmod(number, base)
        digits.append(alphabet[rest])
    return "".join(reversed(digits)).rjust(width, alphabet[0])


def _scramble(number: int) -> int:
    """A bijection on 48-bit numbers, so sequential counters give random-looking unique ids."""
    return (number * 0x5DEECE66D + 0xB) & 0xFFFF_FFFF_FFFF


def _slug(text: str) -> str:
    words = text.lower().translate(_SLUG).split()[:7]
    cleaned = ("".join(c for c in w if c.isascii() and c.isalnum()) for w in words)
    return "-".join(w for w in cleaned if w) or "inlagg"


# --- the stream --------------------------------------------------------------------------------


class _Slots(dict[str, str]):
    """Template slot values, drawn only when a template asks for them."""

    __slots__ = ("rng", "voc", "brand", "other")

    def __init__(self, rng: random.Random, voc: Vocabulary, brand: DemoBrand, other: DemoBrand):
        super().__init__(brand=brand.name, other=other.name, handle="@" + brand.handle)
        self.rng = rng
        self.voc = voc
        self.brand = brand
        self.other = other

    def __missing__(self, key: str) -> str:
        rng, voc, brand = self.rng, self.voc, self.brand
        value: str
        if key == "product":
            value = rng.choice(brand.products)
        elif key in ("power", "net", "charger", "app"):
            value = getattr(brand, key)
        elif key == "other_product":
            value = rng.choice(self.other.products)
        elif key in ("place", "place_in"):
            i = rng.randrange(len(voc.places))
            self["place"], self["place_in"] = voc.places[i], voc.places_in[i]
            return self[key]
        elif key in ("person", "agent"):
            value = rng.choice(voc.first_names)
        elif key == "time":
            value = rng.choice(voc.times)
        elif key == "since":
            value = rng.choice(voc.since)
        elif key == "lately":
            value = rng.choice(voc.lately)
        elif key == "amount":
            value = voc.money.format(rng.choice(_AMOUNTS[voc.money]))
        elif key == "n":
            value = str(rng.randint(2, 9))
        elif key == "mins":
            value = str(rng.choice((20, 25, 30, 40, 45, 50, 55, 70, 90, 120)))
        elif key == "hours":
            value = str(rng.randint(2, 14))
        elif key == "pct":
            value = str(rng.choice((5, 8, 10, 12, 15, 18, 20, 25, 30, 40)))
        elif key.startswith("brand_"):
            value = brand.fi_forms[key[6:]]
        elif key.startswith("other_"):
            value = self.other.fi_forms[key[6:]]
        else:
            raise KeyError(key)
        self[key] = value
        return value


_AMOUNTS = {
    "{} kr": ("149", "279", "349", "399", "499", "649", "790", "1 240", "1 890", "2 300", "3 150",
              "4 700"),
    "{} kroner": ("199", "349", "449", "599", "890", "1 450", "2 100", "2 900", "3 800"),
    "{} kr.": ("129", "299", "399", "549", "799", "1.250", "1.900", "2.650", "3.400"),
    "{} €": ("19,90", "29,90", "39", "49,90", "59", "89", "120", "185", "240", "310"),
    "€{}": ("25", "40", "59", "89", "120", "150", "230", "300", "410"),
}  # fmt: skip


@dataclass
class _Recent:
    """What a later record may answer: recent posts per channel, recent complaints overall."""

    ids: dict[str, list[tuple[str, str]]]  # channel -> [(id, handle)], a ring of the latest
    complaints: list[tuple[str, str, str, int]]  # (channel, id, handle, vocabulary index)


class _Stream:
    def __init__(self, seed: int, hours: list[_Hour]):
        self.rng = random.Random(seed)
        self.hours = hours
        author_rng = random.Random(seed * 1_000_003 + 17)
        taken = {DEMO_COMPANY.handle, *(c.handle for c in DEMO_COMPANY.competitors)}
        self.vocabs = [voc for voc, _ in VOCABULARIES]
        self.vocab_cumulative = list(accumulate(share for _, share in VOCABULARIES))
        sizes = [max(60, int(4200 * share)) for _, share in VOCABULARIES]
        self.pools = [
            _build_authors(author_rng, voc, size, taken)
            for voc, size in zip(self.vocabs, sizes, strict=True)
        ]
        self.bots = [
            _Author(
                f"{author_rng.choice(('deal', 'nord', 'info', 'tips', 'news', 'fan'))}"
                f"{author_rng.choice(('hub', 'bot', 'daily', 'feed', 'x', '24'))}"
                f"{n:04d}",
                f"{author_rng.choice(('Nordic', 'Best', 'Daily', 'Smart'))} "
                f"{author_rng.choice(('Deals', 'Tips', 'Info', 'Savings'))}",
                author_rng.randint(0, 90),
            )
            for n in range(author_rng.randint(800, 1200), 2600)
        ]
        self.brands = DEMO_COMPANY.brands
        self.brand_cumulative = list(accumulate(BRAND_WEIGHTS))
        self.normal_kinds = _cumulative(NORMAL_KINDS)
        self.storm_kinds = _cumulative(STORM_KINDS)
        self.storm_late_kinds = _cumulative(STORM_LATE_KINDS)
        self.channel_tables = {
            key: (list(accumulate(weights)), CHANNELS) for key, weights in _CHANNEL_WEIGHTS.items()
        }
        self.counters = dict.fromkeys(CHANNELS, 0)
        self.recent = _Recent({c: [] for c in CHANNELS}, [])

    # -- choices ---------------------------------------------------------------------------

    def _pick(self, table: tuple[list[float], Sequence[str]]) -> str:
        cumulative, items = table
        return items[bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])]

    def _vocab_index(self) -> int:
        return bisect.bisect_right(self.vocab_cumulative, self.rng.random())

    def _channel(self, kind: str) -> str:
        return self._pick(self.channel_tables[_KIND_CHANNELS.get(kind, "default")])

    def _other(self, brand: DemoBrand) -> DemoBrand:
        if brand is DEMO_COMPANY:
            return self.rng.choice(DEMO_COMPANY.competitors)
        if self.rng.random() < 0.7:
            return DEMO_COMPANY
        return next(c for c in DEMO_COMPANY.competitors if c is not brand)

    # -- text --------------------------------------------------------------------------------

    def _text(
        self, voc: Vocabulary, kind: str, slots: _Slots, channel: str, brand: DemoBrand
    ) -> str:
        rng = self.rng
        mood = MOOD.get(kind)
        if kind in ("company_reply", "storm_reply"):
            return rng.choice(voc.bodies[kind]).format_map(slots)
        if kind.endswith("news"):
            return self._news(voc, kind, slots, channel, brand)
        irony = kind.endswith("irony")
        emoji_mood = "irony" if irony else (mood or "neutral")
        long_odds = 0.0
        if kind != "reply":
            long_odds = (
                0.7 if channel == "rss" else 0.12 if channel in ("forums", "reddit") else 0.0
            )
        if mood and rng.random() < 0.05 and channel not in ("rss", "reviews"):
            text = rng.choice(voc.short[mood]).format_map(slots)
            if rng.random() < 0.6:
                text += " " + rng.choice(EMOJI[emoji_mood]) * rng.choice((1, 1, 2, 3))
            return text
        if long_odds and rng.random() < long_odds:
            return self._long(voc, kind, slots)
        parts = []
        if mood and rng.random() < 0.5:
            parts.append(rng.choice(voc.openers[mood]))
        bodies = voc.bodies[kind]
        parts.extend(rng.sample(bodies, 2) if rng.random() < 0.2 else (rng.choice(bodies),))
        if mood and rng.random() < 0.45:
            parts.append(rng.choice(voc.closers[mood]))
        text = " ".join(parts).format_map(slots)
        if rng.random() < 0.07:
            text = self._stretch(voc, text)
        if channel in ("x", "mastodon", "bluesky", "instagram") and rng.random() < 0.18:
            text = f"@{brand.handle} {text}" if rng.random() < 0.5 else f"{text} @{brand.handle}"
        emoji_odds = {"instagram": 0.75, "reviews": 0.1, "rss": 0.05}.get(channel, 0.4)
        if rng.random() < emoji_odds:
            count = rng.choice((1, 1, 1, 2, 3))
            if rng.random() < 0.6:
                text += " " + rng.choice(EMOJI[emoji_mood]) * count
            else:
                text += " " + "".join(rng.choice(EMOJI[emoji_mood]) for _ in range(count))
        tag_odds = {"instagram": 0.8, "x": 0.45, "mastodon": 0.4, "bluesky": 0.3}.get(channel, 0.05)
        if rng.random() < tag_odds:
            text += " " + self._hashtags(voc, kind, brand, rng.choice((1, 1, 2, 3)))
        roll = rng.random()
        if roll < 0.12:
            text = text.lower()
        elif roll < 0.135 and mood == "neg":
            text = text.upper()
        return text

    def _news(
        self, voc: Vocabulary, kind: str, slots: _Slots, channel: str, brand: DemoBrand
    ) -> str:
        """A headline: with a lead and a quote in feeds, shared with a link elsewhere."""
        rng = self.rng
        text = rng.choice(voc.bodies[kind]).format_map(slots)
        if channel == "rss":
            if kind == "storm_news" and rng.random() < 0.7:
                quote = rng.choice(voc.bodies["storm_complaint"]).format_map(slots)
                said = voc.quote.format(quote=quote, person=slots["person"], place_in="{place_in}")
                text += "\n\n" + said.format_map(slots)
            elif rng.random() < 0.5:
                text += "\n\n" + rng.choice(voc.bodies[kind]).format_map(slots)
            return text
        if rng.random() < 0.75:
            host = rng.choice(HOSTS["rss"][voc.code])
            text += f" https://{host}/{_slug(text)}-{rng.randrange(10_000, 99_999)}"
        if rng.random() < 0.4:
            text += " " + self._hashtags(voc, kind, brand, 1)
        return text

    def _hashtags(self, voc: Vocabulary, kind: str, brand: DemoBrand, count: int) -> str:
        rng = self.rng
        pool = voc.storm_hashtags if kind.startswith("storm") else voc.hashtags
        tags = ["#" + brand.name.lower()] if rng.random() < 0.5 else []
        tags += rng.sample(pool, min(count, len(pool)))
        return " ".join(tags[: max(count, 1)])

    def _stretch(self, voc: Vocabulary, text: str) -> str:
        start = self.rng.randrange(len(voc.elongations))
        for word, stretched in voc.elongations[start:] + voc.elongations[:start]:
            at = text.find(word)
            if at >= 0:
                return text[:at] + stretched + text[at + len(word) :]
        return text

    def _long(self, voc: Vocabulary, kind: str, slots: _Slots) -> str:
        """A blog-like post: intro, two to four paragraphs on the subject, a sign-off."""
        rng = self.rng
        base = kind.removeprefix("storm_")
        pool = [*voc.bodies[kind], *voc.bodies.get(base, ()), *voc.bodies["chatter"]]
        count = rng.randint(2, 4)
        sentences = rng.sample(pool, min(2 * count, len(pool)))  # no sentence said twice
        links = rng.sample(voc.long_links, min(count, len(voc.long_links)))
        paragraphs = [rng.choice(voc.long_intros)]
        for i in range(count):
            paragraph = " ".join(sentences[2 * i : 2 * i + 2])
            if i < len(links) and rng.random() < 0.5:
                paragraph = links[i] + " " + paragraph
            if paragraph:
                paragraphs.append(paragraph)
        paragraphs.append(rng.choice(voc.long_outros))
        return "\n\n".join(paragraphs).format_map(slots)

    # -- records -----------------------------------------------------------------------------

    def _id_and_url(
        self, channel: str, ts: int, author: _Author, vi: int, text: str, brand: DemoBrand,
        reply: bool,
    ) -> tuple[str, str]:  # fmt: skip
        n = self.counters[channel]
        self.counters[channel] = n + 1
        lang = self.vocabs[vi].code
        rng = self.rng
        handle = author.handle
        if channel == "x":
            ident = str(((ts * 1000 + rng.randrange(1000) - 1_288_834_974_657) << 22) + n % 4096)
            return ident, f"https://x.example-microblog.com/{handle}/status/{ident}"
        if channel == "mastodon":
            ident = str(ts * 65_536_000 + n % 65_536_000)
            host = rng.choice(HOSTS["mastodon"][lang])
            return ident, f"https://{host}/@{handle}/{ident}"
        if channel == "bluesky":
            ident = _encode(ts * 1_000_000 + n % 1_000_000, _B32, 13)
            return ident, (
                f"https://bsky.example-skyline.app/profile/{handle}.example-sky.social/post/{ident}"
            )
        if channel == "reddit":
            ident = ("t1_" if reply else "t3_") + _encode(1_900_000_000 + n * 7, _B36)
            sub = rng.choice(SUBREDDITS[lang])
            return (
                ident,
                f"https://www.example-threads.com/r/{sub}/comments/{ident[3:]}/{_slug(text)}/",
            )
        if channel == "facebook":
            page = 100_064_000_000_000 + sum(map(ord, brand.handle))
            ident = f"{page}_{10**15 + _scramble(n)}"
            return ident, f"https://www.example-facebook.com/{brand.handle}/posts/{ident}"
        if channel == "instagram":
            ident = "C" + _encode(_scramble(n), _B64, 10)
            return ident, f"https://www.example-gram.com/p/{ident}/"
        if channel == "youtube":
            ident = "Ugx" + _encode(_scramble(n), _B64, 9) + "4AaABAg"
            video = YOUTUBE_VIDEOS[n % len(YOUTUBE_VIDEOS)]
            return ident, f"https://www.example-tube.com/watch?v={video}&lc={ident}"
        if channel == "rss":
            host = rng.choice(HOSTS["rss"][lang])
            day = self._day_path(ts)
            url = f"https://{host}/{day}/{_slug(text)}-{n + 1000}"
            return url, url
        if channel == "reviews":
            ident = str(4_800_000 + n * 13)
            host = HOSTS["reviews"][lang][0]
            return ident, f"https://{host}/review/{brand.handle}/{ident}"
        # forums
        ident = str(1_200_000 + n * 3)
        host = rng.choice(HOSTS["forums"][lang])
        return ident, f"https://{host}/showthread.php?p={ident}#post{ident}"

    @staticmethod
    def _day_path(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y/%m")

    def _created_at(self, hour: _Hour, ts: int, channel: str, vi: int) -> str:
        seconds = ts - hour.start
        tail = f":{seconds // 60:02d}:{seconds % 60:02d}"
        if channel in ("x", "bluesky", "mastodon", "reddit"):
            return f"{hour.prefix_utc}{tail}Z"
        if self.vocabs[vi].code == "fi":
            return f"{hour.prefix_eet}{tail}{hour.offset_eet}"
        return f"{hour.prefix_cet}{tail}{hour.offset_cet}"

    def _metrics(self, channel: str, followers: int, boost: float) -> dict[str, int]:
        rng = self.rng
        level = 0.55 * math.log1p(followers) - 1.2 + boost
        likes = max(int(math.exp(rng.gauss(level, 1.25))) - 1, 0)
        if channel == "reviews":
            return {"likes": min(likes, 40), "shares": 0, "replies": int(rng.random() < 0.2)}
        shares = int(likes * rng.random() * (0.45 if channel in ("x", "facebook") else 0.15))
        replies = int(likes * rng.random() * 0.3) + int(rng.random() < 0.3)
        metrics = {"likes": likes, "shares": shares, "replies": replies}
        if channel in WITH_VIEWS:
            reach = followers * rng.uniform(0.03, 0.5) + likes * rng.uniform(15, 90)
            metrics["views"] = int(reach) + rng.randint(3, 60)
        return metrics

    def record(self, ts: int, hour: _Hour, storm_phase: float | None) -> dict[str, Any]:
        """One record at `ts`; storm_phase is hours since the storm peak, or None."""
        rng = self.rng
        if storm_phase is None:
            kind = self._pick(self.normal_kinds)
            brand = self.brands[bisect.bisect_right(self.brand_cumulative, rng.random())]
        else:
            table = self.storm_late_kinds if storm_phase > 24 else self.storm_kinds
            kind = self._pick(table)
            brand = DEMO_COMPANY
        if kind in ("company_reply", "storm_reply"):
            answered = self._company_reply(ts, hour, kind)
            if answered is not None:
                return answered
            kind = "complaint" if storm_phase is None else "storm_complaint"
        vi = self._vocab_index()
        voc = self.vocabs[vi]
        pool = self.pools[vi]
        if kind.endswith("news"):
            author = rng.choice(pool.loud)
        elif storm_phase is not None and rng.random() < 0.1:
            author = rng.choice(pool.loud)
        else:
            author = pool.pick(rng)
        channel = self._channel(kind)
        reply_to = None
        recent = self.recent.ids[channel]
        if channel in REPLYABLE and recent and not kind.endswith("news") and rng.random() < 0.15:
            reply_to, replied_handle = rng.choice(recent)
            if rng.random() < 0.4:
                kind = "reply"
        slots = _Slots(rng, voc, brand, self._other(brand))
        text = self._text(voc, kind, slots, channel, brand)
        if reply_to is not None and channel in AT_REPLIES:
            text = f"@{replied_handle} {text}"
        ident, url = self._id_and_url(channel, ts, author, vi, text, brand, reply_to is not None)
        boost = 0.0 if storm_phase is None else 0.9
        record: dict[str, Any] = {
            "id": ident,
            "channel": channel,
            "text": text,
            "created_at": self._created_at(hour, ts, channel, vi),
            "author": {"handle": author.handle, "name": author.name, "followers": author.followers},
            "url": url,
        }
        if rng.random() < (0.6 if channel in ("x", "bluesky", "mastodon") else 0.3):
            record["lang"] = voc.code
        if reply_to is not None:
            record["reply_to"] = reply_to
        record["metrics"] = self._metrics(channel, author.followers, boost)
        record["kind"] = kind.removeprefix("storm_")
        if channel == "reviews":
            record["rating"] = _rating(rng, kind)
        self._remember(channel, ident, author.handle, kind, brand, vi)
        return record

    def _remember(
        self, channel: str, ident: str, handle: str, kind: str, brand: DemoBrand, vi: int
    ) -> None:
        recent = self.recent.ids[channel]
        recent.append((ident, handle))
        if len(recent) > 64:
            del recent[:32]
        if (
            brand is DEMO_COMPANY
            and channel in REPLYABLE
            and (kind.endswith("complaint") or kind.endswith("question"))
        ):
            complaints = self.recent.complaints
            complaints.append((channel, ident, handle, vi))
            if len(complaints) > 80:
                del complaints[:40]

    def _company_reply(self, ts: int, hour: _Hour, kind: str) -> dict[str, Any] | None:
        """The company's own account answering a recent complaint or question."""
        rng = self.rng
        complaints = self.recent.complaints
        if not complaints:
            return None
        channel, replied, replied_handle, vi = complaints.pop(rng.randrange(len(complaints)))
        voc = self.vocabs[vi]
        slots = _Slots(rng, voc, DEMO_COMPANY, rng.choice(DEMO_COMPANY.competitors))
        text = rng.choice(voc.bodies[kind]).format_map(slots)
        if channel in AT_REPLIES:
            text = f"@{replied_handle} {text}"
        author = _Author(DEMO_COMPANY.handle, DEMO_COMPANY.name, DEMO_COMPANY.followers)
        ident, url = self._id_and_url(channel, ts, author, vi, text, DEMO_COMPANY, True)
        record: dict[str, Any] = {
            "id": ident,
            "channel": channel,
            "text": text,
            "created_at": self._created_at(hour, ts, channel, vi),
            "author": {"handle": author.handle, "name": author.name, "followers": author.followers},
            "url": url,
            "reply_to": replied,
            "metrics": self._metrics(channel, 300, -0.5),
            "kind": "company_reply",
        }
        if rng.random() < 0.4:
            record["lang"] = voc.code
        self._remember(channel, ident, author.handle, kind, DEMO_COMPANY, vi)
        return record

    def burst(self, storm: bool) -> Callable[[int, _Hour], dict[str, Any]]:
        """A copy-paste campaign: returns a maker for its members, each a slightly varied copy."""
        rng = self.rng
        vi = self._vocab_index()
        voc = self.vocabs[vi]
        brand = DEMO_COMPANY if storm or rng.random() < 0.6 else rng.choice(self.brands)
        slots = _Slots(rng, voc, brand, self._other(brand))
        text = rng.choice(voc.storm_campaigns if storm else voc.campaigns).format_map(slots)
        channel = rng.choice(("x", "x", "facebook", "instagram", "bluesky"))
        link = f"https://kampanj.example-{'upprop' if storm else 'deals'}.eu/{brand.handle}"
        members = rng.sample(self.bots, min(40, len(self.bots)))

        def member(ts: int, hour: _Hour) -> dict[str, Any]:
            author = members.pop() if members else rng.choice(self.bots)
            variant = text
            roll = rng.random()
            if roll < 0.3:
                variant = variant.rstrip(".!") + rng.choice(("!", "!!", ".", " !", "!!!"))
            elif roll < 0.45:
                variant = variant.replace(",", "")
            if rng.random() < 0.7:
                variant += f" {link}?ref={_encode(rng.getrandbits(24), _B36)}"
            if rng.random() < 0.3:
                variant += " " + rng.choice(EMOJI["neg" if storm else "pos"])
            ident, url = self._id_and_url(channel, ts, author, vi, variant, brand, False)
            self.recent.ids[channel].append((ident, author.handle))
            return {
                "id": ident,
                "channel": channel,
                "text": variant,
                "created_at": self._created_at(hour, ts, channel, vi),
                "author": {
                    "handle": author.handle,
                    "name": author.name,
                    "followers": author.followers,
                },
                "url": url,
                "metrics": self._metrics(channel, author.followers, -1.0),
                "kind": "campaign",
            }

        return member


def _cumulative(pairs: Iterable[tuple[str, float]]) -> tuple[list[float], list[str]]:
    items = list(pairs)
    return list(accumulate(w for _, w in items)), [k for k, _ in items]


def _rating(rng: random.Random, kind: str) -> int:
    if kind in ("praise", "storm_praise"):
        return rng.choice((4, 5, 5, 5))
    if kind in ("comparison", "chatter", "reply"):
        return rng.choice((2, 3, 3, 4))
    return rng.choice((1, 1, 1, 2))


# --- public API --------------------------------------------------------------------------------


def _default_end() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def generate(
    count: int | None = None, *, days: int = 35, end: datetime | None = None, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """Demo mentions in time order: `count` of them, or a natural volume of about 40,000.

    The same seed, days and end give the same records. `end` defaults to now, to the hour;
    a naive `end` is taken as UTC.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if count is not None and count < 0:
        raise ValueError("count must not be negative")
    end = _default_end() if end is None else end
    end = end.replace(tzinfo=UTC) if end.tzinfo is None else end.astimezone(UTC)
    start = end - timedelta(days=days)
    nrng = np.random.default_rng(seed)
    hours = _hours(start, days * 24)
    normal, storm = _timeline(hours, days, nrng)
    if count is None:
        count = int(nrng.poisson(NATURAL_PER_DAY * days))
    return _records(count, hours, normal, storm, seed, nrng)


def _records(
    count: int, hours: list[_Hour], normal: np.ndarray, storm: _Storm, seed: int,
    nrng: np.random.Generator,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    if count == 0:
        return
    stream = _Stream(seed, hours)
    n_hours = len(hours)
    # Copy-paste bursts: about one per 4,000 records, and a protest wave at the storm's peak.
    sizes: list[int] = []
    burst_hours: list[int] = []
    storm_bursts: list[bool] = []
    budget = count // 12
    if count >= 400:
        for i in range(max(1, count // 4000) + 1):
            size = int(nrng.integers(10, 41))
            if sum(sizes) + size > budget:
                break
            is_storm = i == 0
            peak = min(int(storm.peak_hour + nrng.integers(-6, 6)), n_hours - 1)
            burst_hours.append(max(peak, 0) if is_storm else int(nrng.integers(0, n_hours)))
            sizes.append(size)
            storm_bursts.append(is_storm)
    rest = count - sum(sizes)
    total = normal + storm.weights
    per_hour = nrng.multinomial(rest, total / total.sum())
    storm_share = np.divide(storm.weights, total, out=np.zeros_like(total), where=total > 0)
    per_hour_storm = nrng.binomial(per_hour, storm_share)

    hour_index = np.repeat(np.arange(n_hours), per_hour)
    # flag: 0 normal, 1 storm, 2 + b member of burst b. Within each hour's block the storm
    # records come first; the sort by time below mixes them, as the times are drawn independently.
    starts = np.repeat(np.cumsum(per_hour) - per_hour, per_hour)
    position = np.arange(len(hour_index)) - starts
    flag = (position < np.repeat(per_hour_storm, per_hour)).astype(np.int32)
    offsets = nrng.integers(0, 3600, size=len(hour_index))
    burst_members = []
    for b, (size, hour) in enumerate(zip(sizes, burst_hours, strict=True)):
        first = int(nrng.integers(0, 1800))
        member_offsets = first + np.sort(nrng.integers(0, 1800, size=size))
        burst_members.append((np.full(size, hour), member_offsets, np.full(size, 2 + b)))
    if burst_members:
        hour_index = np.concatenate([hour_index, *(m[0] for m in burst_members)])
        offsets = np.concatenate([offsets, *(m[1] for m in burst_members)])
        flag = np.concatenate([flag, *(m[2] for m in burst_members)])
    starts_s = np.array([h.start for h in hours], dtype=np.int64)
    seconds = starts_s[hour_index] + offsets
    order = np.argsort(seconds, kind="stable")
    seconds, hour_index, flag = seconds[order], hour_index[order], flag[order]

    makers: dict[int, Callable[[int, _Hour], dict[str, Any]]] = {}
    peak_hour = storm.peak_hour
    for ts, h, f in zip(seconds.tolist(), hour_index.tolist(), flag.tolist(), strict=True):
        hour = hours[h]
        if f == 0:
            yield stream.record(ts, hour, None)
        elif f == 1:
            yield stream.record(ts, hour, (ts - hour.start) / 3600 + h - peak_hour)
        else:
            maker = makers.get(f)
            if maker is None:
                maker = makers[f] = stream.burst(storm_bursts[f - 2])
            yield maker(ts, hour)


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records as JSON Lines; returns how many were written."""
    written = 0
    with Path(path).open("wb") as out:
        batch: list[bytes] = []
        for record in records:
            batch.append(orjson.dumps(record))
            written += 1
            if len(batch) >= 4096:
                out.write(b"\n".join(batch) + b"\n")
                batch.clear()
        if batch:
            out.write(b"\n".join(batch) + b"\n")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lyssna.demo.generator",
        description="Write demo mentions of Elvåra and its competitors as JSON Lines.",
    )
    parser.add_argument("--count", type=int, default=None, help="exact number of records")
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--end", default=None, help="ISO-8601 end of the period (default: now)")
    args = parser.parse_args(argv)
    end = datetime.fromisoformat(args.end) if args.end else None
    began = time.perf_counter()
    written = write_jsonl(args.out, generate(args.count, days=args.days, end=end, seed=args.seed))
    took = time.perf_counter() - began
    print(f"wrote {written:,} records to {args.out} in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
