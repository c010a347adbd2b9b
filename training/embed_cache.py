"""Embeddings of whole data sets for training and benchmarks, cached on disk (never in the repo).

The cache lives in $LYSSNA_EMBED_CACHE (default ~/.cache/lyssna/embeddings), one .npy (embeddings)
or .npz (latent terms) per set and part, keyed by a hash of the texts so a changed set is
re-embedded.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from lyssna.analysis.accurate import embed, latent_terms

CACHE = Path(os.environ.get("LYSSNA_EMBED_CACHE", Path.home() / ".cache/lyssna/embeddings"))


def _digest(texts: list[str]) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]


def cached_embeddings(name: str, texts: list[str]) -> np.ndarray:
    path = CACHE / f"{name}-{_digest(texts)}.npy"
    if path.exists():
        return np.load(path)
    vectors = embed(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def cached_terms(name: str, texts: list[str], dim: int) -> csr_matrix:
    """Latent terms (log1p activations, as the run time uses them) as a (texts, dim) matrix."""
    path = CACHE / f"{name}-terms-{_digest(texts)}.npz"
    if not path.exists():
        terms = latent_terms(texts)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez(
            path,
            lens=np.array([len(i) for i, _ in terms]),
            idx=np.concatenate([i for i, _ in terms]),
            val=np.concatenate([v for _, v in terms]),
        )
    with np.load(path) as z:
        ptr = np.concatenate([[0], np.cumsum(z["lens"])])
        return csr_matrix((z["val"], z["idx"], ptr), shape=(len(z["lens"]), dim))
