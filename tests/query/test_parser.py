"""The query language's syntax: what parses to what, and every error with its column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lyssna.core.errors import QuerySyntaxError
from lyssna.query import TokenKind, parse
from lyssna.query.parser import MAX_DEPTH, And, Field, Near, Not, Or, Phrase, Term


def t(text: str, kind: TokenKind | None = None, prefix: bool = False) -> Term:
    return Term(text, kind, prefix)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("kaffe", t("kaffe")),
        ("Kaffe", t("kaffe")),
        ("#fjällvandring", t("fjällvandring", TokenKind.HASHTAG)),
        ("@Nordbank", t("nordbank", TokenKind.MENTION)),
        ('"inte bra"', Phrase((t("inte"), t("bra")))),
        ('"Öl"', t("öl")),  # a one-word phrase is just the word
        ("kaff*", t("kaff", prefix=True)),
        ("k?ff*", t("k?ff", prefix=True)),
        ("?ffe", t("?ffe")),
        ("e-post", Phrase((t("e"), t("post")))),  # split like the tokenizer splits text
        ("support@acme.se", Phrase((t("support"), t("acme"), t("se")))),
        ("kaffe!", t("kaffe")),
        ("12:30", Phrase((t("12"), t("30")))),
        ("kaffe te", And((t("kaffe"), t("te")))),
        ("kaffe AND te", And((t("kaffe"), t("te")))),
        ("kaffe OR te", Or((t("kaffe"), t("te")))),
        ("kaffe and te", And((t("kaffe"), t("and"), t("te")))),  # lower case is a word
        ("kaffe or not te", And((t("kaffe"), t("or"), t("not"), t("te")))),
        ('"AND"', t("and")),
        ("NEARBY", t("nearby")),
        ("-spam", Not(t("spam"))),
        ('-"inte bra"', Not(Phrase((t("inte"), t("bra"))))),
        ("-(a OR b)", Not(Or((t("a"), t("b"))))),
        ("NOT spam", Not(t("spam"))),
        ("--spam", Not(Not(t("spam")))),
        ("lang:sv -spam", And((Field("lang", "sv"), Not(t("spam"))))),
        ("LANG:NB", Field("lang", "nb")),
        ("channel:Mastodon", Field("channel", "mastodon")),
        ("author:@Åsa", Field("author", "åsa")),
        ('author:"@acme support"', Field("author", "acme support")),
        ("site:Blog.Example.com", Field("site", "blog.example.com")),
        ("sentiment:negative", Field("sentiment", "negative")),
        ("a NEAR/3 b", Near(t("a"), t("b"), 3)),
        ("a ONEAR/1 b", Near(t("a"), t("b"), 1, ordered=True)),
        (
            '(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr)',
            Near(
                Or((t("nordbank"), Phrase((t("nord"), t("bank"))))),
                Or((t("avgift"), t("gebyr"))),
                3,
            ),
        ),
        ("NOT a NEAR/2 b", Not(Near(t("a"), t("b"), 2))),  # NEAR binds tightest
        ("kaffe(te)", And((t("kaffe"), t("te")))),
    ],
)
def test_parses(query: str, tree: object) -> None:
    assert parse(query).root == tree


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        # NOT before AND before OR
        ("a OR b c", Or((t("a"), And((t("b"), t("c")))))),
        ("a b OR c", Or((And((t("a"), t("b"))), t("c")))),
        ("NOT a b", And((Not(t("a")), t("b")))),
        ("a OR NOT b AND c", Or((t("a"), And((Not(t("b")), t("c")))))),
        ("(a OR b) c", And((Or((t("a"), t("b"))), t("c")))),
        ("a AND (b AND c)", And((t("a"), t("b"), t("c")))),  # flattened
        ("a OR (b OR c)", Or((t("a"), t("b"), t("c")))),
        ("a NOT b", And((t("a"), Not(t("b"))))),
    ],
)
def test_precedence(query: str, tree: object) -> None:
    assert parse(query).root == tree


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("Kaffe   te", "kaffe AND te"),
        ("a OR b c", "a OR b AND c"),
        ("(a OR b) c", "(a OR b) AND c"),
        ("lang:sv -spam", "lang:sv AND NOT spam"),
        ('-("inte bra" OR dålig)', 'NOT ("inte bra" OR dålig)'),
        ('(Nordbank OR "Nord Bank") NEAR/3 avgift', '(nordbank OR "nord bank") NEAR/3 avgift'),
        ('channel:"Min kanal"', 'channel:"min kanal"'),
        ("#Fika @SJ kaff*", "#fika AND @sj AND kaff*"),
    ],
)
def test_canonical_form(query: str, canonical: str) -> None:
    q = parse(query)
    assert str(q) == canonical
    assert parse(str(q)) == q


def test_queries_are_hashable_values() -> None:
    assert parse("kaffe  OR te") == parse("Kaffe OR te")
    assert len({parse("a b"), parse("a AND b"), parse("b a")}) == 2


@pytest.mark.parametrize(
    ("query", "column", "words"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ("(kaffe", 1, "never closed"),
        ("kaffe (te OR (öl)", 7, "never closed"),
        ("kaffe)", 6, "no matching"),
        ("()", 1, "empty parentheses"),
        ('"inte bra', 1, "never closed"),
        ('kaffe "inte', 7, "never closed"),
        ('""', 1, "empty phrase"),
        ('" ! "', 1, "empty phrase"),
        ("kaffe AND", 7, "AND needs a term after"),
        ("OR kaffe", 1, "OR needs a term before"),
        ("kaffe OR OR te", 7, "OR needs a term after"),
        ("kaffe AND OR te", 7, "AND needs a term after"),
        ("NOT", 1, "NOT needs a term after"),
        ("kaffe NOT", 7, "NOT needs a term after"),
        ("(kaffe OR) te", 8, "OR needs a term after"),
        ("-", 1, "'-'"),
        ("kaffe - te", 7, "'-'"),
        ("(kaffe -)", 8, "'-'"),
        ("kaffe NEAR te", 7, "needs a distance"),
        ("kaffe NEAR/ te", 12, "whole number"),
        ("kaffe NEAR/x te", 12, "whole number"),
        ("kaffe NEAR/0 te", 12, "at least 1"),
        ("kaffe NEAR/-2 te", 12, "whole number"),
        ("kaffe ONEAR te", 7, "needs a distance"),
        ("kaffe NEAR/99999999 te", 12, "too large"),
        ("NEAR/3 te", 1, "needs a term before"),
        ("kaffe NEAR/3", 7, "needs a word or phrase after"),
        ("kaffe NEAR/3 -te", 7, "needs a word or phrase after"),
        ("a NEAR/2 b NEAR/2 c", 12, "cannot follow another NEAR"),
        ("lang:sv NEAR/2 b", 1, "each side of NEAR"),
        ("a NEAR/2 (b c)", 10, "each side of NEAR"),
        ("(a AND b) ONEAR/2 c", 1, "each side of ONEAR"),
        ("ka*", 3, "too short"),
        ("k??*", 4, "too short"),
        ("hej ka*", 7, "too short"),
        ('"mycket ka*"', 11, "too short"),
        ("*", 1, "must directly follow a word"),
        ("kaffe *", 7, "must directly follow a word"),
        ("ka*ffe", 3, "only end a word"),
        ("kaff**", 5, "only end a word"),
        ("lang:", 6, "needs a value"),
        ('lang:""', 6, "needs a value"),
        ("author:@", 8, "needs a value"),
        ("language:sv", 1, "unknown field 'language'"),
        ("kaffe https://example.com", 7, "unknown field 'https'"),
        ("sentiment:angry", 11, "sentiment must be one of"),
        ("lang:svenska1", 6, "not a language code"),
        ("site:https://example.com", 6, "host name"),
        ("site:example.com/path", 6, "host name"),
        ('lang:"sv', 6, "never closed"),
        ("!!!", 1, "nothing to search for"),
        ("kaffe #", 7, "nothing to search for"),
        ("a AND )", 3, "AND needs a term after"),
    ],
)
def test_syntax_errors_name_the_column(query: str, column: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert words in error.message
    assert (error.column, error.query) == (column, query)
    assert error.pointer().splitlines()[1] == " " * (column - 1) + "^"


def test_too_deep_nesting_is_a_syntax_error() -> None:
    parse("(" * MAX_DEPTH + "kaffe" + ")" * MAX_DEPTH)
    with pytest.raises(QuerySyntaxError, match="nests too deeply"):
        parse("(" * 5000 + "kaffe" + ")" * 5000)
    with pytest.raises(QuerySyntaxError, match="nests too deeply"):
        parse("NOT " * 5000 + "kaffe")
    with pytest.raises(QuerySyntaxError, match="nests too deeply"):
        parse("-" * 5000 + "kaffe")


def _parse_or_syntax_error(text: str) -> None:
    try:
        q = parse(text)
    except QuerySyntaxError as error:
        assert 1 <= error.column <= len(text) + 1
        assert error.query == text
        return
    assert parse(str(q)) == q  # the canonical form means the same thing


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=60))
def test_any_string_parses_or_raises_query_syntax_error(text: str) -> None:
    _parse_or_syntax_error(text)


_PIECES = st.sampled_from(
    [
        "kaffe", "Öl", "#fika", "@acme", "kaff*", "k?ffe", "ka*", "e-post", "and", "AND", "OR",
        "NOT", "-", "(", ")", '"', '"inte bra"', "NEAR/2", "ONEAR/1", "NEAR/0", "NEAR",
        "lang:sv", "lang:", "author:@x", "site:a.se", "sentiment:bad", "foo:bar", "*", "?",
        "\u0301", "_", "!", " ", "  ", "é", "ø", "😀", "\t", "\\", "'", ":",
    ]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=14).map(lambda pieces: " ".join(pieces)))
def test_query_like_strings_parse_or_raise_query_syntax_error(text: str) -> None:
    _parse_or_syntax_error(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_glued_pieces_parse_or_raise_query_syntax_error(text: str) -> None:
    _parse_or_syntax_error(text)
