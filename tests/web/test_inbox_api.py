"""The inbox in the REST API: list with views, item with conversation and history, assign,
status and notes with versions (409 on conflicts), metrics, roles, isolation, OpenAPI."""

from __future__ import annotations

import pytest

from lyssna.inbox import service
from tests.web.conftest import _ingest
from tests.web.test_inbox_pages import EXTRA, item_id, use_example_strategy

BASE = "/api/v1/workspaces/default/inbox"


@pytest.fixture
def inbox(site):
    _ingest(site.ctx, EXTRA)
    return site


@pytest.fixture
def token_for(inbox, client):
    def sign(role: str) -> dict[str, str]:
        email = "outsider@example.com" if role == "outsider" else inbox.email(role)
        response = client.post(
            "/api/v1/signin", json={"email": email, "password": inbox.passwords[role]}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return sign


def test_openapi_lists_the_inbox(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/workspaces/{slug}/inbox",
        "/workspaces/{slug}/inbox/{item_id}",
        "/workspaces/{slug}/inbox/{item_id}/assign",
        "/workspaces/{slug}/inbox/{item_id}/status",
        "/workspaces/{slug}/inbox/{item_id}/notes",
        "/workspaces/{slug}/inbox/metrics",
    ):
        assert path in paths, path
    assert "409" in paths["/workspaces/{slug}/inbox/{item_id}/assign"]["post"]["responses"]
    assert client.get(BASE).status_code == 401


def test_list_syncs_and_filters(inbox, client, token_for):
    viewer = token_for("viewer")
    items = client.get(BASE, headers=viewer).json()
    assert len(items) == 3  # the complaint about a competitor stays out
    assert [i["priority"] for i in items] == sorted((i["priority"] for i in items), reverse=True)
    first = items[0]
    assert {"id", "status", "version", "reasons", "assignee", "mention", "at_risk"} <= set(first)
    oldest = client.get(BASE, params={"view": "oldest", "limit": 2}, headers=viewer).json()
    assert len(oldest) == 2 and oldest[0]["created_at"] <= oldest[1]["created_at"]
    assert client.get(BASE, params={"view": "mine"}, headers=viewer).json() == []
    assert len(client.get(BASE, params={"view": "unassigned"}, headers=viewer).json()) == 3
    assert client.get(BASE, params={"status": "resolved"}, headers=viewer).json() == []
    assert client.get(BASE, params={"status": "nonsense"}, headers=viewer).status_code == 422


def test_item_assign_status_notes(inbox, client, token_for):
    headers = token_for("responder")
    client.get(BASE, headers=headers)  # syncs
    item = item_id(inbox, "q1")
    got = client.get(f"{BASE}/{item}", headers=headers).json()
    assert got["item"]["version"] == 1 and got["history"] == []
    assert got["item"]["mention"]["text"].startswith("How do I reset")
    done = client.post(
        f"{BASE}/{item}/assign",
        json={"email": inbox.email("responder"), "version": 1},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["item"]["assignee"] == inbox.email("responder")
    assert body["item"]["status"] == "assigned" and body["item"]["version"] == 2
    done = client.post(
        f"{BASE}/{item}/status", json={"status": "resolved", "version": 2}, headers=headers
    )
    assert done.status_code == 200 and done.json()["item"]["resolved_at"]
    note = client.post(f"{BASE}/{item}/notes", json={"text": "Done, @editor"}, headers=headers)
    assert note.status_code == 201
    history = note.json()["history"]
    assert [h["action"] for h in history] == ["assigned", "status", "note"]
    assert {h["user"] for h in history} == {inbox.email("responder")}
    mine = client.get(BASE, params={"view": "mine"}, headers=headers).json()
    assert mine == []  # resolved: no longer open
    unassign = client.post(
        f"{BASE}/{item}/assign", json={"email": None, "version": 3}, headers=headers
    )
    assert unassign.json()["item"]["assignee"] is None
    stranger = client.post(
        f"{BASE}/{item}/assign", json={"email": "outsider@example.com", "version": 4},
        headers=headers,
    )  # fmt: skip
    assert stranger.status_code == 400 and "not a member" in stranger.json()["detail"]


def test_version_conflict_is_409(inbox, client, token_for):
    headers = token_for("responder")
    client.get(BASE, headers=headers)
    item = item_id(inbox, "q1")
    service.set_status(
        inbox.ctx.engine, inbox.ctx.workspace.id, item, "waiting", seen_version=1,
        by=inbox.email("admin"),
    )  # fmt: skip
    for path, body in (
        ("assign", {"email": inbox.email("responder"), "version": 1}),
        ("status", {"status": "resolved", "version": 1}),
    ):
        response = client.post(f"{BASE}/{item}/{path}", json=body, headers=headers)
        assert response.status_code == 409, path
        found = response.json()
        assert found["current_version"] == 2 and found["current_status"] == "waiting"
        assert found["item_id"] == item and "admin@example.com changed" in found["detail"]


def test_viewer_reads_and_cannot_change(inbox, client, token_for):
    headers = token_for("viewer")
    client.get(BASE, headers=headers)
    item = item_id(inbox, "q1")
    assert client.get(f"{BASE}/{item}", headers=headers).status_code == 200
    for path, body in (
        ("assign", {"email": None, "version": 1}),
        ("status", {"status": "spam", "version": 1}),
        ("notes", {"text": "hi"}),
    ):
        assert client.post(f"{BASE}/{item}/{path}", json=body, headers=headers).status_code == 403


def test_other_workspace_sees_nothing(inbox, client, token_for):
    client.get(BASE, headers=token_for("viewer"))
    item = item_id(inbox, "q1")
    outsider = token_for("outsider")
    assert client.get(BASE, headers=outsider).status_code == 404
    assert client.get(f"{BASE}/{item}", headers=outsider).status_code == 404
    assert client.get(f"{BASE}/metrics", headers=outsider).status_code == 404
    other = "/api/v1/workspaces/other/inbox"
    assert client.get(f"{other}/{item}", headers=outsider).status_code == 404
    response = client.post(
        f"{other}/{item}/status", json={"status": "spam", "version": 1}, headers=outsider
    )
    assert response.status_code == 404


def test_session_cookie_writes_need_the_csrf_header(inbox, client):
    from tests.web.conftest import csrf_of, signed_in

    signed_in(inbox, client, "responder")
    csrf = csrf_of(client.get("/w/default/inbox").text)
    item = item_id(inbox, "q1")
    body = {"status": "waiting", "version": 1}
    assert client.post(f"{BASE}/{item}/status", json=body).status_code == 403
    done = client.post(f"{BASE}/{item}/status", json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200


def test_metrics(inbox, client, token_for):
    headers = token_for("viewer")
    found = client.get(f"{BASE}/metrics", params={"period": "7d"}, headers=headers)
    assert found.status_code == 200
    body = found.json()
    assert body["overall"]["items"] == 3 and body["target_hours"] is None
    assert set(body["by_channel"]) == {"x", "mastodon"}
    assert body["by_person"]["(nobody)"]["items"] == 3
    bad = client.get(f"{BASE}/metrics", params={"period": "soon"}, headers=headers)
    assert bad.status_code == 400


def test_assignment_follows_the_strategy(inbox, client, token_for):
    use_example_strategy(inbox)
    headers = token_for("responder")
    client.get(BASE, headers=headers)
    body = {"email": inbox.email("responder"), "version": 1}
    refused = client.post(f"{BASE}/{item_id(inbox, 'q1')}/assign", json=body, headers=headers)
    assert refused.status_code == 400 and "not on x" in refused.json()["detail"]
    done = client.post(f"{BASE}/{item_id(inbox, 'q2')}/assign", json=body, headers=headers)
    assert done.status_code == 200
