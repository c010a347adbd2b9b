"""Train the language identifier shipped in lyssna/analysis/models/langid.npz.

A multinomial naive Bayes over character 1-4-grams and whole words. (A logistic regression on the
same features was tried: it learnt the corpora's domains, docstrings vs tweets, more than their
languages, and read English tweets as Nordic far more often.)

Usage: .venv/bin/python -m training.train_language

Data: the train parts of the sets a shipped model may use (training/common.py holds one record in
five out), one language each: sv ABSAbank-Imm, no NoReC_sentence, da AngryTweets and DaNLP
Twitter Sentiment, fi XED. None of them is English, so English comes from the docstrings of
Python's own standard library (PSF licence; only n-gram counts are shipped) and the short lines in
training/english_seed.txt written for Lyssna. Deterministic: same data, same model.
"""

from __future__ import annotations

import inspect
import random
import sys
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

from lyssna.analysis.language import LANGS, MODEL_PATH
from lyssna.analysis.text import words_only
from training.common import SEED, train_rows

MIN_COUNT = 3
WORD_WEIGHT = 3.0  # a whole known word is stronger evidence than one of its n-grams
ALPHA = 0.5  # additive smoothing
MAX_PER_LANG = 400_000  # characters of text per language, so no language dominates the counts


def features(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        out.append("w:" + w)
        padded = f" {w} "
        for size in (1, 2, 3, 4):
            out.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return out


def english_texts() -> list[str]:
    seed = Path(__file__).with_name("english_seed.txt").read_text(encoding="utf-8")
    texts = [line for line in seed.splitlines() if line and not line.startswith("#")] * 20
    stdlib = sorted(set(sys.stdlib_module_names))
    for name in stdlib:
        if name.startswith("_") or name in {"antigravity", "this", "idlelib", "tkinter"}:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = __import__(name)
        except Exception:  # noqa: BLE001 - some stdlib modules need a platform we lack
            continue
        for _, obj in inspect.getmembers(module):
            doc = inspect.getdoc(obj) if callable(obj) else None
            if doc:
                texts.extend(p for p in doc.split("\n\n") if len(p) > 20 and ">>>" not in p)
    return texts


def corpus() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for name in ("absabank-imm", "norec-sentence", "angry-tweets", "twitter-sent-da", "xed-fi"):
        for row in train_rows(name):
            texts[row["lang"]].append(row["text"])
    texts["en"] = english_texts()
    rng = random.Random(SEED)
    for lang in LANGS:
        rng.shuffle(texts[lang])
    return texts


def main() -> None:
    counts: dict[str, Counter[str]] = {}
    for lang, texts in corpus().items():
        c: Counter[str] = Counter()
        used = 0
        for t in texts:
            if used > MAX_PER_LANG:
                break
            words = words_only(t)
            used += sum(len(w) + 1 for w in words)
            c.update(features(words))
        counts[lang] = c
        print(f"{lang}: {used} characters, {len(c)} features")
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    vocab = sorted(f for f, n in total.items() if n >= MIN_COUNT)
    table = np.zeros((len(vocab), len(LANGS)), dtype=np.float32)
    is_word = np.array([f.startswith("w:") for f in vocab])
    for j, lang in enumerate(LANGS):
        c = counts[lang]
        col = np.array([c.get(f, 0) for f in vocab], dtype=np.float64)
        # word and n-gram features are two separate multinomials, each normalised on its own
        for mask, weight in ((is_word, WORD_WEIGHT), (~is_word, 1.0)):
            denom = col[mask].sum() + ALPHA * mask.sum()
            table[mask, j] = weight * np.log((col[mask] + ALPHA) / denom)
    prior = np.zeros(len(LANGS), dtype=np.float32)  # posts come in any mix of languages
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        MODEL_PATH,
        features=np.array("\n".join(vocab)),
        table=table.astype(np.float16),
        prior=prior,
    )
    print(f"wrote {MODEL_PATH} ({len(vocab)} features, {MODEL_PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
