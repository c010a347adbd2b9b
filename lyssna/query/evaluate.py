"""Matching parsed queries against mentions, and finding the words to highlight.

A query is compiled once into nested closures (`compile_node`), so matching a mention costs a
few dictionary and set look-ups per term instead of a walk over the tree with type dispatch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lyssna.query import tokens
from lyssna.query.parser import And, Field, Near, NearSide, Node, Not, Or, Phrase, Term
from lyssna.query.tokens import TokenKind

Predicate = Callable[["MatchDocument"], bool]
Span = tuple[int, int]  # first and last token position, inclusive


class MatchDocument:
    """One mention, tokenised once and shared by every topic it is matched against.

    Only the lower-cased words are computed up front (that is all most topics need); the
    position index, token kinds and character spans are computed when a query first asks.
    """

    __slots__ = (
        "text",
        "words",
        "word_set",
        "lang",
        "lang_variant",
        "channel",
        "author",
        "host",
        "sentiment",
        "_index",
        "_kinds",
        "_spans",
        "_joined",
    )

    text: str
    words: list[str]
    word_set: frozenset[str] | set[str]
    lang: str | None
    lang_variant: str | None
    channel: str | None
    author: str | None
    host: str | None
    sentiment: str | None
    _index: dict[str, list[int]] | None
    _kinds: list[TokenKind] | None
    _spans: list[tuple[int, int]] | None
    _joined: str | None

    @classmethod
    def build(
        cls,
        text: str,
        *,
        lang: str | None = None,
        lang_variant: str | None = None,
        channel: str | None = None,
        author: str | None = None,
        host: str | None = None,
        sentiment: str | None = None,
    ) -> MatchDocument:
        doc = cls.__new__(cls)
        doc.text = text
        doc.words = tokens.words(text)
        doc.word_set = set(doc.words)
        # Field values are normalised here exactly as the parser normalises query values,
        # and as lyssna.query.sql compares them in the database.
        doc.lang = lang.lower() if lang else None
        doc.lang_variant = lang_variant.lower() if lang_variant else None
        doc.channel = channel.lower() if channel else None
        doc.author = author.lstrip("@").lower() if author else None
        doc.host = host.lower() if host else None
        doc.sentiment = sentiment.lower() if sentiment else None
        doc._index = doc._kinds = doc._spans = doc._joined = None
        return doc

    def __repr__(self) -> str:
        return f"MatchDocument({self.text!r})"

    @property
    def index(self) -> dict[str, list[int]]:
        """Word -> its positions, in increasing order."""
        if self._index is None:
            index: dict[str, list[int]] = {}
            for position, word in enumerate(self.words):
                index.setdefault(word, []).append(position)
            self._index = index
        return self._index

    @property
    def kinds(self) -> list[TokenKind]:
        if self._kinds is None:
            self._kinds = tokens.kinds(self.text)
        return self._kinds

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Character span of each token in `text`."""
        if self._spans is None:
            self._spans = tokens.spans(self.text)
        return self._spans

    @property
    def joined(self) -> str:
        """The distinct words between spaces, for substring (Aho-Corasick) prefilters."""
        if self._joined is None:
            self._joined = " " + " ".join(self.word_set) + " "
        return self._joined


# --- word patterns -----------------------------------------------------------------------------

_ONE_LETTER = r"[^\W\d_]"


def word_test(term: Term) -> Callable[[str], bool]:
    """A test on one lower-cased word, ignoring the kind."""
    if "?" in term.text:
        pattern = _ONE_LETTER.join(re.escape(part) for part in term.text.split("?"))
        regex = re.compile(pattern + (".*" if term.prefix else ""), re.DOTALL)
        return lambda word: regex.fullmatch(word) is not None
    if term.prefix:
        stem = term.text
        return lambda word: word.startswith(stem)
    text = term.text
    return lambda word: word == text


def _term_positions(term: Term) -> Callable[[MatchDocument], list[int]]:
    kind = term.kind
    if not term.is_wildcard:
        text = term.text

        def exact(doc: MatchDocument) -> list[int]:
            found = doc.index.get(text, [])
            if kind is None or not found:
                return found
            kinds = doc.kinds
            return [p for p in found if kinds[p] == kind]

        return exact

    test = word_test(term)

    def wildcard(doc: MatchDocument) -> list[int]:
        index = doc.index
        found = sorted(p for word in doc.word_set if test(word) for p in index[word])
        if kind is None or not found:
            return found
        kinds = doc.kinds
        return [p for p in found if kinds[p] == kind]

    return wildcard


def _term_predicate(term: Term) -> Predicate:
    if term.kind is None:
        if not term.is_wildcard:
            text = term.text
            return lambda doc: text in doc.word_set
        if term.prefix and "?" not in term.text:
            # Some word starts with the stem: one C-speed substring search over " w1 w2 ... ".
            needle = " " + term.text
            return lambda doc: needle in doc.joined
        test = word_test(term)
        return lambda doc: any(test(word) for word in doc.word_set)
    positions = _term_positions(term)
    return lambda doc: bool(positions(doc))


def _phrase_starts(phrase: Phrase) -> Callable[[MatchDocument], list[int]]:
    first, *rest = [_term_positions(term) for term in phrase.terms]

    def starts(doc: MatchDocument) -> list[int]:
        found = first(doc)
        for offset, positions in enumerate(rest, start=1):
            if not found:
                break
            following = set(positions(doc))
            found = [p for p in found if p + offset in following]
        return found

    return starts


def _side_spans(side: NearSide) -> Callable[[MatchDocument], list[Span]]:
    """Token spans where one side of a NEAR occurs."""
    if isinstance(side, Term):
        positions = _term_positions(side)
        return lambda doc: [(p, p) for p in positions(doc)]
    if isinstance(side, Phrase):
        starts, length = _phrase_starts(side), len(side.terms)
        return lambda doc: [(p, p + length - 1) for p in starts(doc)]
    alternatives = [_side_spans(child) for child in side.children]  # type: ignore[arg-type]
    return lambda doc: [span for alternative in alternatives for span in alternative(doc)]


def near_pairs(near: Near) -> Callable[[MatchDocument], Iterable[tuple[Span, Span]]]:
    """Pairs of (left, right) spans that satisfy the NEAR.

    Distance is measured between the nearest ends of the two spans: adjacent words are 1 apart.
    The spans may not overlap, so `kaffe NEAR/3 kaffe` needs two occurrences of kaffe.
    """
    left, right, distance, ordered = (
        _side_spans(near.left),
        _side_spans(near.right),
        near.distance,
        near.ordered,
    )

    def pairs(doc: MatchDocument) -> Iterable[tuple[Span, Span]]:
        lefts = left(doc)
        if not lefts:
            return
        rights = right(doc)
        for a in lefts:
            for b in rights:
                if 0 < b[0] - a[1] <= distance:
                    yield a, b
                elif not ordered and 0 < a[0] - b[1] <= distance:
                    yield a, b

    return pairs


def _field_predicate(node: Field) -> Predicate:
    value = node.value
    if node.name == "lang":
        return lambda doc: doc.lang == value or doc.lang_variant == value
    if node.name == "channel":
        return lambda doc: doc.channel == value
    if node.name == "author":
        return lambda doc: doc.author == value
    if node.name == "sentiment":
        return lambda doc: doc.sentiment == value
    if node.name == "site":
        suffix = "." + value
        return lambda doc: doc.host is not None and (doc.host == value or doc.host.endswith(suffix))
    raise AssertionError(f"unknown field {node.name}")  # the parser admits no others


def _cost(node: Node) -> int:
    """Rough evaluation cost, so that AND and OR try cheap children first."""
    if isinstance(node, Field):
        return 0
    if isinstance(node, Term):
        return 3 if node.is_wildcard else 1
    if isinstance(node, Phrase):
        return 4
    if isinstance(node, Near):
        return 6
    if isinstance(node, Not):
        return _cost(node.child)
    return sum(_cost(child) for child in node.children)


def compile_node(node: Node) -> Predicate:
    """A function that tells whether a document matches `node`."""
    if isinstance(node, Term):
        return _term_predicate(node)
    if isinstance(node, Phrase):
        starts = _phrase_starts(node)
        return lambda doc: bool(starts(doc))
    if isinstance(node, Near):
        pairs = near_pairs(node)
        return lambda doc: next(iter(pairs(doc)), None) is not None
    if isinstance(node, Field):
        return _field_predicate(node)
    if isinstance(node, Not):
        child = compile_node(node.child)
        return lambda doc: not child(doc)
    if isinstance(node, Or):
        return _any_of(node)
    children = [compile_node(c) for c in sorted(node.children, key=_cost)]
    if isinstance(node, And):

        def all_of(doc: MatchDocument) -> bool:
            for child in children:
                if not child(doc):
                    return False
            return True

        return all_of

    raise AssertionError(f"unknown node {node!r}")  # the parser makes no others


def _any_of(node: Or) -> Predicate:
    """OR, with its plain words tested as one set and its word* stems as one regex search:
    topics are often long lists of product names and inflected words."""
    words: list[Term] = []
    stems: list[Term] = []
    others: list[Node] = []
    for child in node.children:
        if isinstance(child, Term) and child.kind is None and not child.is_wildcard:
            words.append(child)
        elif isinstance(child, Term) and child.kind is None and "?" not in child.text:
            stems.append(child)  # a plain word*
        else:
            others.append(child)
    checks: list[Predicate] = []
    if len(words) > 1:
        word_set = frozenset(t.text for t in words)
        checks.append(lambda doc: not word_set.isdisjoint(doc.word_set))
    else:
        others.extend(words)
    if len(stems) > 1:
        # some word starts with a stem: the joined words are " w1 w2 ... " (see _term_predicate)
        pattern = re.compile("|".join(" " + re.escape(t.text) for t in stems))
        checks.append(lambda doc: pattern.search(doc.joined) is not None)
    else:
        others.extend(stems)
    checks.extend(compile_node(c) for c in sorted(others, key=_cost))
    if len(checks) == 1:
        return checks[0]

    def any_of(doc: MatchDocument) -> bool:
        for check in checks:
            if check(doc):
                return True
        return False

    return any_of


# --- highlighting ------------------------------------------------------------------------------


def _matched_positions(node: Node, doc: MatchDocument) -> set[int] | None:
    """Token positions that make `node` match, or None when it does not match."""
    if isinstance(node, Term):
        found = _term_positions(node)(doc)
        return set(found) if found else None
    if isinstance(node, Phrase):
        length = len(node.terms)
        starts = _phrase_starts(node)(doc)
        return {p + i for p in starts for i in range(length)} if starts else None
    if isinstance(node, Near):
        pairs = near_pairs(node)(doc)
        positions = {p for pair in pairs for first, last in pair for p in range(first, last + 1)}
        return positions or None
    if isinstance(node, Field):
        return set() if _field_predicate(node)(doc) else None
    if isinstance(node, Not):
        # The words of a NOT are exactly those absent; nothing of it is worth highlighting.
        return None if compile_node(node.child)(doc) else set()
    results = [_matched_positions(child, doc) for child in node.children]
    if isinstance(node, And):
        if any(result is None for result in results):
            return None
        return set().union(*results)  # type: ignore[arg-type]
    matched = [result for result in results if result is not None]
    return set().union(*matched) if matched else None


def highlight(node: Node, doc: MatchDocument) -> list[tuple[int, int]]:
    """Character spans (start, end) in `doc.text` of the words that made `node` match."""
    positions = _matched_positions(node, doc)
    if not positions:
        return []
    spans = doc.spans
    return [spans[p] for p in sorted(positions)]
