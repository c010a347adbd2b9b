"""Ingest stores verdicts without their reasons; the reasons are worked out when someone looks."""

from __future__ import annotations

from sqlalchemy import select

from lyssna import corrections
from lyssna.analysis import load_analyzer
from lyssna.explanations import with_explanations
from lyssna.storage.schema import mentions
from lyssna.storage.search import mentions_by_id
from tests.corrections.test_corrections import ingest, mention_id

TEXTS = ["Riktigt dålig service, aldrig mer", "Fantastiskt bra kaffe, tack!"]


def test_reasons_are_worked_out_on_reading_with_the_workspace_model(workspace):
    ingest(workspace, TEXTS)
    ws = workspace.workspace.id
    with workspace.engine.connect() as conn:
        stored = conn.execute(select(mentions.c.explanation)).scalars().all()
        assert stored == [None, None]  # ingest leaves them out
        ids = [mention_id(workspace, "0"), mention_id(workspace, "1")]
        found = list(mentions_by_id(conn, ws, ids).values())
        explained = with_explanations(conn, ws, found)
    expected = load_analyzer().analyse_many(TEXTS, ["sv", "sv"])
    by_text = {m.text: m.explanation for m in explained}
    for text, verdict in zip(TEXTS, expected, strict=True):
        assert by_text[text] == verdict.explanation
        assert by_text[text]  # each of these texts has words that carry sentiment
    words = {r.text for r in by_text[TEXTS[0]]}
    assert "dålig" in " ".join(words)


def test_pinned_terms_show_in_reasons_worked_out_later(workspace):
    ingest(workspace, ["Katastrofkaffe finns nu i butik"])
    ws = workspace.workspace.id
    # A pin rescores stored mentions (and stores their reasons); a mention ingested after the
    # pin is explained lazily and must show the pin as well.
    corrections.pin(workspace.engine, ws, "Katastrofkaffe", "neutral")
    ingest(workspace, ["Katastrofkaffe smakar som vanligt"], start=1)
    with workspace.engine.connect() as conn:
        later = mentions_by_id(conn, ws, [mention_id(workspace, "1")])
        assert [m.explanation for m in later.values()] == [None]
        (explained,) = with_explanations(conn, ws, list(later.values()))
        (rescored,) = mentions_by_id(conn, ws, [mention_id(workspace, "0")]).values()
    assert any(r.kind == "pinned" for r in explained.explanation or ())
    assert any(r.kind == "pinned" for r in rescored.explanation or ())
