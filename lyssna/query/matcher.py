"""Matching one mention against many topics at once.

Each topic's query is reduced to a set of *anchors*: literals of which at least one must occur in
any mention the query matches. Exact words go into a dictionary, prefixes and wildcard fragments
into one Aho-Corasick automaton run over the mention's words. Only topics with an anchor present
are evaluated in full, plus the few that can match without any word at all (pure NOT, fields
only), so the cost of a mention grows with the topics it may match, not with all topics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

import ahocorasick

from lyssna.query.evaluate import MatchDocument
from lyssna.query.parser import And, Field, Near, Node, Not, Or, Phrase, Query, Term

K = TypeVar("K")

# An anchor: ("word", w) means the word w occurs (any kind); ("text", s) means the string s
# occurs in " word1 word2 ... " (so " kaff" is a word starting with kaff).
Anchor = tuple[str, str]
Anchors = frozenset[Anchor] | None  # None: the query may match without any anchor


def _term_anchors(term: Term) -> Anchors:
    if not term.is_wildcard:
        return frozenset({("word", term.text)})
    first, *others = term.text.split("?")
    if first:
        return frozenset({("text", " " + first)})
    longest = max(others, key=len)
    return frozenset({("text", longest)}) if longest else None


def _strength(anchors: frozenset[Anchor]) -> tuple[int, int]:
    # Fewer alternatives, then longer literals (rarer), make a more selective prefilter.
    shortest = min(len(text) + (1 if kind == "word" else 0) for kind, text in anchors)
    return len(anchors), -shortest


def _best(candidates: list[Anchors]) -> Anchors:
    """Anchors of a conjunction: any one child's anchors will do, so take the strongest."""
    known = [anchors for anchors in candidates if anchors is not None]
    return min(known, key=_strength) if known else None


def _union(candidates: list[Anchors]) -> Anchors:
    """Anchors of a disjunction: every alternative must contribute."""
    if any(anchors is None for anchors in candidates):
        return None
    return frozenset().union(*candidates)  # type: ignore[arg-type]


def anchors(node: Node) -> Anchors:
    """Literals of which at least one occurs in every mention that `node` matches."""
    if isinstance(node, Term):
        return _term_anchors(node)
    if isinstance(node, Phrase):
        return _best([_term_anchors(term) for term in node.terms])
    if isinstance(node, Near):
        return _best([anchors(node.left), anchors(node.right)])
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, And):
        return _best([anchors(child) for child in node.children])
    assert isinstance(node, Or)
    return _union([anchors(child) for child in node.children])


class TopicMatcher(Generic[K]):
    """Compile many topics once; `match` a mention against all of them at once."""

    def __init__(self, topics: Mapping[K, Query]) -> None:
        self._keys: list[K] = list(topics)
        self._tests: list[Callable[[MatchDocument], bool]] = [
            topics[k].compiled() for k in self._keys
        ]
        self._by_word: dict[str, list[int]] = {}
        by_text: dict[str, list[int]] = {}
        self._always: list[int] = []
        for number, key in enumerate(self._keys):
            found = anchors(topics[key].root)
            if found is None:
                self._always.append(number)
                continue
            for kind, text in found:
                (self._by_word if kind == "word" else by_text).setdefault(text, []).append(number)
        self._automaton: ahocorasick.Automaton | None = None
        if by_text:
            self._automaton = ahocorasick.Automaton()
            for text, numbers in by_text.items():
                self._automaton.add_word(text, numbers)
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._keys)

    def candidates(self, doc: MatchDocument) -> set[int]:
        """Numbers of the topics worth evaluating for `doc` (a superset of the matches)."""
        found = set(self._always)
        by_word = self._by_word
        if len(doc.word_set) <= len(by_word):
            for word in doc.word_set:
                numbers = by_word.get(word)
                if numbers:
                    found.update(numbers)
        else:
            for word in by_word.keys() & doc.word_set:
                found.update(by_word[word])
        if self._automaton is not None:
            for _, numbers in self._automaton.iter(doc.joined):
                found.update(numbers)
        return found

    def match(self, doc: MatchDocument) -> list[K]:
        """Keys of the topics whose query matches `doc`, in the order the topics were given."""
        tests, keys = self._tests, self._keys
        return [keys[n] for n in sorted(self.candidates(doc)) if tests[n](doc)]
