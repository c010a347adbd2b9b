"""Turning a social-media post into tokens: words, emoji, emoticons and punctuation marks.

Pure functions over text, shared by language identification and sentiment. Handles the things
posts are full of: links, @handles, hashtags (#heltbäst -> helt bäst), elongation
("bääästa" -> "bästa") and emoji with skin-tone modifiers.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import NamedTuple

# Links, handles and the anonymisation placeholders some corpora use carry no sentiment or
# language: they are dropped before anything else looks at the text.
_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\[(?:link|url|user)\]|(?<!\w)@\w+|&amp;|&lt;|&gt;|&quot;",
    re.IGNORECASE,
)
_EMOTICON = r"(?:>:\(|</3|<3|:'\(|[:;=]-?[)\](dDpP/\\sS\[]|\(:|\):|\bx[dD]\b)"
_EMOJI_CHARS = (
    "\U0001f300-\U0001f5ff\U0001f600-\U0001f64f\U0001f680-\U0001f6ff\U0001f900-\U0001f9ff"
    "\U0001fa70-\U0001faff\u2600-\u27bf\u2b50\u2b55\u2764\u2665"
)
# Words come first in the alternation: they are most tokens, and the regex engine tries the
# branches in order at every position. No emoticon starts with a letter except "xD", which the
# word branch takes and `tokenize` turns back into an emoticon.
_TOKEN = re.compile(
    r"(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?)"
    r"|(?P<hashtag>#[^\W_][\w]*)"
    rf"|(?P<emoticon>{_EMOTICON})"
    rf"|(?P<emoji>[{_EMOJI_CHARS}])"
    r"|(?P<punct>[!?.,;:]+)"
)
_WORD, _HASHTAG, _EMOTICON_GROUP, _EMOJI_GROUP = 1, 2, 3, 4  # group numbers in _TOKEN
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_CAMEL = re.compile(r"[A-ZÅÄÖÆØ]?[a-zåäöæøéü]+|[A-ZÅÄÖÆØ]+(?![a-z])|\d+")


class Token(NamedTuple):
    text: str  # normalised (lower case, elongation collapsed); emoji without modifiers
    kind: str  # "word", "emoji", "emoticon", "punct"
    elongated: bool = False
    shouting: bool = False  # written in capitals (3+ letters)
    hashtag: bool = False


def strip_noise(text: str) -> str:
    """The text without links, handles and placeholders."""
    return _NOISE.sub(" ", text)


def collapse_elongation(word: str, known: Container[str] | None = None) -> str:
    """'bääästa' -> 'bästa', 'goooood' -> 'good': the first spelling the vocabulary knows."""
    double = _ELONGATED.sub(r"\1\1", word)
    single = _ELONGATED.sub(r"\1", word)
    if known is not None:
        for candidate in (double, single):
            if candidate in known:
                return candidate
    return single


def split_hashtag(tag: str, known: Container[str], max_word: int = 18) -> list[str]:
    """'#HeltBäst' -> ['helt', 'bäst']; camelCase first, then the fewest known words.

    Falls back to the whole tag (lower-cased, without '#') when it cannot be covered by known
    words of two letters or more.
    """
    body = tag.lstrip("#")
    parts = _CAMEL.findall(body)
    if len(parts) > 1 and "".join(parts) == body:
        return [p.lower() for p in parts]
    low = body.lower()
    if low in known or len(low) < 4:
        return [low]
    n = len(low)
    # best[i]: fewest words covering low[:i]; split[i]: where the last word starts
    best = [0] + [n + 1] * n
    split = [0] * (n + 1)
    for end in range(2, n + 1):
        for start in range(max(0, end - max_word), end - 1):
            if best[start] + 1 < best[end] and low[start:end] in known:
                best[end] = best[start] + 1
                split[end] = start
    if best[n] > n:
        return [low]
    words: list[str] = []
    end = n
    while end > 0:
        words.append(low[split[end] : end])
        end = split[end]
    return words[::-1]


class _WordCache:
    """Tokens of words and hashtags already seen: a post's words are mostly ones seen before,
    and a token depends on nothing but the word (and the fixed vocabulary)."""

    LIMIT = 200_000  # entries; cleared when full, to bound a long-running worker's memory

    def __init__(self) -> None:
        self.vocab: Container[str] | None = None
        self.words: dict[str, Token] = {}
        self.hashtags: dict[str, tuple[Token, ...]] = {}

    def for_vocab(self, vocab: Container[str]) -> _WordCache:
        if vocab is not self.vocab or len(self.words) + len(self.hashtags) > self.LIMIT:
            self.vocab = vocab
            self.words = {}
            self.hashtags = {}
        return self


_cache = _WordCache()


def _word(value: str, vocab: Container[str]) -> Token:
    low = value.lower()
    if value in ("xD", "xd"):  # the emoticon (see _TOKEN)
        return Token(low, "emoticon")
    elongated = False
    if _ELONGATED.search(low):
        low = collapse_elongation(low, vocab)
        elongated = True
    return Token(low, "word", elongated, len(value) > 2 and value.isupper())


def _hashtag(value: str, vocab: Container[str]) -> tuple[Token, ...]:
    tokens = []
    for part in split_hashtag(value, vocab):
        if part.isdigit():
            continue
        if _ELONGATED.search(part):
            part = collapse_elongation(part, vocab)
        tokens.append(Token(part, "word", hashtag=True))
    return tuple(tokens)


def tokenize(text: str, known: Container[str] | None = None) -> list[Token]:
    """Tokens of a post, normalised; `known` is the vocabulary used for hashtags and elongation."""
    vocab: Container[str] = known if known is not None else ()
    cache = _cache.for_vocab(vocab)
    words, hashtags = cache.words, cache.hashtags
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(strip_noise(text)):
        group = m.lastindex
        value = m.group()
        if group == _WORD:
            token = words.get(value)
            if token is None:
                token = words[value] = _word(value, vocab)
            append(token)
        elif group == _HASHTAG:
            parts = hashtags.get(value)
            if parts is None:
                parts = hashtags[value] = _hashtag(value, vocab)
            tokens.extend(parts)
        elif group == _EMOJI_GROUP:
            append(Token(value, "emoji"))
        elif group == _EMOTICON_GROUP:
            append(Token(value.lower(), "emoticon"))
        else:
            append(Token(value, "punct"))
    return tokens


def words_only(text: str) -> list[str]:
    """Lower-cased words of a text, links, handles and hashtags removed (for language ID)."""
    return [
        low
        for m in _TOKEN.finditer(strip_noise(text))
        if m.lastindex == _WORD and m.group() not in ("xD", "xd") and (low := m.group().lower())
    ]
