"""Shared for the strategy tests: a small workspace whose figures are known by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lyssna import listening
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import rollups
from lyssna.storage.database import write_transaction
from lyssna.storage.schema import mentions
from lyssna.strategy import check_text
from lyssna.strategy.schema import Strategy
from lyssna.workspace import WorkspaceContext

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)

# (id, channel, lang, days before NOW, text, sentiment). The sentiment is set by the test after
# ingest, so the figures do not depend on the analyser.
MENTIONS = [
    # this week: 6 Acme (3 positive, 1 negative, 2 neutral), 2 Rival
    ("c1", "x", "sv", 1, "Acme fixade min fiber snabbt", "positive"),
    ("c2", "x", "sv", 2, "Acme har bra kundtjänst", "positive"),
    ("c3", "x", "en", 2, "Acme support was great", "positive"),
    ("c4", "x", "en", 3, "Acme app is down again", "negative"),
    ("c5", "facebook", "sv", 4, "Acme byter namn på appen", "neutral"),
    ("c6", "facebook", "sv", 5, "Någon som har Acme fiber i Umeå?", "neutral"),
    ("c7", "x", "sv", 1, "Rival höjer priset", "negative"),
    ("c8", "reddit", "en", 2, "Rival or something else?", "neutral"),
    # the week before: 2 Acme (1 positive, 1 negative), 2 Rival
    ("p1", "facebook", "sv", 8, "Acme är toppen", "positive"),
    ("p2", "facebook", "sv", 9, "Acme svarar aldrig", "negative"),
    ("p3", "x", "en", 10, "Rival is fine", "neutral"),
    ("p4", "x", "en", 11, "Rival is fine too", "neutral"),
    # older than both periods: not counted
    ("o1", "x", "sv", 30, "Acme för länge sedan", "positive"),
]

STRATEGY = """\
company:
  name: Acme AB
  brand_topic: Acme
  competitor_topics: [Rival]
  languages: [sv]
purpose: Help customers.
channels:
  facebook:
    present: true
    purpose: Questions.
  linkedin:
    present: true
    purpose: Hiring.
  x:
    present: false
    reason: Not for us.
goals:
  - {name: Net, metric: net_sentiment, target: 20}
  - {name: Negative, metric: negative_share, target: 10}
  - {name: Share, metric: share_of_voice, target: 80}
  - {name: Volume, metric: mention_volume, target: 5, per: week}
  - {name: Volume per day, metric: mention_volume, target: 2, per: day}
  - {name: Fast, metric: first_response_time, target: 2h}
  - {name: Posts, metric: posts_per_week, target: 3, channel: linkedin}
"""


def strategy() -> Strategy:
    parsed, problems = check_text(STRATEGY)
    assert problems == [] and parsed is not None
    return parsed


@pytest.fixture
def filled(workspace: WorkspaceContext) -> WorkspaceContext:
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    records = [
        RawRecord(
            "test",
            line,
            {
                "id": ident,
                "channel": channel,
                "lang": lang,
                "text": text,
                "created_at": (NOW - timedelta(days=days)).isoformat(),
            },
        )
        for line, (ident, channel, lang, days, text, _) in enumerate(MENTIONS, 1)
    ]
    summary = Ingestor(workspace.engine, workspace.workspace.id, workers=1).ingest_records(records)
    assert summary.new == len(MENTIONS)
    ws = workspace.workspace.id
    with write_transaction(workspace.engine) as conn:
        stored = conn.execute(select(mentions.c.id).where(mentions.c.workspace_id == ws))
        # The hourly counts follow the sentiments set here, as they follow a correction.
        with rollups.recount(conn, ws, stored.scalars().all()):
            for ident, *_, sentiment in MENTIONS:
                conn.execute(
                    update(mentions)
                    .where(mentions.c.external_id == ident)
                    .values(sentiment=sentiment)
                )
    return workspace
