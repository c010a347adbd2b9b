"""Corrections take effect at once, teach the workspace's analyser, and pinned terms re-score."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lyssna import corrections
from lyssna.core.errors import NotFoundError, UserError
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage.schema import mentions

PRODUCT_TEXTS = [
    "Nya Katastrofkaffe finns nu i butik",
    "Fick min Katastrofkaffe idag",
    "Katastrofkaffe smakar som vanligt",
    "Provade Katastrofkaffe till frukost",
]


def ingest(ctx, texts, start=0):
    records = [
        RawRecord(
            "test", i, {"id": str(i), "text": t, "created_at": "2026-11-20T10:00:00Z", "lang": "sv"}
        )
        for i, t in enumerate(texts, start=start)
    ]
    return Ingestor(ctx.engine, ctx.workspace.id, workers=1).ingest_records(records)


def sentiments(ctx) -> dict[str, str]:
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(mentions.c.external_id, mentions.c.sentiment))
        return {r.external_id: r.sentiment for r in rows}


def mention_id(ctx, external_id: str) -> int:
    with ctx.engine.connect() as conn:
        return conn.execute(
            select(mentions.c.id).where(mentions.c.external_id == external_id)
        ).scalar_one()


def test_pinned_term_rescores_stored_and_new_mentions(workspace):
    ingest(workspace, PRODUCT_TEXTS[:2])
    assert set(sentiments(workspace).values()) == {"negative"}
    assert (
        corrections.pin(workspace.engine, workspace.workspace.id, "Katastrofkaffe", "neutral") == 2
    )
    assert set(sentiments(workspace).values()) == {"neutral"}
    ingest(workspace, PRODUCT_TEXTS[2:], start=2)  # new mentions use the pinned term too
    assert set(sentiments(workspace).values()) == {"neutral"}
    corrections.unpin(workspace.engine, workspace.workspace.id, "Katastrofkaffe")
    assert set(sentiments(workspace).values()) == {"negative"}
    with pytest.raises(NotFoundError):
        corrections.unpin(workspace.engine, workspace.workspace.id, "Katastrofkaffe")


def test_correction_is_used_at_once_and_kept_through_rescoring(workspace):
    ingest(workspace, PRODUCT_TEXTS[:2])
    corrections.correct(
        workspace.engine, workspace.workspace.id, mention_id(workspace, "0"), "positive"
    )
    assert sentiments(workspace)["0"] == "positive"
    corrections.pin(workspace.engine, workspace.workspace.id, "Katastrofkaffe", "neutral")
    assert sentiments(workspace) == {"0": "positive", "1": "neutral"}
    with pytest.raises(UserError):
        corrections.correct(
            workspace.engine, workspace.workspace.id, mention_id(workspace, "1"), "glad"
        )


def test_learning_from_corrections_changes_later_verdicts(workspace):
    # The company's own slang: "grymt" about their service is praise, "segt" a complaint.
    praise = [f"Supporten var grymt snabb idag, ärende {i}" for i in range(8)]
    complaints = [f"Segt segt segt med appen igen, ärende {i}" for i in range(8)]
    ingest(workspace, praise + complaints)
    for i in range(8):
        corrections.correct(
            workspace.engine, workspace.workspace.id, mention_id(workspace, str(i)), "positive"
        )
        corrections.correct(
            workspace.engine, workspace.workspace.id, mention_id(workspace, str(8 + i)), "negative"
        )
    report = corrections.learn_from_corrections(workspace.engine, workspace.workspace.id)
    assert report.corrections == 16
    assert report.held_out > 0 and report.accuracy_after is not None
    assert report.accuracy_after >= (report.accuracy_before or 0)
    ingest(workspace, ["Grymt snabb support igen", "Segt med appen"], start=100)
    now = sentiments(workspace)
    assert now["100"] == "positive" and now["101"] == "negative"
