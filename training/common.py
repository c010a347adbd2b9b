"""Shared by the training scripts and the accuracy benchmark: where the data is, how it is split.

A set that has no dev file is split by a stable hash of the record id: one record in five is held
out and never trained on, so benchmarks can score on it. Change nothing here without retraining.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SEED = 20240601

# (folder/file, language) of every set a shipped model may be trained on (see the data README).
TRAINABLE = {
    "norec-sentence": ("norec-sentence/train.jsonl", "no"),
    "angry-tweets": ("angry-tweets/train.jsonl", "da"),
    "twitter-sent-da": ("twitter-sent-da/train.jsonl", "da"),
    "absabank-imm": ("absabank-imm/train.jsonl", "sv"),
    "xed-fi": ("xed-fi/train.jsonl", "fi"),
}
# Sets with their own dev file: the train file is used whole, the dev file is the held-out part.
DEV_FILES = {"norec-sentence": "norec-sentence/dev.jsonl"}
# Evaluation only: never trained on.
EVAL_ONLY = {
    "tweeteval-sentiment": ("tweeteval-sentiment/validation.jsonl", "en"),
    "swedish-reviews": ("swedish-reviews/dev.jsonl", "sv"),
    "twitter-us-airline": ("twitter-us-airline/stream.jsonl", "en"),
}


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def held_out(record_id: str) -> bool:
    """True for the fifth of a train file that is kept for evaluation."""
    return zlib.crc32(f"{SEED}:{record_id}".encode()) % 5 == 0


def train_rows(name: str) -> list[dict]:
    path, _ = TRAINABLE[name]
    rows = list(read_jsonl(DATA / path))
    if name in DEV_FILES:
        return rows
    return [r for r in rows if not held_out(str(r["id"]))]


def eval_rows(name: str) -> list[dict]:
    """Rows of a set that no shipped model was trained on."""
    if name in DEV_FILES:
        return list(read_jsonl(DATA / DEV_FILES[name]))
    if name in EVAL_ONLY:
        return list(read_jsonl(DATA / EVAL_ONLY[name][0]))
    path, _ = TRAINABLE[name]
    return [r for r in read_jsonl(DATA / path) if held_out(str(r["id"]))]


def data_present() -> bool:
    return DATA.is_dir() and (DATA / "README.md").exists()
