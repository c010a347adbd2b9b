"""Replies in the web app and the API: write, send, approve, return, presence, saved replies,
a colleague writing, and the mentions Lyssna cannot answer."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from lyssna.inbox import replies, service
from lyssna.pipeline.ingest import Ingestor
from lyssna.pipeline.readers import RawRecord
from lyssna.storage import accounts
from lyssna.storage import connector_state as source_store
from lyssna.storage.database import write_transaction
from lyssna.storage.schema import mentions
from lyssna.strategy import strategy_path
from tests.inbox import fake_sender
from tests.web.conftest import csrf_of, signed_in

STRATEGY = """\
company:
  name: Acme AB
purpose: Help customers.
answers:
  question:
    how: Answer the question asked, in the thread.
saved_replies:
  - situation: question
    lang: sv
    name: svar
    text: Hej {author_name}! {agent} på {company} här. Vi svarar på {channel}.
"""


@pytest.fixture
def chat(site):
    fake_sender.PLATFORM.__init__()
    with write_transaction(site.ctx.engine) as conn:
        source_store.add(conn, site.ctx.workspace.id, "room", "chat", {})
        for role in ("responder", "editor"):
            user = accounts.user_by_email(conn, site.email(role))
            conn.execute(
                accounts.users.update()
                .where(accounts.users.c.id == user.id)
                .values(name=role.title())
            )
    record = {
        "id": "c1", "channel": "mastodon", "lang": "sv", "created_at": "2026-11-20T10:00:00Z",
        "text": "Hur byter jag kort hos Acme?",
        "author": {"handle": "olle@social.example", "name": "Olle", "followers": 10},
    }  # fmt: skip
    Ingestor(site.ctx.engine, site.ctx.workspace.id, workers=1).ingest_records(
        [RawRecord("chat", 1, record)], source="room"
    )
    with write_transaction(site.ctx.engine) as conn:  # a plain question, whatever the analyser says
        conn.execute(
            update(mentions).where(mentions.c.external_id == "c1").values(sentiment="neutral")
        )
    service.sync(site.ctx.engine, site.ctx.workspace.id)
    mention_id = site.mention_id("c1")
    views = service.list_items(site.ctx.engine, site.ctx.workspace.id, limit=500)
    site.chat_item = next(v.item.id for v in views if v.mention.id == mention_id)  # type: ignore[attr-defined]
    path = strategy_path(site.ctx.settings.home, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STRATEGY, encoding="utf-8")
    return site


def page_of(client: TestClient, item: int, query: str = "") -> str:
    response = client.get(f"/w/default/inbox/{item}{query}")
    assert response.status_code == 200
    return response.text


def test_write_and_send_a_reply_from_the_item_page(chat, client):
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item)
    assert 'id="reply-form"' in html and "Answer the question asked" in html
    response = client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Du byter kort i appen.", "action": "send", "csrf": csrf_of(html)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("?done=reply_sent#reply")
    html = page_of(client, chat.chat_item, "?done=reply_sent")
    assert "Reply sent." in html
    sent = re.search(
        r'<article class="mention reply ours" id="sent-\d+">(.*?)</article>', html, re.S
    )
    assert sent and "Du byter kort i appen." in sent.group(1) and "post-1" in sent.group(1)
    assert "Responder for the company" in sent.group(1)
    assert "sent a reply" in html  # the history
    assert [p.text for p in fake_sender.PLATFORM.posts] == ["Du byter kort i appen."]


def test_a_saved_reply_is_filled_in(chat, client):
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item, "?saved=svar")
    box = re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', html, re.S)
    assert box and box.group(1) == "Hej Olle! Responder på Acme AB här. Vi svarar på Mastodon."
    assert 'value="svar" selected' in html


def test_approval_in_the_web_app(chat, client):
    replies.set_approval_rule(chat.ctx.engine, chat.ctx.workspace.id, "responder")
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item)
    assert "Send for approval" in html
    client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Kolla FAQ.", "action": "send", "csrf": csrf_of(html)},
    )
    html = page_of(client, chat.chat_item)
    assert "Waiting for approval" in html and 'id="reply-form"' not in html
    assert "approve-" not in html  # not for the author
    listed = client.get("/w/default/inbox?view=replies").text
    assert f'id="item-{chat.chat_item}"' in listed and "Waiting for approval" in listed

    client.post("/signout", data={"csrf": csrf_of(html)})
    signed_in(chat, client, "editor")
    html = page_of(client, chat.chat_item)
    reply_id = re.search(r'id="approve-(\d+)"', html).group(1)
    client.post(
        f"/w/default/inbox/replies/{reply_id}",
        data={"do": "return", "comment": "Svara på frågan.", "csrf": csrf_of(html)},
    )
    client.post("/signout", data={"csrf": csrf_of(html)})
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item)
    assert "Returned by Editor:" in html and "Svara på frågan." in html
    response = client.post(
        f"/w/default/inbox/replies/{reply_id}",
        data={
            "do": "edit",
            "text": "Du byter kort i appen.",
            "action": "send",
            "csrf": csrf_of(html),
        },  # fmt: skip
        follow_redirects=False,
    )
    assert response.headers["location"].endswith("done=reply_awaiting_approval#reply")

    client.post("/signout", data={"csrf": csrf_of(html)})
    signed_in(chat, client, "editor")
    html = page_of(client, chat.chat_item)
    response = client.post(
        f"/w/default/inbox/replies/{reply_id}",
        data={"do": "approve", "csrf": csrf_of(html)},
        follow_redirects=False,
    )
    assert response.headers["location"].endswith("done=reply_sent#reply")
    assert [p.text for p in fake_sender.PLATFORM.posts] == ["Du byter kort i appen."]


def test_sending_over_a_colleague_warns_first(chat, client):
    with chat.ctx.engine.connect() as conn:
        editor = accounts.user_by_email(conn, chat.email("editor"))
    from lyssna.inbox import presence

    presence.beat(chat.ctx.engine, chat.ctx.workspace.id, chat.chat_item, editor.id)
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item)
    assert "Editor is writing a reply right now." in html
    response = client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Hej!", "action": "send", "csrf": csrf_of(html)},
    )
    assert response.status_code == 409
    assert "Editor is writing a reply to this item right now" in response.text
    assert 'name="force" value="1"' in response.text and "Send anyway" in response.text
    assert fake_sender.PLATFORM.posts == []
    response = client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Hej!", "action": "send", "force": "1", "csrf": csrf_of(html)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and len(fake_sender.PLATFORM.posts) == 1


def test_a_refused_reply_shows_the_platforms_reason(chat, client):
    from lyssna.connectors.base import RequestRejectedError

    fake_sender.PLATFORM.send_script = [RequestRejectedError("text character limit of 500")]
    signed_in(chat, client, "responder")
    html = page_of(client, chat.chat_item)
    client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Hej!", "action": "send", "csrf": csrf_of(html)},
    )
    html = page_of(client, chat.chat_item)
    assert "Not sent" in html and "text character limit of 500" in html
    assert "Send again" in html


def test_imported_mentions_say_why_they_cannot_be_answered(chat, client):
    signed_in(chat, client, "responder")
    views = service.list_items(chat.ctx.engine, chat.ctx.workspace.id, limit=500)
    imported = next(v.item.id for v in views if v.mention.external_id == "2")
    html = page_of(client, imported)
    assert 'id="cannot-send"' in html and "does not know where to send a reply" in html
    assert 'id="reply-form"' not in html


def test_viewers_see_replies_but_cannot_write(chat, client):
    signed_in(chat, client, "viewer")
    html = page_of(client, chat.chat_item)
    assert 'id="reply-form"' not in html
    response = client.post(
        f"/w/default/inbox/{chat.chat_item}/reply",
        data={"text": "Hej", "action": "send", "csrf": csrf_of(html)},
    )
    assert response.status_code == 403


def test_reply_needs_the_csrf_token(chat, client):
    signed_in(chat, client, "responder")
    response = client.post(
        f"/w/default/inbox/{chat.chat_item}/reply", data={"text": "Hej", "action": "send"}
    )
    assert response.status_code == 403 and fake_sender.PLATFORM.posts == []


# --- the API ----------------------------------------------------------------------------------


def token_for(chat, client, role: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/signin", json={"email": chat.email(role), "password": chat.passwords[role]}
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_api_reply_approve_and_presence(chat, client):
    replies.set_approval_rule(chat.ctx.engine, chat.ctx.workspace.id, "responder")
    me, boss = token_for(chat, client, "responder"), token_for(chat, client, "editor")
    base = f"/api/v1/workspaces/default/inbox/{chat.chat_item}"

    assert client.post(f"{base}/presence", headers=boss).json() == {"writing": []}
    writing = client.get(f"{base}/presence", headers=me).json()["writing"]
    assert [w["email"] for w in writing] == [chat.email("editor")]
    refused = client.post(f"{base}/replies", json={"text": "Hej!"}, headers=me)
    assert refused.status_code == 409 and "writing a reply" in refused.json()["detail"]
    assert client.delete(f"{base}/presence", headers=boss).status_code == 204

    saved = client.get(f"{base}/saved-replies", headers=me).json()
    assert saved[0]["name"] == "svar" and saved[0]["text"].startswith("Hej Olle! Responder")

    created = client.post(f"{base}/replies", json={"text": saved[0]["text"]}, headers=me)
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "awaiting_approval" and body["author"] == chat.email("responder")
    own = client.post(f"/api/v1/workspaces/default/inbox/replies/{body['id']}/approve", headers=me)
    assert own.status_code == 400
    approved = client.post(
        f"/api/v1/workspaces/default/inbox/replies/{body['id']}/approve", headers=boss
    ).json()
    assert approved["state"] == "sent" and approved["platform_id"] == "post-1"
    assert approved["approver"] == chat.email("editor")
    item = client.get(base, headers=me).json()
    assert [o["state"] for o in item["outgoing"]] == ["sent"]
    assert item["item"]["first_response_at"] is not None
    again = client.post(f"/api/v1/workspaces/default/inbox/replies/{body['id']}/resend", headers=me)
    assert again.status_code == 409


def test_api_reply_from_another_workspace_is_not_found(chat, client):
    headers = token_for(chat, client, "outsider")
    response = client.post(
        f"/api/v1/workspaces/default/inbox/{chat.chat_item}/replies",
        json={"text": "Hej"},
        headers=headers,
    )
    assert response.status_code == 404
