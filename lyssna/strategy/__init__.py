"""The strategy playbook: the company's social media strategy, written down and enforced.

Each workspace keeps it in `$LYSSNA_HOME/workspaces/<workspace>/strategy.yaml` (schema in
docs/strategy.md). This package reads
and checks it (`validate`), measures goals against the listening data (`report`), shows where the
conversation is (`channels`), checks texts (`textcheck`) and channel profiles (`profiles`).
"""

from __future__ import annotations

from pathlib import Path

from lyssna.core.errors import ConflictError
from lyssna.strategy.loader import STRATEGY_FILE_NAME, Problem
from lyssna.strategy.schema import Strategy
from lyssna.strategy.validate import check_file, check_text, load_strategy

EXAMPLES = Path(__file__).parent / "examples"
EXAMPLE_FILE = EXAMPLES / "elvara.yaml"
TEMPLATE_FILE = EXAMPLES / "template.yaml"


def strategy_path(home: Path, workspace: str) -> Path:
    """Where a workspace's strategy lives: one file per workspace, next to its other files."""
    return home / "workspaces" / workspace / STRATEGY_FILE_NAME


def write_strategy(
    home: Path, workspace: str, *, example: bool = False, force: bool = False
) -> Path:
    """Write the blank template (or the Elvåra example) as the workspace's strategy."""
    path = strategy_path(home, workspace)
    if path.exists() and not force:
        raise ConflictError(f"{path} already exists; edit it, or use --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    source = EXAMPLE_FILE if example else TEMPLATE_FILE
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return path


__all__ = [
    "EXAMPLE_FILE",
    "TEMPLATE_FILE",
    "Problem",
    "Strategy",
    "check_file",
    "check_text",
    "load_strategy",
    "strategy_path",
    "write_strategy",
]
