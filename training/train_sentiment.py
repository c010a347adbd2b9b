"""Train the fast sentiment model shipped in lyssna/analysis/models/sentiment.npz.

Usage: .venv/bin/python -m training.train_sentiment   (needs scikit-learn, training only)

Data (see docs/analysis.md for citations): NoReC_sentence train (no), AngryTweets and DaNLP
Twitter Sentiment (da), ABSAbank-Imm (sv), XED Finnish (fi); one record in five of each set
without a dev file is held out (training/common.py) and never seen here. The regularisation
strength is picked on a further inner split of the training part. Fixed seed, deterministic.
"""

from __future__ import annotations

import zlib
from collections import Counter

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from lyssna.analysis.sentiment import CLASSES, GENERIC, GENERIC_SETS, MODEL_PATH, extract
from lyssna.analysis.text import tokenize
from lyssna.analysis.vocabulary import vocabulary
from training.common import SEED, TRAINABLE, train_rows

MIN_COUNT = 2
N_COMMON = 300


def featurise(rows: list[dict]) -> list[dict[str, float]]:
    known = vocabulary()
    out = []
    for r in rows:
        feats = extract(tokenize(r["text"], known), r["lang"]).sparse
        feats = dict(feats)
        feats["lang:" + r["lang"]] = 1.0
        out.append(feats)
    return out


def matrix(docs: list[dict[str, float]], index: dict[str, int]) -> csr_matrix:
    data, cols, ptr = [], [], [0]
    for d in docs:
        for f, v in d.items():
            j = index.get(f)
            if j is not None:
                cols.append(j)
                data.append(v)
        ptr.append(len(cols))
    return csr_matrix((data, cols, ptr), shape=(len(docs), len(index)), dtype=np.float64)


def fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=SEED)
    return model.fit(x, y)


def macro_by_lang(model, x, y, langs) -> float:
    pred = model.predict(x)
    scores = [
        f1_score(y[langs == lg], pred[langs == lg], average="macro") for lg in sorted(set(langs))
    ]
    return float(np.mean(scores))


def main() -> None:
    rows = [r for name in TRAINABLE for r in train_rows(name)]
    generic_ids = {r["id"] for name in GENERIC_SETS for r in train_rows(name)}
    docs = featurise(rows)
    y = np.array([CLASSES.index(r["label"]) for r in rows])
    langs = np.array([r["lang"] for r in rows])
    counts: Counter[str] = Counter(f for d in docs for f in d)
    vocab = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocab)}
    x = matrix(docs, index)
    inner = np.array([zlib.crc32(f"inner:{r['id']}".encode()) % 5 == 0 for r in rows])
    best_c, best = 1.0, -1.0
    for c in (0.1, 0.3, 1.0):
        m = fit(x[~inner], y[~inner], c)
        score = macro_by_lang(m, x[inner], y[inner], langs[inner])
        print(f"full model C={c}: inner macro-F1 {score:.4f}")
        if score > best:
            best_c, best = c, score
    full = fit(x, y, best_c)
    gindex = {f: i for i, f in enumerate(GENERIC)}
    tweets = np.array([r["id"] in generic_ids for r in rows])
    gx = matrix([d for d, k in zip(docs, tweets, strict=True) if k], gindex)
    generic = fit(gx, y[tweets], 1.0)
    fit_score = macro_by_lang(generic, gx, y[tweets], langs[tweets])
    print(f"generic model, train macro-F1 {fit_score:.4f}")
    common = [
        f[2:]
        for f, _ in Counter(f for d in docs for f in d if f.startswith("w:")).most_common(N_COMMON)
    ]
    weights = full.coef_.T.astype(np.float32)  # (features, classes)
    keep = np.abs(weights).max(axis=1) > 1e-3
    kept = [f for f, k in zip(vocab, keep, strict=True) if k]
    np.savez_compressed(
        MODEL_PATH,
        features=np.array("\n".join(kept)),
        weights=weights[keep].astype(np.float16),
        bias=full.intercept_.astype(np.float32),
        generic_features=np.array("\n".join(GENERIC)),
        generic_weights=generic.coef_.T.astype(np.float32),
        generic_bias=generic.intercept_.astype(np.float32),
        common=np.array("\n".join(common)),
    )
    print(
        f"C={best_c}; wrote {MODEL_PATH} ({len(kept)} features, {MODEL_PATH.stat().st_size} bytes)"
    )
    print("generic weights (neg, neu, pos):")
    for f, row in zip(GENERIC, generic.coef_.T, strict=True):
        print(f"  {f:8s} " + " ".join(f"{v:+.2f}" for v in row))


if __name__ == "__main__":
    main()
