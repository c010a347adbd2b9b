"""An inbox whose mentions came through a source that can reply (tests/inbox/fake_sender.py).

The mentions are on the mastodon channel (so a strategy can name it), collected by the "room"
source of the fake "chat" connector.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, update

from lyssna import listening
from lyssna.inbox import service
from lyssna.inbox.sending import DrainReport
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import accounts
from lyssna.storage import connector_state as source_store
from lyssna.storage.database import write_transaction
from lyssna.storage.inbox_replies import Reply, inbox_replies
from lyssna.workspace import WorkspaceContext
from tests.inbox import fake_sender

QUESTION = {"id": "q1", "text": "Hur byter jag kort hos Nordbank?", "author": "olle", "lang": "sv"}


def ingest_chat(ctx: WorkspaceContext, records: list[dict]) -> None:
    raw = [
        RawRecord("chat", i, dict(r, channel="mastodon", created_at=f"2026-11-20T10:0{i}:00Z"))
        for i, r in enumerate(records)
    ]
    Ingestor(ctx.engine, ctx.workspace.id, workers=1).ingest_records(raw, source="room")


@dataclass
class ChatInbox:
    ctx: WorkspaceContext
    item_id: int

    @property
    def engine(self) -> Engine:
        return self.ctx.engine

    @property
    def ws(self) -> int:
        return self.ctx.workspace.id

    def send(self, reply_id: int, **kwargs: Any) -> Reply:
        from lyssna.inbox.sending import send_reply

        return asyncio.run(send_reply(self.ctx, reply_id, **kwargs))

    def drain(self) -> DrainReport:
        from lyssna.inbox.sending import drain

        return asyncio.run(drain(self.ctx))

    def make_due(self, reply_id: int) -> None:
        """Skip the backoff wait: the next attempt is due now."""
        from lyssna.core.clock import utcnow

        with write_transaction(self.engine) as conn:
            conn.execute(
                update(inbox_replies)
                .where(inbox_replies.c.id == reply_id)
                .values(next_attempt_at=utcnow())
            )


@pytest.fixture
def platform():
    fake_sender.PLATFORM.__init__()  # a fresh platform for every test
    return fake_sender.PLATFORM


@pytest.fixture
def chat(workspace, platform) -> ChatInbox:
    listening.add_topic(workspace, "Nordbank", "nordbank OR @nordbank", "brand")
    with write_transaction(workspace.engine) as conn:
        for email, role in (
            ("kari@example.no", "responder"),
            ("anna@example.no", "responder"),
            ("lars@example.no", "editor"),
            ("vera@example.no", "viewer"),
        ):
            user = accounts.add_user(
                conn, email, "not-a-hash", name=email.split("@")[0].title(), locale="sv"
            )
            accounts.set_membership(conn, user.id, workspace.workspace.id, role)
        source_store.add(conn, workspace.workspace.id, "room", "chat", {})
    ingest_chat(workspace, [QUESTION])
    service.sync(workspace.engine, workspace.workspace.id)
    (view,) = service.list_items(workspace.engine, workspace.workspace.id)
    return ChatInbox(workspace, view.item.id)
