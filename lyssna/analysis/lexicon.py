"""The hand-written sentiment lexicons and rule words in `lexicon/` (see its README)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicon"
LEXICON_LANGS: tuple[str, ...] = ("sv", "no", "da", "fi", "en")
MIN_STEM = 3


@dataclass(slots=True)
class LanguageLexicon:
    words: dict[str, float] = field(default_factory=dict)
    stems: dict[str, float] = field(default_factory=dict)  # "hyv" for "hyv*"
    phrases: dict[tuple[str, ...], float] = field(default_factory=dict)
    negators: frozenset[str] = frozenset()
    intensifiers: dict[str, float] = field(default_factory=dict)
    contrasts: frozenset[str] = frozenset()
    max_stem: int = 0
    phrase_starts: frozenset[str] = frozenset()
    # words that start a phrase or are negators, contrasts or intensifiers: the rest of a
    # post's words only need their score
    special: frozenset[str] = frozenset()
    # word -> its score (or None): the stem search is worth doing once per word
    _scores: dict[str, float | None] = field(default_factory=dict, repr=False, compare=False)

    def score(self, word: str) -> float | None:
        """The polarity of one word, by exact match and then by the longest matching stem."""
        scores = self._scores
        if word in scores:
            return scores[word]
        if len(scores) > 200_000:  # bound a long-running worker's memory
            scores.clear()
        s = scores[word] = self._score(word)
        return s

    def _score(self, word: str) -> float | None:
        s = self.words.get(word)
        if s is not None:
            return s
        if self.stems:
            for end in range(min(len(word), self.max_stem), MIN_STEM - 1, -1):
                s = self.stems.get(word[:end])
                if s is not None:
                    return s
        return None


def _rows(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@lru_cache(maxsize=1)
def load_lexicons() -> dict[str, LanguageLexicon]:
    """One lexicon per language, plus "*" that merges them all for text of unknown language."""
    lexicons = {lang: LanguageLexicon() for lang in LEXICON_LANGS}
    for lang in LEXICON_LANGS:
        lex = lexicons[lang]
        for term, value in _rows(LEXICON_DIR / f"{lang}.tsv"):
            add_term(lex, term, float(value))
    negators: dict[str, set[str]] = {lang: set() for lang in LEXICON_LANGS}
    contrasts: dict[str, set[str]] = {lang: set() for lang in LEXICON_LANGS}
    for kind, lang, term, value in _rows(LEXICON_DIR / "_rules.tsv"):
        if kind == "negator":
            negators[lang].add(term)
        elif kind == "contrast":
            contrasts[lang].add(term)
        elif kind == "intensifier":
            lexicons[lang].intensifiers[term] = float(value)
    for lang in LEXICON_LANGS:
        lexicons[lang].negators = frozenset(negators[lang])
        lexicons[lang].contrasts = frozenset(contrasts[lang])
    merged = LanguageLexicon()
    # Finnish "en"/"et"/"ei" are articles or pronouns elsewhere: not negators in unknown text.
    merged_neg: set[str] = set()
    for lang in ("en", "da", "no", "fi", "sv"):  # later languages win on a clash
        lex = lexicons[lang]
        merged.words.update(lex.words)
        merged.stems.update(lex.stems)
        merged.phrases.update(lex.phrases)
        merged.intensifiers.update(lex.intensifiers)
        merged_neg |= lex.negators - {"en", "et", "ei", "no"}
        merged.contrasts = merged.contrasts | lex.contrasts
    merged.negators = frozenset(merged_neg)
    for lex in lexicons.values():
        lex.phrase_starts = frozenset(p[0] for p in lex.phrases)
    merged.phrase_starts = frozenset(p[0] for p in merged.phrases)
    for lex in (*lexicons.values(), merged):
        lex.special = lex.phrase_starts | lex.negators | lex.contrasts | frozenset(lex.intensifiers)
    merged.max_stem = max(len(s) for s in merged.stems)
    lexicons["*"] = merged
    return lexicons


def add_term(lex: LanguageLexicon, term: str, value: float) -> None:
    term = term.strip().lower()
    if " " in term:
        lex.phrases[tuple(term.split())] = value
    elif term.endswith("*") and len(term) > MIN_STEM:
        stem = term[:-1]
        lex.stems[stem] = value
        lex.max_stem = max(lex.max_stem, len(stem))
    else:
        lex.words[term] = value


@lru_cache(maxsize=1)
def load_emoji() -> dict[str, float]:
    return {term: float(value) for term, value in _rows(LEXICON_DIR / "emoji.tsv")}


def known_words() -> set[str]:
    """Every word the lexicons know (for hashtag splitting and elongation)."""
    words: set[str] = set()
    for lex in load_lexicons().values():
        words.update(lex.words)
        words.update(lex.intensifiers)
        words.update(lex.negators)
        for phrase in lex.phrases:
            words.update(phrase)
    return words
