"""TopicMatcher: many topics at once, same answers as matching each topic on its own.

The random mention and query generators here are also used by test_sql.py.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lyssna.query import MatchDocument, TopicMatcher, parse
from lyssna.query.matcher import anchors
from lyssna.query.parser import Query

# --- generators --------------------------------------------------------------------------------

VOCABULARY = [
    "kaffe", "kaffet", "kaffebryggare", "snabbkaffe", "bra", "brallor", "inte", "öl", "gott",
    "fjällvandring", "nordbank", "nord", "bank", "avgift", "gebyr", "spam", "hyvä", "kahvi",
    "æble", "søt", "kjøpe", "and", "not", "near", "or", "foo_bar", "foo", "bar", "café", "x2",
    "ab", "i\u0307da", "straße", "_", "kiffare",
]  # fmt: skip
BIGRAMS = ["inte bra", "nord bank", "foo bar", "kjøpe kaffe", "and not"]
SEPARATORS = [" ", " ", " ", ", ", "! ", "-", ". ", "\n", " – ", "?? "]
LANGS = [None, "sv", "no", "da", "fi", "en", "SV"]
CHANNELS = [None, "mastodon", "bluesky", "Reddit"]
AUTHORS = [None, "@Åsa", "åsa", "kalle", "@ACME_se", "İda", "ida", "\u212aalle", "50%_off",
           "o'neil"]  # fmt: skip
HOSTS = [None, "example.com", "blog.example.com", "badexample.com", "EXAMPLE.com", "a_b.se",
         "axb.se", "kaffe.se"]  # fmt: skip
SENTIMENT_VALUES = [None, "negative", "neutral", "positive"]


def random_mention(rng: random.Random) -> dict[str, Any]:
    """Text and fields of a mention, as a row of the mentions table would hold them."""
    parts = []
    for _ in range(rng.randint(0, 18)):
        word = rng.choice(BIGRAMS) if rng.random() < 0.15 else rng.choice(VOCABULARY)
        word = rng.choice([word, word, word.capitalize(), word.upper()])
        roll = rng.random()
        symbol = "#" if roll < 0.1 else "@" if roll < 0.17 else ""
        parts.append(symbol + word + rng.choice(SEPARATORS))
    if rng.random() < 0.1:
        parts.append("support@acme.se ")
    lang = rng.choice(LANGS)
    return {
        "text": "".join(parts),
        "lang": lang,
        "lang_variant": rng.choice(["nb", "nn", None]) if lang == "no" else None,
        "channel": rng.choice(CHANNELS),
        "author_handle": rng.choice(AUTHORS),
        "host": rng.choice(HOSTS),
        "sentiment": rng.choice(SENTIMENT_VALUES),
    }


def document(mention: dict[str, Any]) -> MatchDocument:
    return MatchDocument.build(
        mention["text"],
        lang=mention["lang"],
        lang_variant=mention["lang_variant"],
        channel=mention["channel"],
        author=mention["author_handle"],
        host=mention["host"],
        sentiment=mention["sentiment"],
    )


FIELD_QUERIES = [
    "lang:sv", "lang:no", "lang:nb", "lang:nn", "lang:da", "channel:mastodon", "channel:reddit",
    "author:åsa", "author:@kalle", "author:ida", 'author:"İda"', "author:acme_se",
    'author:"50%_off"', "author:o'neil", "site:example.com", "site:a_b.se", "site:kaffe.se",
    "sentiment:negative", "sentiment:positive",
]  # fmt: skip


def _random_word(rng: random.Random) -> str:
    word = rng.choice(VOCABULARY)
    roll = rng.random()
    if roll < 0.15 and len(word) >= 3:
        return word[: rng.randint(3, len(word))] + "*"
    if roll < 0.25 and len(word) >= 2:
        at = rng.randrange(len(word))
        word = word[:at] + "?" + word[at + 1 :]
        return word + ("*" if rng.random() < 0.3 and len(word.replace("?", "")) >= 3 else "")
    if roll < 0.35:
        return "#" + word
    if roll < 0.4:
        return "@" + word
    keyword = word.upper() in ("AND", "OR", "NOT", "NEAR")
    return word if keyword else rng.choice([word, word.upper()])


def _random_phrase(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f'"{rng.choice(BIGRAMS)}"'
    return '"' + " ".join(_random_word(rng) for _ in range(rng.randint(2, 3))) + '"'


def _near_side(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _random_word(rng)
    if roll < 0.75:
        return _random_phrase(rng)
    return "(" + " OR ".join(_random_word(rng) for _ in range(rng.randint(2, 3))) + ")"


def random_query(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random() if depth < 3 else rng.random() * 0.55
    if roll < 0.25:
        return _random_word(rng)
    if roll < 0.35:
        return _random_phrase(rng)
    if roll < 0.45:
        return rng.choice(FIELD_QUERIES)
    if roll < 0.55:
        operator = rng.choice(["NEAR", "ONEAR"])
        return f"{_near_side(rng)} {operator}/{rng.randint(1, 4)} {_near_side(rng)}"
    if roll < 0.65:
        return rng.choice(["-", "NOT "]) + "(" + random_query(rng, depth + 1) + ")"
    joiner = " OR " if roll < 0.8 else rng.choice([" ", " AND "])
    children = [random_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    return "(" + joiner.join(children) + ")"


def random_queries(seed: int, count: int) -> list[Query]:
    rng = random.Random(seed)
    return [parse(random_query(rng)) for _ in range(count)]


def random_mentions(seed: int, count: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [random_mention(rng) for _ in range(count)]


# --- tests -------------------------------------------------------------------------------------


def test_anchors() -> None:
    assert anchors(parse("kaffe").root) == {("word", "kaffe")}
    assert anchors(parse("#kaffe").root) == {("word", "kaffe")}
    assert anchors(parse("kaff*").root) == {("text", " kaff")}
    assert anchors(parse("k?ff*").root) == {("text", " k")}
    assert anchors(parse("?affe").root) == {("text", "affe")}
    assert anchors(parse("?").root) is None
    assert anchors(parse("kaffe OR te").root) == {("word", "kaffe"), ("word", "te")}
    assert anchors(parse("kaffe OR -te").root) is None
    assert anchors(parse("lang:sv").root) is None
    assert anchors(parse("lang:sv kaffe -spam").root) == {("word", "kaffe")}
    assert anchors(parse('"inte bra"').root) == {("word", "inte")}
    assert anchors(parse("(a OR b) fjällvandring").root) == {("word", "fjällvandring")}
    assert anchors(parse("x NEAR/2 (a OR b)").root) == {("word", "x")}


def test_matcher_gives_the_same_answers_as_each_query_alone() -> None:
    queries = random_queries(seed=1, count=600)
    topics = {f"topic-{n}": q for n, q in enumerate(queries)}
    matcher = TopicMatcher(topics)
    assert len(matcher) == len(topics)
    for mention in random_mentions(seed=2, count=400):
        doc = document(mention)
        assert matcher.match(doc) == [key for key, q in topics.items() if q.matches(doc)]


def test_matcher_only_evaluates_topics_whose_words_occur() -> None:
    topics = {n: parse(f"ord{n} OR prefix{n}x*") for n in range(1000)}
    topics[1000] = parse("-spam")
    topics[1001] = parse("lang:sv")
    matcher = TopicMatcher(topics)
    doc = MatchDocument.build("Här står ord7 och prefix9xyz", lang="sv")
    assert matcher.candidates(doc) == {7, 9, 1000, 1001}
    assert matcher.match(doc) == [7, 9, 1000, 1001]


def test_matcher_with_scandinavian_topics() -> None:
    matcher = TopicMatcher(
        {
            "nordbank-avgifter": parse('(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)'),
            "kaffe": parse("kaff* -snabbkaffe"),
            "fjäll": parse("#fjällvandring OR fjällvandring"),
            "svenska utan spam": parse("lang:sv -spam"),
            "inget": parse("gurka"),
        }
    )
    doc = MatchDocument.build("Nordbank tar nytt gebyr för kaffet! #fjällvandring", lang="sv")
    assert matcher.match(doc) == ["nordbank-avgifter", "kaffe", "fjäll", "svenska utan spam"]
    assert TopicMatcher({}).match(doc) == []


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=40))
def test_matcher_agrees_with_queries_for_random_topics(rng: random.Random, count: int) -> None:
    topics = {n: parse(random_query(rng)) for n in range(count)}
    matcher = TopicMatcher(topics)
    for _ in range(5):
        doc = document(random_mention(rng))
        assert matcher.match(doc) == [n for n, q in topics.items() if q.matches(doc)]
