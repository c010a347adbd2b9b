"""Demo data: an invented Nordic company, its competitors and a realistic stream of mentions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lyssna.demo.company import (
    DEMO_COMPANY,
    DemoBrand,
    DemoCompany,
    DemoCompetitor,
    demo_topics,
)

if TYPE_CHECKING:
    from lyssna.demo.generator import generate, write_jsonl

__all__ = [
    "DEMO_COMPANY",
    "DemoBrand",
    "DemoCompany",
    "DemoCompetitor",
    "demo_topics",
    "generate",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `python -m lyssna.demo.generator` does not load the module twice.
    if name in ("generate", "write_jsonl"):
        from lyssna.demo import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
