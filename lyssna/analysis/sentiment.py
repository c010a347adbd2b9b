"""The fast sentiment path: lexicon rules feeding a small trained linear model.

Each post becomes a few dozen features: its words and word pairs (negated words marked), its
emoji, and the summed lexicon polarity after negation, intensifiers and contrast ("men", "but")
have been applied. A three-class logistic regression (`models/sentiment.npz`, trained by
`training/train_sentiment.py`) turns them into probabilities. Because the model is linear, the
contribution of every word, emoji and rule to the verdict can be read off directly: that is the
explanation.

English has no training set we may ship a model from, so English (and text of unknown language)
is scored by a second model with only the language-neutral features (lexicon sums, emoji,
punctuation), fitted on the Danish tweets: the hand-written English lexicon carries it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from lyssna.analysis.lexicon import LanguageLexicon, load_emoji, load_lexicons
from lyssna.analysis.text import Token
from lyssna.core.records import SENTIMENTS, Sentiment

MODEL_PATH = Path(__file__).parent / "models" / "sentiment.npz"
CLASSES: tuple[Sentiment, ...] = SENTIMENTS  # negative, neutral, positive: the model's order
NEG_SCOPE = 3  # a negator governs the next sentiment word within three words
NEGATED_POSITIVE = -0.6  # "inte bra": clearly negative, but less than "dålig"
NEGATED_NEGATIVE = -0.3  # "ikke dårlig": mildly positive at most
CONTRAST_BEFORE = 0.6  # "bra men dyrt": what comes after "men" decides
SHOUT = 1.3
ELONGATION = 1.3
STEM = 5
LEX_CAP = 6.0
LEX_SCALE = 1.0  # lexicon sums enter the model as min(sum, LEX_CAP) * LEX_SCALE
RULE_WEIGHT = 0.5  # lexicon sums added straight to the logits, on top of the learned weights
GENERIC = ("LEXPOS", "LEXNEG", "EMOPOS", "EMONEG", "NEG", "EXCL", "QUES", "SHOUT", "ELONG")
# The language-neutral model is fitted on the Danish tweet sets only (the closest domain to posts
# in other languages) and without the text-length feature, whose meaning differs between corpora.
GENERIC_SETS = ("angry-tweets", "twitter-sent-da")


@dataclass(slots=True)
class Cue:
    """One thing in the text that carries polarity, with where it came from."""

    kind: str  # "word", "phrase", "negation", "intensifier", "emoji", "emoticon"
    text: str
    value: float  # lexicon polarity after the rules (negation, intensifier, contrast)
    feature: str | None  # the model's own feature for this token ("w:bra"), if any


@dataclass(slots=True)
class Features:
    """What the model sees of one text."""

    sparse: dict[str, float]  # model features and their values
    cues: list[Cue]  # lexicon cues, for the explanation
    lang: str
    parts: dict[str, tuple[str, ...]]  # word feature -> its stem and ending features


def extract(
    tokens: list[Token], lang: str, masked: Iterable[int] = (), sure: bool = True
) -> Features:
    """Turn tokens into model features. Tokens at `masked` positions are ignored (pinned terms).

    `sure=False` (language guessed with low confidence) uses all lexicons merged.
    """
    lexicons = load_lexicons()
    lex: LanguageLexicon = (lexicons.get(lang) if sure else None) or lexicons["*"]
    emoji = load_emoji()
    skip = set(masked)
    special, score, keys_get = lex.special, lex.score, _KEYS.get
    sparse: dict[str, float] = {}
    parts: dict[str, tuple[str, ...]] = {}
    cues: list[Cue] = []
    words: list[str] = []  # current clause, for word pairs
    neg_left = 0  # words still governed by the last negator
    neg_word = ""
    intensity = 1.0
    pending_intensifier = ""
    negated_any = False
    excl = ques = shout = elong = 0
    n_words = 0
    contrast_at = -1  # index in cues where the last contrast word fell
    prev_word = ""
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if i in skip:
            i += 1
            continue
        kind = tok.kind
        if kind == "punct":
            if "!" in tok.text:
                excl += 1
            if "?" in tok.text:
                ques += 1
            neg_left = 0
            words = []
            prev_word = ""
            i += 1
            continue
        if kind in ("emoji", "emoticon"):
            value = emoji.get(tok.text)
            sparse["e:" + tok.text] = sparse.get("e:" + tok.text, 0.0) + 1.0
            if value is not None:
                cues.append(Cue(kind, tok.text, value, "e:" + tok.text))
            i += 1
            continue
        w = tok.text
        n_words += 1
        if w in special:
            # A lexicon phrase ("aldrig mer", "kan lide") beats its words one by one.
            if w in lex.phrase_starts and i + 1 < n:
                matched = _match_phrase(lex, tokens, i, skip)
                if matched:
                    length, value = matched
                    phrase = " ".join(t.text for t in tokens[i : i + length])
                    cues.append(Cue("phrase", phrase, value * intensity, "p:" + phrase))
                    sparse["p:" + phrase] = 1.0
                    intensity, pending_intensifier, neg_left = 1.0, "", 0
                    i += length
                    continue
            if w in lex.negators:
                neg_left, neg_word, negated_any = NEG_SCOPE, w, True
                # Scandinavian word order puts the verb first: "jeg liker ikke" negates "liker".
                if cues and cues[-1].kind == "word" and cues[-1].text == prev_word and lang != "en":
                    last = cues[-1]
                    last.value = _negate(last.value)
                    last.kind, last.text = "negation", f"{prev_word} {w}"
                    if last.feature:
                        sparse.pop(last.feature, None)
                        moved = parts.pop(last.feature, ())
                        last.feature = "w:!" + prev_word
                        sparse[last.feature] = 1.0
                        if moved:
                            parts[last.feature] = moved
                    neg_left = 0
                _add_word(sparse, parts, words, w, False)
                prev_word = w
                i += 1
                continue
            if w in lex.contrasts:
                contrast_at = len(cues)
                neg_left = 0
            boost = lex.intensifiers.get(w)
            if boost is not None:
                intensity *= boost
                pending_intensifier = (pending_intensifier + " " + w).strip()
                _add_word(sparse, parts, words, w, neg_left > 0)
                prev_word = w
                i += 1
                continue
        negated = neg_left > 0
        value = score(w)
        if value is not None:
            value *= intensity
            if tok.shouting:
                value *= SHOUT
                shout += 1
            if tok.elongated:
                value *= ELONGATION
                elong += 1
            label = w
            cue_kind = "intensifier" if pending_intensifier else "word"
            if pending_intensifier:
                label = f"{pending_intensifier} {w}"
            if negated:
                value = _negate(value)
                label = f"{neg_word} {label}"
                cue_kind = "negation"
                neg_left = 0
            cues.append(Cue(cue_kind, label, value, ("w:!" if negated else "w:") + w))
            intensity, pending_intensifier = 1.0, ""
        elif tok.elongated:
            elong += 1
        # the word's features (as _add_word, inlined: this is the loop's hot path)
        keys = keys_get(w) or _keys(w)
        key, stem, ending = keys[3:] if negated else keys[:3]
        sparse[key] = 1.0
        if stem is not None and ending is not None:
            sparse[stem] = sparse[ending] = 1.0
            parts[key] = (stem, ending)
        if words:
            sparse["b:" + words[-1] + " " + w] = 1.0
        words.append(w)
        if neg_left:
            neg_left -= 1
        prev_word = w
        i += 1
    if contrast_at > 0:
        for cue in cues[:contrast_at]:
            cue.value *= CONTRAST_BEFORE
    pos = sum(c.value for c in cues if c.value > 0 and c.kind not in ("emoji", "emoticon"))
    neg = -sum(c.value for c in cues if c.value < 0 and c.kind not in ("emoji", "emoticon"))
    epos = sum(c.value for c in cues if c.value > 0 and c.kind in ("emoji", "emoticon"))
    eneg = -sum(c.value for c in cues if c.value < 0 and c.kind in ("emoji", "emoticon"))
    for name, v in (("LEXPOS", pos), ("LEXNEG", neg), ("EMOPOS", epos), ("EMONEG", eneg)):
        if v:
            sparse[name] = min(v, LEX_CAP) * LEX_SCALE
    for name, flag in (
        ("NEG", negated_any),
        ("EXCL", excl),
        ("QUES", ques),
        ("SHOUT", shout),
        ("ELONG", elong),
    ):
        if flag:
            sparse[name] = 1.0
    sparse["LEN"] = math.log1p(n_words) / 3.0
    return Features(sparse, cues, lang, parts)


def _negate(value: float) -> float:
    return value * (NEGATED_POSITIVE if value > 0 else NEGATED_NEGATIVE)


# word -> its feature names: (word, stem, ending), then the same negated; stem and ending are
# None for short words. Built once per word: posts repeat words, and string building is slow.
_KEYS: dict[str, tuple[str, str | None, str | None, str, str | None, str | None]] = {}


def _keys(w: str) -> tuple[str, str | None, str | None, str, str | None, str | None]:
    keys = _KEYS.get(w)
    if keys is None:
        if len(_KEYS) > 200_000:  # bound a long-running worker's memory
            _KEYS.clear()
        if len(w) > STEM + 1:
            # A crude stem and the ending: inflected forms ("hyvää", "hyvältä") share what the
            # whole word cannot, and endings carry morphology (Finnish -ton "without", -lig).
            stem, ending = w[:STEM], "x:" + w[-3:]
            keys = ("w:" + w, "s:" + stem, ending, "w:!" + w, "s:!" + stem, ending)
        else:
            keys = ("w:" + w, None, None, "w:!" + w, None, None)
        _KEYS[w] = keys
    return keys


def _add_word(
    sparse: dict[str, float],
    parts: dict[str, tuple[str, ...]],
    clause: list[str],
    w: str,
    negated: bool,
) -> None:
    keys = _keys(w)
    key, stem, ending = keys[3:] if negated else keys[:3]
    sparse[key] = 1.0
    if stem is not None and ending is not None:
        sparse[stem] = sparse[ending] = 1.0
        parts[key] = (stem, ending)
    if clause:
        sparse["b:" + clause[-1] + " " + w] = 1.0
    clause.append(w)


def _match_phrase(
    lex: LanguageLexicon, tokens: list[Token], i: int, skip: set[int]
) -> tuple[int, float] | None:
    for length in (3, 2):
        if i + length > len(tokens):
            continue
        window = tokens[i : i + length]
        if any(t.kind != "word" for t in window) or any(i + k in skip for k in range(length)):
            continue
        value = lex.phrases.get(tuple(t.text for t in window))
        if value is not None:
            return length, value
    return None


class LinearModel:
    """Three-class logistic regression over named features."""

    __slots__ = (
        "index",
        "weights",
        "bias",
        "generic_index",
        "generic_weights",
        "generic_bias",
        "common",
        "margins",
        "generic_margins",
    )

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as z:
            features = str(z["features"]).split("\n")
            self.weights = z["weights"].astype(np.float64)
            self.bias = z["bias"].astype(np.float64)
            generic = str(z["generic_features"]).split("\n")
            self.generic_weights = z["generic_weights"].astype(np.float64)
            self.generic_bias = z["generic_bias"].astype(np.float64)
            self.common = frozenset(str(z["common"]).split("\n"))
        # Rows as plain tuples: summing a handful of them in Python beats numpy's call overhead.
        self.index = {f: tuple(self.weights[i]) for i, f in enumerate(features)}
        self.generic_index = {f: tuple(self.generic_weights[i]) for i, f in enumerate(generic)}
        # positive-minus-negative logit per feature: what the explanation reports
        self.margins = {f: row[2] - row[0] for f, row in self.index.items()}
        self.generic_margins = {f: row[2] - row[0] for f, row in self.generic_index.items()}

    def margins_for(self, lang: str) -> dict[str, float]:
        return self.margins if lang in ("sv", "no", "da", "fi") else self.generic_margins

    def table_for(self, lang: str) -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
        """Nordic text gets the full model; English and unknown text the language-neutral one."""
        if lang in ("sv", "no", "da", "fi"):
            return self.index, tuple(self.bias)
        return self.generic_index, tuple(self.generic_bias)

    def logits(
        self, feats: Features, extra: Mapping[str, tuple[float, ...]] | None = None
    ) -> list[float]:
        table, bias = self.table_for(feats.lang)
        o0, o1, o2 = bias  # three plain floats: this loop runs for every feature of every post
        lang_row = table.get("lang:" + feats.lang)
        if lang_row:
            o0, o1, o2 = o0 + lang_row[0], o1 + lang_row[1], o2 + lang_row[2]
        get = table.get
        for f, v in feats.sparse.items():
            row = get(f)
            if row is not None:
                o0 += row[0] * v
                o1 += row[1] * v
                o2 += row[2] * v
        if extra:
            for f, v in feats.sparse.items():
                row = extra.get(f)
                if row is not None:
                    o0 += row[0] * v
                    o1 += row[1] * v
                    o2 += row[2] * v
        if RULE_WEIGHT:
            sp = feats.sparse
            o2 += RULE_WEIGHT * (sp.get("LEXPOS", 0.0) + sp.get("EMOPOS", 0.0))
            o0 += RULE_WEIGHT * (sp.get("LEXNEG", 0.0) + sp.get("EMONEG", 0.0))
        return [o0, o1, o2]


@lru_cache(maxsize=1)
def default_model() -> LinearModel:
    return LinearModel()


def softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]
