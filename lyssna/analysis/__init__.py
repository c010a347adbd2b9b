"""Language and sentiment of posts: pure functions over text, no storage, no platforms."""

from lyssna.analysis.adaptation import WorkspaceAdaptation, learn
from lyssna.analysis.analyzer import Analyzer, PinnedTerm, load_analyzer
from lyssna.analysis.language import detect_language

__all__ = [
    "Analyzer",
    "PinnedTerm",
    "WorkspaceAdaptation",
    "detect_language",
    "learn",
    "load_analyzer",
]
