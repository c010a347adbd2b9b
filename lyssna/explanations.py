"""Why a stored mention got its sentiment, worked out when a person looks at it.

Ingest stores the verdict without its reasons (working them out costs as much as the verdict,
and almost nobody reads the reasons of most mentions). A page of the explorer or the API fills
them in here, with the workspace's analyser as it is now (its pinned terms and what it has
learned). Mentions re-scored after a pin or a correction keep the reasons stored with them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection

from lyssna.corrections import analyzer_factory
from lyssna.storage.search import StoredMention


def with_explanations(
    conn: Connection, workspace_id: int, found: Sequence[StoredMention]
) -> list[StoredMention]:
    """`found`, each with its reasons (worked out for those stored without them)."""
    missing = [m for m in found if m.explanation is None]
    if not missing:
        return list(found)
    analyzer = analyzer_factory(conn, workspace_id)()
    verdicts = analyzer.analyse_many([m.text for m in missing], [m.lang for m in missing])
    reasons = {m.id: v.explanation or () for m, v in zip(missing, verdicts, strict=True)}
    return [
        dataclasses.replace(m, explanation=reasons[m.id]) if m.id in reasons else m for m in found
    ]
