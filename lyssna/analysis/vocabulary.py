"""The word list used to split hashtags and undo elongation: lexicon words plus the words the
language model knows. Training and run time must use the same list, so it lives in one place."""

from __future__ import annotations

from functools import lru_cache

from lyssna.analysis.language import default_model
from lyssna.analysis.lexicon import known_words


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    words = known_words()
    words.update(f[2:] for f in default_model().index if f.startswith("w:") and len(f) > 3)
    return frozenset(words)
