"""Tokenising text and matching queries against single mentions."""

from __future__ import annotations

import re
import sys

import pytest

from lyssna.query import MatchDocument, Token, TokenKind, parse, search_terms, tokenize
from lyssna.query import tokens as tokens_module
from lyssna.query.tokens import MAX_TERM_CHARS, words

W, H, M = TokenKind.WORD, TokenKind.HASHTAG, TokenKind.MENTION

# --- tokenizer ---------------------------------------------------------------------------------


def test_tokens_have_word_position_kind_and_span() -> None:
    text = "Gott ÖL på #Fjällvandring med @Nordbank_SE!"
    assert tokenize(text) == [
        Token("gott", 0, W, 0, 4),
        Token("öl", 1, W, 5, 7),
        Token("på", 2, W, 8, 10),
        Token("fjällvandring", 3, H, 11, 25),
        Token("med", 4, W, 26, 29),
        Token("nordbank_se", 5, M, 30, 42),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("support@acme.se", [("support", W), ("acme", W), ("se", W)]),
        ("mejla @acme.se", [("mejla", W), ("acme", M), ("se", W)]),
        ("a#b #c ##d (#e) #_f", [("a", W), ("b", W), ("c", H), ("d", H), ("e", H), ("_f", H)]),
        ("# tom @ tom", [("tom", W), ("tom", W)]),
        ("tre-fyra 3,14 x²", [("tre", W), ("fyra", W), ("3", W), ("14", W), ("x²", W)]),
        ("Ærø søndag Øresund", [("ærø", W), ("søndag", W), ("øresund", W)]),
        ("hyvää päivää", [("hyvää", W), ("päivää", W)]),
        ("cafe\u0301 n\u0303o", [("cafe\u0301", W), ("n\u0303o", W)]),  # combining marks
        ("हिन्दी भाषा", [("हिन्दी", W), ("भाषा", W)]),  # spacing marks inside words
        ("a\U0001d167b 😀 #x😀", [("a\U0001d167b", W), ("x", H)]),  # an astral mark
        ("İstanbul", [("i\u0307stanbul", W)]),
        ("", []),
    ],
)
def test_tokenize(text: str, expected: list[tuple[str, TokenKind]]) -> None:
    tokens = tokenize(text)
    assert [(token.word, token.kind) for token in tokens] == expected
    assert [token.position for token in tokens] == list(range(len(expected)))
    assert words(text) == [word for word, _ in expected]
    assert tokens_module.kinds(text) == [kind for _, kind in expected]
    for token in tokens:
        symbol = {H: "#", M: "@"}.get(token.kind, "")
        assert text[token.start : token.end].lower() == symbol + token.word


def test_search_terms_are_distinct_words_in_order_of_first_appearance() -> None:
    text = "Kaffe, #kaffe och @Kaffe! Mer KAFFE och bullar, support@acme.se"
    assert search_terms(text) == "kaffe och mer bullar support acme se"
    assert search_terms("") == ""
    assert search_terms("!!! 😀") == ""


def test_search_terms_cut_very_long_words() -> None:
    long_word = "å" * (MAX_TERM_CHARS + 50)
    terms = search_terms(f"kort {long_word} {long_word[:-1]}")
    assert terms == "kort " + "å" * MAX_TERM_CHARS
    assert all(len(term.encode()) <= 2047 for term in terms.split())


def test_lower_casing_never_changes_which_characters_are_word_characters() -> None:
    # Why tokenising the lower-cased text is the same as lower-casing each token.
    word = re.compile(f"{tokens_module.WORD_START}.", re.DOTALL)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lowered = char.lower()
        if lowered == char:
            continue
        is_word = word.match(char) is not None
        assert all((word.match(c) is not None) == is_word for c in lowered), hex(code)
        assert not any(c in '#@?*"()' or c.isspace() for c in lowered), hex(code)


# --- matching ----------------------------------------------------------------------------------


def doc(text: str, **fields: str | None) -> MatchDocument:
    return MatchDocument.build(text, **fields)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("bra", "Det var BRA!", True),
        ("bra", "Nya brallor", False),
        ("bra", "jättebra", False),
        ("öl", "gott öl!", True),
        ("öl", "ölburk", False),
        ("Öl", "ÖL", True),
        ("søt", "Søt kaffe", True),
        ("kaffe", "#kaffe", True),  # a plain word matches hashtags and mentions too
        ("kaffe", "@kaffe", True),
        ("#kaffe", "#Kaffe är gott", True),
        ("#kaffe", "kaffe är gott", False),
        ("#kaffe", "@kaffe", False),
        ("@acme", "tack @ACME", True),
        ("@acme", "support@acme.se", False),
        ("acme", "support@acme.se", True),
        ("#fjällvandring", "Dags för #fjällvandring i helgen", True),
        ('"inte bra"', "Det var inte bra alls", True),
        ('"inte bra"', "Det var bra, inte dåligt", False),
        ('"inte bra"', "inte, bra", True),  # punctuation between is no word
        ('"inte bra"', "inte #bra", True),
        ('"inte #bra"', "inte bra", False),
        ("e-post", "skicka e-post", True),
        ("e-post", "e och post", False),
        ("kaff*", "Kaffet var kallt", True),
        ("kaff*", "kaff", True),
        ("kaff*", "kaffe", True),
        ("kaff*", "snabbkaffe", False),
        ("kaff*", "#kaffepaus", True),
        ("#kaff*", "kaffepaus", False),
        ("k?ffe", "KAFFE", True),
        ("k?ffe", "kffe", False),
        ("k?ffe", "kaaffe", False),
        ("k?ffe", "k1ffe", False),  # ? is a letter
        ("k?ff*", "kiffare", True),
        ("?l", "öl", True),
        ("gebyr OR avgift", "Ny avgift från banken", True),
        ("gebyr avgift", "Ny avgift från banken", False),
        ("kaffe -spam", "kaffe", True),
        ("kaffe -spam", "kaffe SPAM", False),
        ("kaffe -#spam", "kaffe spam", True),
        ("kaffe -#spam", "kaffe #spam", False),
        ('kaffe -"inte bra"', "kaffe inte bra", False),
        ("kaffe -(te OR öl)", "kaffe och öl", False),
        ("NOT spam", "hej", True),
        ("kaffe and te", "kaffe and te", True),  # lower-case "and" is a word
        ("kaffe and te", "kaffe och te", False),
        ('"AND"', "this AND that", True),
    ],
)
def test_words(query: str, text: str, expected: bool) -> None:
    assert parse(query).matches(doc(text)) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("nordbank NEAR/1 avgift", "Nordbank avgift", True),
        ("nordbank NEAR/1 avgift", "avgift Nordbank", True),
        ("nordbank NEAR/1 avgift", "Nordbank höjer avgift", False),
        ("nordbank NEAR/2 avgift", "Nordbank höjer avgift", True),
        ("nordbank ONEAR/2 avgift", "avgift höjs av nordbank", False),
        ("nordbank ONEAR/5 avgift", "nordbank höjer sin avgift", True),
        ("kaffe NEAR/3 kaffe", "kaffe", False),  # the two sides need two places
        ("kaffe NEAR/3 kaffe", "kaffe och mer kaffe", True),
        ("kaff* NEAR/2 #gott", "kaffet är #gott", True),
        ("kaff* NEAR/2 #gott", "kaffet är gott", False),
        # a phrase side counts from its nearest end
        ('"nord bank" NEAR/2 avgift', "Nord Bank höjer avgift", True),
        ('"nord bank" NEAR/2 avgift', "avgift höjs, Nord Bank", True),
        ('"nord bank" NEAR/1 avgift', "Nord Bank höjer avgift", False),
        ('"nord bank" ONEAR/1 avgift', "avgift Nord Bank", False),
        ('avgift ONEAR/1 "nord bank"', "avgift Nord Bank", True),
        (
            '(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)',
            "Nord Bank innfører nytt gebyr",
            True,
        ),
        (
            '(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)',
            "Nordbank er dyr. Et nytt og høyt gebyr kom i går",
            False,
        ),
        ('(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)', "gebyr, nordbank", True),
    ],
)
def test_near(query: str, text: str, expected: bool) -> None:
    assert parse(query).matches(doc(text)) is expected


@pytest.mark.parametrize(
    ("query", "fields", "expected"),
    [
        ("lang:sv", {"lang": "sv"}, True),
        ("lang:sv", {"lang": "SV"}, True),
        ("lang:sv", {"lang": "da"}, False),
        ("lang:sv", {}, False),
        ("lang:no", {"lang": "no", "lang_variant": "nn"}, True),
        ("lang:nn", {"lang": "no", "lang_variant": "nn"}, True),
        ("lang:nb", {"lang": "no", "lang_variant": "nn"}, False),
        ("lang:nb", {"lang": "nb"}, True),
        ("channel:mastodon", {"channel": "Mastodon"}, True),
        ("channel:mastodon", {"channel": "bluesky"}, False),
        ("author:åsa", {"author": "@Åsa"}, True),
        ("author:@åsa", {"author": "åsa"}, True),
        ("author:åsa", {"author": "åsa_b"}, False),
        ("author:åsa", {}, False),
        ("site:example.com", {"host": "example.com"}, True),
        ("site:example.com", {"host": "blog.Example.com"}, True),
        ("site:example.com", {"host": "badexample.com"}, False),
        ("site:example.com", {"host": "example.com.evil.se"}, False),
        ("site:blog.example.com", {"host": "example.com"}, False),
        ("sentiment:negative", {"sentiment": "negative"}, True),
        ("sentiment:negative", {"sentiment": "neutral"}, False),
        ("-sentiment:negative", {}, True),
        ("lang:sv -spam", {"lang": "sv"}, True),
    ],
)
def test_fields(query: str, fields: dict[str, str], expected: bool) -> None:
    assert parse(query).matches(doc("hej hej", **fields)) is expected


def test_lang_sv_minus_spam() -> None:
    q = parse("lang:sv -spam")
    assert q.matches(doc("Köp billigt", lang="sv"))
    assert not q.matches(doc("Köp billigt spam", lang="sv"))
    assert not q.matches(doc("Köp billigt", lang="da"))


@pytest.mark.parametrize(
    ("query", "text", "highlighted"),
    [
        ("kaffe", "Kaffe, kaffe och #kaffe!", ["Kaffe", "kaffe", "#kaffe"]),
        ('"inte bra"', "bra men inte bra", ["inte", "bra"]),
        ("kaff* -spam", "Kaffet är gott", ["Kaffet"]),
        ("kaffe OR te", "te och kaffe", ["te", "kaffe"]),
        ("kaffe te", "bara kaffe", []),  # no match, nothing to highlight
        ("lang:sv", "bara kaffe", []),
        ("lang:sv OR kaffe", "bara kaffe", ["kaffe"]),
        ("@acme NEAR/2 hjälp", "hjälp! @acme svarar inte, acme", ["hjälp", "@acme"]),
        (
            '(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)',
            "Nord Bank: nytt gebyr. Tack och hej, Nordbank",
            ["Nord", "Bank", "gebyr"],
        ),
    ],
)
def test_highlight(query: str, text: str, highlighted: list[str]) -> None:
    spans = parse(query).highlight(doc(text))
    assert [text[start:end] for start, end in spans] == highlighted
    assert spans == sorted(spans)


def test_highlight_offsets_survive_length_changing_lower_case() -> None:
    text = "İstanbul İstanbul kaffe"  # "İ".lower() is two characters long
    assert [text[a:b] for a, b in parse("kaffe").highlight(doc(text))] == ["kaffe"]


def test_document_is_shared_between_queries() -> None:
    mention = doc("Kaffet på #Espresso är inte bra", lang="sv", channel="mastodon")
    results = {q: parse(q).matches(mention) for q in ["kaff*", '"inte bra"', "#espresso", "te"]}
    assert results == {"kaff*": True, '"inte bra"': True, "#espresso": True, "te": False}
