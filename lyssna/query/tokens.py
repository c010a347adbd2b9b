"""The one tokenizer: text -> words with positions and kinds.

Everything that needs to know what a "word" is (topic matching, search, the `search_terms`
column the databases index) goes through here, so the query language, the Python matcher and
the SQL narrowing always agree.

A word is a maximal run of word characters: `\\w` (letters, digits, underscore) plus combining
marks, which Python's `\\w` leaves out but which are part of words in many scripts. `#` directly
before a word, and not itself after a word character, makes a hashtag; `@` likewise a mention.
So `support@acme.se` is the plain words support, acme, se.

Words are lower-cased with `str.lower()`. Lower-casing never turns a word character into a
separator or back (checked over all of Unicode by the tests), so tokenising the lower-cased
text gives the same words, in the same positions, as lower-casing each word of the original.
"""

from __future__ import annotations

import re
import unicodedata
from enum import IntEnum
from typing import NamedTuple


def _mark_classes() -> tuple[str, str]:
    """Regex class bodies of the combining marks inside and outside the Basic Multilingual Plane.

    Marks live in planes 0, 1 and 14 only; scanning those takes ~15 ms at import. The two are
    kept apart because `re` tests a class of astral ranges one range at a time, which would
    triple the tokenising time if every character went through it.
    """
    ranges: list[list[int]] = []
    for plane in (range(0, 0x20000), range(0xE0000, 0xE1000)):
        for code in plane:
            if unicodedata.category(chr(code))[0] == "M":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1][1] = code
                else:
                    ranges.append([code, code])

    def body(selected: list[list[int]]) -> str:
        return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in selected)

    return body([r for r in ranges if r[1] < 0x10000]), body([r for r in ranges if r[0] >= 0x10000])


_BMP_MARKS, _ASTRAL_MARKS = _mark_classes()
# One word character that is not an astral combining mark, and one that is (the look-ahead is a
# cheap single-range test that keeps the slow class off ordinary characters).
_W = f"[\\w{_BMP_MARKS}]"
_M = f"(?=[\\U00010000-\\U0010ffff])[{_ASTRAL_MARKS}]"

#: Regex for one word (a maximal run of word characters); reusable inside other patterns.
WORD_PATTERN = f"(?:{_W}+(?:{_M}+{_W}*)*|{_M}+{_W}*(?:{_M}+{_W}*)*)"
#: Regex that is true when the next character is a word character.
WORD_START = f"(?={_W}|{_M})"
#: Regex that is true when the previous character is not a word character.
NOT_AFTER_WORD = f"(?<!{_W})(?<!{_M})"

#: Longest word kept in `search_terms`. PostgreSQL refuses tsvector lexemes over 2047 bytes;
#: 256 characters are at most 1024 bytes of UTF-8. The SQL narrowing knows about the cut.
MAX_TERM_CHARS = 256

_WORD_RE = re.compile(WORD_PATTERN)
# Text without astral characters (most text, though not text with emoji) needs no astral test.
_BMP_WORD_RE = re.compile(f"{_W}+")
_ASTRAL_RE = re.compile("[\U00010000-\U0010ffff]")
_TOKEN_RE = re.compile(f"(?:{NOT_AFTER_WORD}([#@]))?({WORD_PATTERN})")


def _find_words(lowered: str) -> list[str]:
    if _ASTRAL_RE.search(lowered) is None:
        return _BMP_WORD_RE.findall(lowered)
    return _WORD_RE.findall(lowered)


class TokenKind(IntEnum):
    WORD = 0
    HASHTAG = 1
    MENTION = 2


_KIND_OF_SYMBOL = {"": TokenKind.WORD, "#": TokenKind.HASHTAG, "@": TokenKind.MENTION}


class Token(NamedTuple):
    word: str  # lower-cased, without the # or @
    position: int  # 0, 1, 2... over all tokens of the text
    kind: TokenKind
    start: int  # character span in the original text, including any # or @
    end: int


def tokenize(text: str) -> list[Token]:
    """All tokens of `text`, with their character spans in `text`."""
    return [
        Token(m.group(2).lower(), position, _KIND_OF_SYMBOL[m.group(1) or ""], m.start(), m.end())
        for position, m in enumerate(_TOKEN_RE.finditer(text))
    ]


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, one per token position (the fast path)."""
    return _find_words(text.lower())


def kinds(text: str) -> list[TokenKind]:
    """The kind of each token of `text`, aligned with `words(text)`."""
    kind_of = _KIND_OF_SYMBOL
    return [kind_of[symbol] for symbol, _ in _TOKEN_RE.findall(text)]


def spans(text: str) -> list[tuple[int, int]]:
    """The character span of each token of `text` (including any # or @)."""
    return [m.span() for m in _TOKEN_RE.finditer(text)]


def search_terms(text: str) -> str:
    """The distinct lower-cased words of `text`, space separated, in order of first appearance.

    Hashtags and mentions give their word without the symbol. Words longer than
    `MAX_TERM_CHARS` are cut to that length so that every database can index them.
    """
    return search_terms_of(words(text))


def search_terms_of(text_words: list[str]) -> str:
    """`search_terms` of a text from its `words` (when they are at hand already)."""
    distinct = dict.fromkeys(text_words)
    if max(map(len, distinct), default=0) > MAX_TERM_CHARS:
        distinct = dict.fromkeys(word[:MAX_TERM_CHARS] for word in distinct)
    return " ".join(distinct)
