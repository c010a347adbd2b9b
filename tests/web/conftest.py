"""A small installation for the web tests: two workspaces, mentions, and a user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from lyssna import listening
from lyssna.core.clock import utcnow
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import accounts, rollups, workspaces
from lyssna.storage.database import write_transaction
from lyssna.storage.schema import mentions
from lyssna.web import auth, create_app
from lyssna.workspace import WorkspaceContext

NOW = utcnow()
XSS_TEXT = (
    'Acme <script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> '
    "is a \"great\" & 'fine' company"
)

# (id, channel, lang, hours ago, text, sentiment, followers, likes)
MENTIONS = [
    ("1", "mastodon", "sv", 2, "Acme har så bra kundtjänst, tack! #acmelove", "positive", 120, 5),
    ("2", "x", "sv", 5, "Appen från Acme kraschar igen #acmefail", "negative", 40, 30),
    ("3", "rss", "en", 20, "Acme launches a new product today", "neutral", 5000, 1),
    ("4", "x", "en", 30, "Rival is cheaper than Acme, says everyone", "neutral", 900, 12),
    ("5", "reddit", "da", 50, "Rival har dårlig kundeservice", "negative", 10, 0),
    ("6", "x", "en", 60, XSS_TEXT, "positive", 1, 2),
    ("7", "mastodon", "nb", 200, "Acme var treg i dag, men ok", "neutral", 70, 3),
]
for n in range(8, 40):  # enough for two pages in the explorer
    MENTIONS.append(
        (str(n), "forums", "en", 70 + n, f"Acme forum post number {n}", "neutral", n, n)
    )

ROLES = ("owner", "admin", "editor", "responder", "viewer")


@dataclass
class Site:
    ctx: WorkspaceContext
    other: WorkspaceContext
    passwords: dict[str, str] = field(default_factory=dict)
    other_mention_id: int = 0
    other_topic_id: int = 0

    def email(self, role: str) -> str:
        return f"{role}@example.com"

    def mention_id(self, external_id: str) -> int:
        with self.ctx.engine.connect() as conn:
            return conn.execute(
                select(mentions.c.id).where(
                    mentions.c.workspace_id == self.ctx.workspace.id,
                    mentions.c.external_id == external_id,
                )
            ).scalar_one()


def _ingest(ctx: WorkspaceContext, rows: list[tuple]) -> None:
    records = [
        RawRecord(
            "test",
            line,
            {
                "id": ident,
                "channel": channel,
                "lang": lang,
                "text": text,
                "created_at": (NOW - timedelta(hours=hours)).isoformat(),
                "author": {"handle": f"user{ident}", "followers": followers},
                "url": f"https://social.example.com/@user{ident}/{ident}",
                "metrics": {"likes": likes, "shares": 0, "replies": 0},
            },
        )
        for line, (ident, channel, lang, hours, text, _s, followers, likes) in enumerate(rows, 1)
    ]
    Ingestor(ctx.engine, ctx.workspace.id, workers=1).ingest_records(records)
    # Fix the sentiments, so that the tests do not depend on the analyser's verdicts.
    with write_transaction(ctx.engine) as conn:
        for ident, *_, sentiment, _f, _l in rows:
            conn.execute(
                update(mentions)
                .where(mentions.c.workspace_id == ctx.workspace.id, mentions.c.external_id == ident)
                .values(sentiment=sentiment)
            )
        rollups.rebuild(conn, ctx.workspace.id)  # the dashboard's counts follow the raw update


@pytest.fixture
def site(workspace: WorkspaceContext) -> Site:
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    _ingest(workspace, MENTIONS)

    with write_transaction(workspace.engine) as conn:
        other_ws = workspaces.ensure(conn, "other", name="Other AB", timezone="Europe/Oslo")
    other = WorkspaceContext(
        workspace.settings.model_copy(update={"workspace": "other"}), workspace.engine, other_ws
    )
    other_topic, _ = listening.add_topic(other, "Secret", "secret", "brand")
    _ingest(other, [("s1", "x", "en", 3, "A secret plan by Acme", "negative", 1, 1)])

    site = Site(workspace, other, other_topic_id=other_topic.id)
    with write_transaction(workspace.engine) as conn:
        for role in ROLES:
            password = f"password-{role}"
            user = accounts.add_user(conn, site.email(role), auth.hash_password(password))
            accounts.set_membership(conn, user.id, workspace.workspace.id, role)
            site.passwords[role] = password
        outsider = accounts.add_user(
            conn, "outsider@example.com", auth.hash_password("password-outsider")
        )
        accounts.set_membership(conn, outsider.id, other_ws.id, "owner")
        site.passwords["outsider"] = "password-outsider"
        site.other_mention_id = conn.execute(
            select(mentions.c.id).where(mentions.c.workspace_id == other_ws.id)
        ).scalar_one()
    return site


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    app = create_app(site.ctx.settings)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client
    app.state.web.engine.dispose()


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> TestClient:
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": email, "password": password, "csrf": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def signed_in(site: Site, client: TestClient, role: str) -> TestClient:
    email = "outsider@example.com" if role == "outsider" else site.email(role)
    return sign_in(client, email, site.passwords[role])


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its smallest cost: the tests sign in often; production keeps the defaults."""
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("timing"))
