"""Export files as a source, through `lyssna listen`'s runner into a workspace on both
databases: growing files read once each, half-written lines left for later, bad lines
quarantined, CSV, a replaced file, a missing folder."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select

from lyssna.connectors import manage
from lyssna.connectors.runner import Runner
from lyssna.storage import quarantine
from lyssna.storage.schema import mentions
from tests.connectors.conftest import fast_http


def line(n: int, text: str, **more: object) -> str:
    record = {"id": f"r{n}", "text": text, "created_at": "2026-11-20T09:00:00Z", **more}
    return json.dumps(record, ensure_ascii=False) + "\n"


def poll(workspace):
    return asyncio.run(Runner(workspace, http_factory=fast_http).run_once())[0]


def stored(workspace) -> dict[str, tuple[str, str]]:
    with workspace.engine.connect() as conn:
        rows = conn.execute(select(mentions.c.external_id, mentions.c.channel, mentions.c.text))
        return {r.external_id: (r.channel, r.text) for r in rows}


def test_a_growing_export_folder(workspace, tmp_path: Path):
    folder = tmp_path / "exports"
    folder.mkdir()
    export = folder / "a.jsonl"
    export.write_text(
        line(1, "Elvåra svarar snabbt 👍", channel="x")
        + "{not json\n"
        + line(2, "Strömavbrott igen \u202eevil\u202c")
        + '{"id": "r3", "text": "halvskriv',  # still being written
        encoding="utf-8",
    )
    manage.add_source(workspace, "file", "exporter", {"path": str(folder)})

    first = poll(workspace)
    assert first.ok, first.error
    assert (first.new, first.quarantined) == (2, 1)
    assert stored(workspace) == {
        "r1": ("x", "Elvåra svarar snabbt 👍"),
        "r2": ("file", "Strömavbrott igen \u202eevil\u202c"),
    }
    with workspace.engine.connect() as conn:
        (bad,) = quarantine.list_recent(conn, workspace.workspace.id, 10)
    assert "{not json" in bad.payload and bad.reason
    assert bad.reason.startswith("a.jsonl line 2: not JSON")

    with export.open("a", encoding="utf-8") as f:
        f.write('et", "created_at": "2026-11-20T10:00:00Z"}\n')
        f.write(line(4, "Fakturan kom i dag", brand_new_field=1))
    (folder / "b.csv").write_text(
        "id,text,created_at\nc1,Kundtjänst svarade direkt,2026-11-21T08:00:00Z\n",
        encoding="utf-8",
    )
    second = poll(workspace)
    assert (second.new, second.quarantined) == (3, 0)
    assert "brand_new_field" in second.unknown_fields
    assert set(stored(workspace)) == {"r1", "r2", "r3", "r4", "c1"}
    assert stored(workspace)["r3"][1] == "halvskrivet"

    assert poll(workspace).new == 0  # nothing new: nothing read twice

    export.write_text(line(9, "En ny export"), encoding="utf-8")  # replaced by a shorter file
    assert poll(workspace).new == 1
    assert "r9" in stored(workspace)


def test_a_missing_folder_is_reported(workspace, tmp_path: Path):
    manage.add_source(workspace, "file", "borta", {"path": str(tmp_path / "nowhere")})
    outcome = poll(workspace)
    assert not outcome.ok
    assert "does not exist" in (outcome.error or "")
