"""The strategy in the REST API: the document, saving it (admins), the report and the text check."""

from __future__ import annotations

import pytest

from lyssna.strategy import strategy_path
from tests.web.conftest import csrf_of, signed_in
from tests.web.test_strategy_pages import INVALID, VALID

BASE = "/api/v1/workspaces/default/strategy"


@pytest.fixture
def token_for(site, client):
    def sign(role: str) -> dict[str, str]:
        email = "outsider@example.com" if role == "outsider" else site.email(role)
        response = client.post(
            "/api/v1/signin", json={"email": email, "password": site.passwords[role]}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return sign


def _path(site):
    return strategy_path(site.ctx.settings.home, "default")


def _write(site, text: str = VALID) -> None:
    _path(site).parent.mkdir(parents=True, exist_ok=True)
    _path(site).write_text(text, encoding="utf-8")


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(paths["/workspaces/{slug}/strategy"])
    assert "get" in paths["/workspaces/{slug}/strategy/report"]
    assert "post" in paths["/workspaces/{slug}/strategy/lint"]
    for path in (BASE, BASE + "/report"):
        assert client.get(path).status_code == 401


def test_get_without_and_with_a_document(site, client, token_for):
    headers = token_for("viewer")
    empty = client.get(BASE, headers=headers).json()
    assert empty["exists"] is False and empty["document"] is None and empty["problems"] == []
    _write(site, INVALID)
    found = client.get(BASE, headers=headers).json()
    assert found["exists"] is True and found["valid"] is False
    assert {"line": 15, "column": 13} in [
        {"line": p["line"], "column": p["column"]} for p in found["problems"]
    ]


def test_put_needs_an_admin(site, client, token_for):
    _write(site)
    for role in ("viewer", "responder", "editor"):
        response = client.put(BASE, json={"document": VALID}, headers=token_for(role))
        assert response.status_code == 403, role
    assert client.put(BASE, json={"document": VALID}).status_code == 401


def test_put_refuses_an_invalid_document_and_writes_nothing(site, client, token_for):
    _write(site)
    response = client.put(BASE, json={"document": INVALID}, headers=token_for("admin"))
    assert response.status_code == 422
    body = response.json()
    assert "nothing was saved" in body["detail"]
    assert any(p["line"] == 15 and p["column"] == 13 for p in body["problems"])
    assert _path(site).read_text(encoding="utf-8") == VALID
    assert not _path(site).with_name("strategy.yaml.bak").exists()


def test_put_saves_with_a_backup_and_a_log_line(site, client, token_for):
    _write(site)
    headers = token_for("owner")
    base = client.get(BASE, headers=headers).json()["base"]
    changed = VALID.replace("target: 20", "target: 30")
    response = client.put(BASE, json={"document": changed, "base": base}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["valid"] is True
    assert _path(site).read_text(encoding="utf-8") == changed
    assert _path(site).with_name("strategy.yaml.bak").read_text(encoding="utf-8") == VALID
    log = (_path(site).parent / "strategy.log").read_text(encoding="utf-8")
    assert "owner@example.com" in log
    # The old base is stale now: a second save from it is refused.
    stale = client.put(BASE, json={"document": VALID, "base": base}, headers=headers)
    assert stale.status_code == 409
    assert _path(site).read_text(encoding="utf-8") == changed


def test_put_through_a_session_needs_the_csrf_header(site, client):
    _write(site)
    signed_in(site, client, "owner")
    csrf = csrf_of(client.get("/w/default/strategy").text)
    changed = VALID.replace("target: 20", "target: 30")
    assert client.put(BASE, json={"document": changed}).status_code == 403
    assert _path(site).read_text(encoding="utf-8") == VALID
    ok = client.put(BASE, json={"document": changed}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert client.post(BASE + "/lint", json={"text": "Köp nu!"}).status_code == 403


def test_report(site, client, token_for):
    headers = token_for("viewer")
    assert client.get(BASE + "/report", headers=headers).status_code == 404
    _write(site, INVALID)
    invalid = client.get(BASE + "/report", headers=headers)
    assert invalid.status_code == 422 and invalid.json()["problems"]
    _write(site)
    response = client.get(BASE + "/report?period=7d", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["brand_topic"] == "Acme" and body["competitor_topics"] == ["Rival"]
    statuses = {g["name"]: g["status"] for g in body["goals"]}
    assert statuses["Answer quickly"] == "no data"  # measured from the inbox: nothing answered
    assert statuses["People speak well of us"] in ("green", "amber", "red")
    assert body["crisis"][0]["trigger"] == "negative mentions per hour above 40"
    # Beside each English text, its message id and values, for a client's own language.
    crisis = body["crisis"][0]
    assert (crisis["trigger_code"], crisis["trigger_params"]) == (
        "negative_per_hour_above",
        {"limit": 40},
    )
    quick = {g["name"]: g for g in body["goals"]}["Answer quickly"]
    assert (quick["note_code"], quick["note_params"]) == ("no_answered", {})
    net = {g["name"]: g for g in body["goals"]}["People speak well of us"]
    assert net["note_code"] == "net_sentiment"
    assert set(net["note_params"]) == {"positive", "negative", "total"}
    assert f"negative of {net['note_params']['total']}" in net["note"]
    channels = {c["channel"]: c for c in body["channels"]}
    assert channels["forums"]["recommendation"] == "be present"
    assert channels["forums"]["reason_code"] == "unplanned_busy"
    assert channels["forums"]["reason_params"]["channel"] == "forums"
    assert 0 < channels["forums"]["reason_params"]["share"] <= 1
    mastodon = {p["channel"]: p for p in body["profiles"]}["mastodon"]
    assert mastodon["verdict"] == "ready"
    person = {i["name"]: i for i in mastodon["items"]}["person"]
    assert (person["message"], person["message_code"], person["message_params"]) == (
        "run by Sara Lindqvist",
        "run_by",
        {"person": "Sara Lindqvist"},
    )
    assert body["goals_error"] is None and body["goals_error_code"] is None
    assert client.get(BASE + "/report?period=soon", headers=headers).status_code == 400


def test_report_profile_and_goals_error_carry_message_ids(site, client, token_for):
    headers = token_for("viewer")
    _write(
        site,
        VALID.replace("brand_topic: Acme\n", "brand_topic: Acme AB\n").replace(
            "description: We answer your questions on weekdays.", "description: KÖP NU!!"
        ),
    )
    body = client.get(BASE + "/report?period=7d", headers=headers).json()
    assert body["goals"] == [] and body["goals_error"].startswith("company.brand_topic names")
    assert (body["goals_error_code"], body["goals_error_params"]) == (
        "topic_not_found",
        {"field": "company.brand_topic", "topic": "Acme AB"},
    )
    mastodon = {p["channel"]: p for p in body["profiles"]}["mastodon"]
    description = {i["name"]: i for i in mastodon["items"]}["description"]
    assert description["message_code"] == "advert"
    flags = description["message_params"]["flags"]
    assert description["message"] == "description sounds like an advert: " + flags
    assert [(f["reason_code"], f["span"]) for f in description["flags"]] == [
        ("sales", "KÖP NU"),
        ("shouting", "KÖP NU"),
        ("exclamation_run", "!!"),
    ]


def test_lint(site, client, token_for):
    headers = token_for("viewer")
    flagged = client.post(
        BASE + "/lint",
        json={"text": "Köp nu! Marknadens bästa pris!", "lang": "sv"},
        headers=headers,
    )
    assert flagged.status_code == 200
    found = {(f["kind"], f["span"]) for f in flagged.json()["flags"]}
    assert ("sales", "Köp nu") in found and ("bragging", "Marknadens bästa") in found
    said = {
        f["kind"]: (f["reason"], f["reason_code"], f["reason_params"])
        for f in flagged.json()["flags"]
    }
    assert said["sales"] == ("sales talk: pushes to buy", "sales", {})
    clean = client.post(
        BASE + "/lint",
        json={
            "text": "Fakturan kommer den 25:e varje månad.",
            "lang": "sv",
            "question": "När kommer fakturan?",
        },
        headers=headers,
    )
    assert clean.json() == {"flags": []}
    assert (
        client.post(BASE + "/lint", json={"text": "x", "lang": "xx"}, headers=headers).status_code
        == 422
    )
    assert (
        client.post(
            BASE + "/lint", json={"text": "x", "channel": "myspace"}, headers=headers
        ).status_code
        == 400
    )


def test_another_workspace_sees_nothing(site, client, token_for):
    _write(site)
    headers = token_for("outsider")
    assert client.get(BASE, headers=headers).status_code == 404
    assert client.get(BASE + "/report", headers=headers).status_code == 404
    assert client.post(BASE + "/lint", json={"text": "hej"}, headers=headers).status_code == 404
    assert client.put(BASE, json={"document": VALID}, headers=headers).status_code == 404
    own = client.get("/api/v1/workspaces/other/strategy", headers=headers).json()
    assert own["exists"] is False
    assert _path(site).read_text(encoding="utf-8") == VALID
