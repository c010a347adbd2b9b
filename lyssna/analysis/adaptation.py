"""Workspace adaptation: people's corrections teach the analyser a company's own vocabulary.

A `WorkspaceAdaptation` is a sparse set of weight changes on top of the shipped model, keyed by
the same features the model uses (words, word pairs, emoji). `learn` fits them to corrections with
a few epochs of logistic-regression steps (so words recurring across corrections gather weight),
then passive-aggressive updates that make every correction win by a margin: one correction
already changes that text's verdict, and a handful teach a word. Very common function words are
left alone so they do not soak up the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lyssna.analysis.language import detect_words
from lyssna.analysis.sentiment import CLASSES, default_model, extract, softmax
from lyssna.analysis.text import tokenize
from lyssna.analysis.vocabulary import vocabulary
from lyssna.core.records import Sentiment

FORMAT_VERSION = 1
MARGIN = 1.0  # the corrected class must win by this much (in logits)
EPOCHS = 10
SGD_EPOCHS = 30
LEARNING_RATE = 0.3
L2 = 0.002
MAX_STEP = 4.0
_LEARNABLE = ("w:", "b:", "e:", "p:")


@dataclass
class WorkspaceAdaptation:
    """Per-workspace weight changes: feature -> (negative, neutral, positive) logit deltas."""

    weights: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    corrections: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "corrections": self.corrections,
            "weights": {f: [round(v, 5) for v in w] for f, w in sorted(self.weights.items())},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> WorkspaceAdaptation:
        if d.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown workspace adaptation version {d.get('version')!r}")
        weights: dict[str, tuple[float, float, float]] = {}
        for f, w in d.get("weights", {}).items():
            if len(w) != 3:
                raise ValueError(f"weights for {f!r} must have three values")
            weights[f] = (float(w[0]), float(w[1]), float(w[2]))
        return cls(weights, int(d.get("corrections", 0)))


def learn(
    corrections: Sequence[tuple[str, str | None, Sentiment]],
    base: WorkspaceAdaptation | None = None,
) -> WorkspaceAdaptation:
    """Adapt (a copy of) `base` to (text, lang, corrected sentiment) triples."""
    model = default_model()
    known = vocabulary()
    start = base.weights if base else {}
    weights: dict[str, list[float]] = {f: list(w) for f, w in start.items()}
    examples = []
    for text, lang, sentiment in corrections:
        if sentiment not in CLASSES:
            raise ValueError(f"unknown sentiment {sentiment!r}")
        tokens = tokenize(text, known)
        if lang is None:
            lang = detect_words([t.text for t in tokens if t.kind == "word" and not t.hashtag])[0]
        feats = extract(tokens, lang)
        learnable = [
            f
            for f in feats.sparse
            if f.startswith(_LEARNABLE) and not (f.startswith("w:") and f[2:] in model.common)
        ]
        if not learnable:  # only function words: learn from them rather than from nothing
            learnable = [f for f in feats.sparse if f.startswith(_LEARNABLE)]
        examples.append((feats, learnable, CLASSES.index(sentiment)))
    table = model.index
    # 1) A few epochs of logistic-regression steps: words that recur across corrections with the
    #    same verdict gather weight, words the shipped model never saw learn twice as fast.
    epochs = max(5, min(SGD_EPOCHS, 20_000 // max(1, len(examples))))
    for _ in range(epochs):
        for feats, learnable, target in examples:
            frozen = {f: (w[0], w[1], w[2]) for f, w in weights.items() if f in feats.sparse}
            probs = softmax(model.logits(feats, frozen))
            grad = [(1.0 if k == target else 0.0) - probs[k] for k in range(3)]
            for f in learnable:
                rate = LEARNING_RATE * (2.0 if f not in table else 1.0) * feats.sparse[f]
                row = weights.setdefault(f, [0.0, 0.0, 0.0])
                for k in range(3):
                    row[k] = row[k] * (1.0 - L2) + rate * grad[k]
    # 2) Passive-aggressive passes: every correction must now win by MARGIN, moving only as far
    #    as needed.
    for _ in range(EPOCHS):
        changed = False
        for feats, learnable, target in examples:
            frozen = {f: (w[0], w[1], w[2]) for f, w in weights.items() if f in feats.sparse}
            logits = model.logits(feats, frozen)
            rival = max((k for k in range(3) if k != target), key=lambda k: logits[k])
            margin = logits[target] - logits[rival]
            if margin >= MARGIN or not learnable:
                continue
            norm = sum(feats.sparse[f] ** 2 for f in learnable)
            step = min(MAX_STEP, (MARGIN - margin) / (2.0 * norm))
            for f in learnable:
                row = weights.setdefault(f, [0.0, 0.0, 0.0])
                row[target] += step * feats.sparse[f]
                row[rival] -= step * feats.sparse[f]
            changed = True
        if not changed:
            break
    done = {
        f: (round(w[0], 5), round(w[1], 5), round(w[2], 5))
        for f, w in weights.items()
        if any(abs(v) > 1e-5 for v in w)
    }
    return WorkspaceAdaptation(done, (base.corrections if base else 0) + len(corrections))
