"""Embeddings of whole data sets for training and benchmarks, cached on disk (never in the repo).

The cache lives in $LYSSNA_EMBED_CACHE (default ~/.cache/lyssna/embeddings), one .npy per set and
part, keyed by a hash of the texts so a changed set is re-embedded.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from lyssna.analysis.accurate import embed

CACHE = Path(os.environ.get("LYSSNA_EMBED_CACHE", Path.home() / ".cache/lyssna/embeddings"))


def cached_embeddings(name: str, texts: list[str]) -> np.ndarray:
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = embed(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
