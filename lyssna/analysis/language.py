"""Language identification for sv, no (nb/nn), da, fi and en, tuned for short posts.

A multinomial naive Bayes over character 1-4-grams and whole words, trained by
`training/train_language.py` (model in `models/langid.npz`). Norwegian is then split into Bokmål
and Nynorsk by marker words, which is cheap and reliable when a marker is there. Text without
letters is "und". (Norwegian-only/Danish-only marker words and an ä/ö vs æ/ø letter rule on top
of the model were tried and did not help; a logistic regression on the same features learnt the
corpora's domains more than their languages.)
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from lyssna.analysis.text import words_only

LANGS: tuple[str, ...] = ("sv", "no", "da", "fi", "en")
MODEL_PATH = Path(__file__).parent / "models" / "langid.npz"
MAX_CHARS = 240  # the start of a long text says as much as all of it

# Words that mark Nynorsk or Bokmål (only used once a text is known to be Norwegian).
_NYNORSK = frozenset(
    "ikkje eg kva korleis kvifor kven kvar ho dei deira frå berre noko nokon nokre mykje heilt "
    "eit ein vere vera vore vart òg sjølv saman fekk korkje hjå seier gjer gjekk kjem kome meir "
    "difor sidan heime eigen eigentleg enno anna medan utan tykkjer høyrer framleis sume likar "
    "ynskje fleire dykk dykkar me einaste dårleg vanleg gjera sjå".split()
)
_BOKMAL = frozenset(
    "ikke jeg hva hvordan hvorfor hvem hvor hun de fra bare noe noen mye helt et en være vært "
    "ble selv sammen fikk hos sier gjør gikk kommer komme mer derfor siden hjemme egen egentlig "
    "ennå annen annet mens uten synes hører fortsatt liker flere vet dere deres eneste dårlig "
    "vanlig".split()
)


class LanguageModel:
    """The trained naive Bayes tables: feature -> row of log P(feature | language)."""

    __slots__ = ("index", "table", "prior", "prior_list", "_cache")

    def __init__(self, features: list[str], table: np.ndarray, prior: np.ndarray) -> None:
        self.index = {f: i for i, f in enumerate(features)}
        self.table = table.astype(np.float64)
        self.prior = prior.astype(np.float64)
        self.prior_list = [float(x) for x in self.prior]
        # word -> (its summed log-likelihoods, number of features): posts repeat words a lot
        self._cache: dict[str, tuple[tuple[float, ...], int]] = {}

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> LanguageModel:
        with np.load(path, allow_pickle=False) as z:
            features = str(z["features"]).split("\n")
            return cls(features, z["table"], z["prior"])

    def rows(self, word: str) -> list[int]:
        """Indices of the known features of one word: itself and its 1-4-grams."""
        index = self.index
        rows: list[int] = []
        i = index.get("w:" + word)
        if i is not None:
            rows.append(i)
        padded = f" {word} "
        n = len(padded)
        for size in (1, 2, 3, 4):
            for start in range(n - size + 1):
                j = index.get(padded[start : start + size])
                if j is not None:
                    rows.append(j)
        return rows

    def word_score(self, word: str) -> tuple[tuple[float, ...], int]:
        hit = self._cache.get(word)
        if hit is None:
            rows = self.rows(word)
            summed = self.table[rows].sum(axis=0) if rows else np.zeros(len(LANGS))
            hit = (tuple(float(x) for x in summed), len(rows))
            if len(self._cache) > 300_000:  # bound the memory of a long-running worker
                self._cache.clear()
            self._cache[word] = hit
        return hit

    def scores(self, words: list[str]) -> tuple[list[float], int]:
        # five plain accumulators: faster than numpy for a handful of words
        s0 = s1 = s2 = s3 = s4 = 0.0
        n = 0
        cache = self._cache
        for w in words:
            hit = cache.get(w) or self.word_score(w)
            summed, count = hit
            if count:
                s0 += summed[0]
                s1 += summed[1]
                s2 += summed[2]
                s3 += summed[3]
                s4 += summed[4]
                n += count
        p0, p1, p2, p3, p4 = self.prior_list
        return [s0 + p0, s1 + p1, s2 + p2, s3 + p3, s4 + p4], n


@lru_cache(maxsize=1)
def default_model() -> LanguageModel:
    return LanguageModel.load()


def norwegian_variant(words: list[str]) -> str | None:
    """'nn' or 'nb' when marker words say so, else None."""
    nn = sum(1 for w in words if w in _NYNORSK)
    nb = sum(1 for w in words if w in _BOKMAL)
    if nn > nb:
        return "nn"
    if nb > nn:
        return "nb"
    return None


def _softmax(x: list[float]) -> list[float]:
    top = max(x)
    e = [math.exp(v - top) for v in x]
    total = sum(e)
    return [v / total for v in e]


def detect_words(
    words: list[str], model: LanguageModel | None = None
) -> tuple[str, str | None, float]:
    """Like detect_language, for words already extracted and lower-cased."""
    if not words or sum(len(w) for w in words) < 2:
        return "und", None, 0.0
    m = model or default_model()
    total = 0
    kept: list[str] = []
    for w in words:
        kept.append(w)
        total += len(w) + 1
        if total > MAX_CHARS:
            break
    scores, n = m.scores(kept)
    if n == 0:
        return "und", None, 0.0
    # Naive Bayes is over-confident; dividing by a growing temperature keeps the confidence of a
    # two-word post honest while long texts still reach ~1.0.
    temperature = max(1.0, math.sqrt(n) / 2.0)
    probs = _softmax([s / temperature for s in scores])
    conf = max(probs)
    lang = LANGS[probs.index(conf)]
    variant = norwegian_variant(words) if lang == "no" else None
    return lang, variant, round(conf, 4)


def detect_language(text: str) -> tuple[str, str | None, float]:
    """(lang, variant, confidence): ISO 639-1 code or "und", "nb"/"nn" for Norwegian, 0..1."""
    return detect_words(words_only(text))
