"""Teaching a workspace's analyser: people's corrections, pinned terms, and learning from both.

A correction takes effect at once for its mention; every `AUTO_LEARN_EVERY` corrections the
workspace's model is adapted again (also on demand: `lyssna analysis learn`). A pinned term
re-scores the stored mentions that contain it, except those a person corrected.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, update

from lyssna.analysis import Analyzer, PinnedTerm, WorkspaceAdaptation, learn, load_analyzer
from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.core.records import SENTIMENTS
from lyssna.query import parse
from lyssna.storage import accounts, rollups
from lyssna.storage import sentiment_rules as store
from lyssna.storage.database import write_transaction
from lyssna.storage.schema import mentions
from lyssna.storage.search import MentionFilter, iter_matching

AUTO_LEARN_EVERY = 10
# One correction in five (chosen by mention id, so the split is stable) is held out to show
# what learning changed on texts it did not learn from.
_HOLD_OUT_MODULO = 5
_MIN_FOR_HOLD_OUT = 10


def _check_sentiment(sentiment: str) -> None:
    if sentiment not in SENTIMENTS:
        raise UserError(f"unknown sentiment {sentiment!r}: use {', '.join(SENTIMENTS)}")


def _build_analyzer(pins: tuple[PinnedTerm, ...], adaptation: dict[str, Any] | None) -> Analyzer:
    return load_analyzer(
        pinned=pins,
        adaptation=WorkspaceAdaptation.from_json(adaptation) if adaptation else None,
    )


def analyzer_factory(conn: Connection, workspace_id: int) -> functools.partial[Analyzer]:
    """A picklable recipe for the workspace's analyser (its pins and adapted model)."""
    pins = tuple(
        PinnedTerm(r.term, r.sentiment, r.lang)  # type: ignore[arg-type]
        for r in store.list_rules(conn, workspace_id)
    )
    model = store.load_model(conn, workspace_id)
    return functools.partial(_build_analyzer, pins, model.adaptation if model else None)


@dataclass(frozen=True, slots=True)
class LearnReport:
    corrections: int
    held_out: int
    accuracy_before: float | None  # on the held-out corrections, before learning
    accuracy_after: float | None  # on the same, after learning from the others


def _accuracy(analyzer: Analyzer, items: Sequence[store.CorrectedText]) -> float | None:
    if not items:
        return None
    verdicts = analyzer.analyse_many([i.text for i in items], [i.lang for i in items])
    return sum(v.sentiment == i.sentiment for v, i in zip(verdicts, items, strict=True)) / len(
        items
    )


def learn_from_corrections(engine: Engine, workspace_id: int) -> LearnReport:
    """Adapt the workspace's model to every correction so far and store it."""
    with engine.connect() as conn:
        items = store.corrected_texts(conn, workspace_id)
        pins = analyzer_factory(conn, workspace_id).args[0]
    if not items:
        raise UserError("no corrections yet: correct a few mentions' sentiment first")
    held = [i for i in items if i.mention_id % _HOLD_OUT_MODULO == 0]
    if len(items) < _MIN_FOR_HOLD_OUT or not held or len(held) == len(items):
        held = []
    train = [i for i in items if i not in held]
    before = _accuracy(load_analyzer(pinned=pins), held)
    after = None
    if held:
        trial = learn([(i.text, i.lang, i.sentiment) for i in train])  # type: ignore[misc]
        after = _accuracy(load_analyzer(pinned=pins, adaptation=trial), held)
    final = learn([(i.text, i.lang, i.sentiment) for i in items])  # type: ignore[misc]
    with write_transaction(engine) as conn:
        store.save_model(
            conn,
            workspace_id,
            store.StoredModel(final.to_json(), len(items), len(held), before, after, utcnow()),
        )
    return LearnReport(len(items), len(held), before, after)


def correct(
    engine: Engine, workspace_id: int, mention_id: int, sentiment: str, user_id: int | None = None
) -> LearnReport | None:
    """Correct a mention's sentiment now; relearn when enough new corrections piled up."""
    _check_sentiment(sentiment)
    with write_transaction(engine) as conn:
        with rollups.recount(conn, workspace_id, [mention_id]):  # dashboard counts follow
            accounts.correct_sentiment(conn, workspace_id, mention_id, user_id, sentiment)
        total = len(store.corrected_texts(conn, workspace_id))
        model = store.load_model(conn, workspace_id)
    learned_from = model.corrections_used if model else 0
    if total - learned_from >= AUTO_LEARN_EVERY:
        return learn_from_corrections(engine, workspace_id)
    return None


def pin(
    engine: Engine, workspace_id: int, term: str, sentiment: str, lang: str | None = None
) -> int:
    """Pin a term to a sentiment; returns how many stored mentions were re-scored."""
    _check_sentiment(sentiment)
    term = " ".join(term.split())
    if not term or '"' in term:
        raise UserError("a pinned term is one or more words, without quotes")
    with write_transaction(engine) as conn:
        store.add_rule(conn, workspace_id, store.Rule(term, sentiment, lang))
    return rescore(engine, workspace_id, term)


def unpin(engine: Engine, workspace_id: int, term: str) -> int:
    term = " ".join(term.split())
    with write_transaction(engine) as conn:
        store.remove_rule(conn, workspace_id, term)
    return rescore(engine, workspace_id, term)


def rescore(engine: Engine, workspace_id: int, term: str) -> int:
    """Analyse again the stored mentions containing `term`, leaving people's corrections alone."""
    query = parse(f'"{term}"')
    with write_transaction(engine) as conn:
        analyzer = analyzer_factory(conn, workspace_id)()
        corrected = store.corrected_mention_ids(conn, workspace_id)
        found = [
            m
            for m in iter_matching(conn, workspace_id, MentionFilter(query=query))
            if m.id not in corrected
        ]
        if not found:
            return 0
        verdicts = analyzer.analyse_many([m.text for m in found], [m.lang for m in found])
        # Dashboard counts follow the new sentiments (lyssna.storage.rollups).
        with rollups.recount(conn, workspace_id, [m.id for m in found]):
            conn.execute(
                update(mentions)
                .where(mentions.c.id == bindparam("target"))
                .values(
                    sentiment=bindparam("s"),
                    sentiment_score=bindparam("score"),
                    explanation=bindparam("why"),
                    updated_at=bindparam("now"),
                ),
                [
                    {
                        "target": m.id,
                        "s": v.sentiment,
                        "score": v.sentiment_score,
                        "why": [
                            {"kind": r.kind, "text": r.text, "weight": r.weight}
                            for r in v.explanation or ()
                        ],
                        "now": utcnow(),
                    }
                    for m, v in zip(found, verdicts, strict=True)
                ],
            )
    return len(found)
