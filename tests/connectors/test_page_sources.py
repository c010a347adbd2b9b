"""Facebook, Instagram and LinkedIn sources through `lyssna listen`'s runner into a workspace, on
both databases: posts and comments stored with their thread, the cursor kept without the token."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from sqlalchemy import select

from lyssna.connectors import manage
from lyssna.connectors.runner import Runner
from lyssna.storage import connector_state
from lyssna.storage.schema import mentions
from tests.connectors.conftest import fast_http
from tests.connectors.fakes.server import FakeServer
from tests.connectors.harness import HARNESSES

TOKENS = {"facebook": "TEST_FB_TOKEN", "instagram": "TEST_IG_TOKEN", "linkedin": "TEST_LI_TOKEN"}


@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_posts_and_comments_are_stored_with_their_thread(
    kind: str, workspace, server: FakeServer, monkeypatch: pytest.MonkeyPatch
):
    harness = HARNESSES[kind](server, monkeypatch)
    post = harness.add("Elvåra öppnar i Bergen 🎉")
    comment = harness.fake.comment(post["id"], "Grattis Elvåra! مرحبا \u202eevil\u202c")
    manage.add_source(workspace, kind, "sida", harness.config)

    outcome = asyncio.run(Runner(workspace, http_factory=fast_http).run_once())[0]

    assert outcome.ok, outcome.error
    assert (outcome.new, outcome.quarantined, outcome.unknown_fields) == (2, 0, set())
    with workspace.engine.connect() as conn:
        rows = list(conn.execute(select(mentions).where(mentions.c.channel == kind)))
        state = connector_state.get(conn, workspace.workspace.id, "sida")
    answer = next(r for r in rows if r.reply_to is not None)
    assert answer.reply_to == post["id"]
    assert answer.text == "Grattis Elvåra! مرحبا \u202eevil\u202c"
    assert answer.external_id == comment.get("commentUrn", comment["id"])  # LinkedIn: a URN
    assert {r.url is not None for r in rows} == {True}
    assert os.environ[TOKENS[kind]] not in json.dumps(state.cursor)
    assert state.health == "healthy"
