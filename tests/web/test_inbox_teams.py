"""Teams, rules and the approval rule in the web app and the API; teams in lists and metrics."""

from __future__ import annotations

from lyssna.inbox import service
from tests.web.conftest import _ingest, csrf_of, signed_in


def test_admins_manage_teams_rules_and_approval(site, client):
    signed_in(site, client, "admin")
    page = client.get("/w/default/inbox/teams")
    assert page.status_code == 200 and "No teams yet." in page.text
    csrf = csrf_of(page.text)

    def post(**data: str):
        return client.post("/w/default/inbox/teams", data={"csrf": csrf, **data})

    assert post(do="add_team", name="Kundservice").status_code == 200
    post(do="add_member", name="Kundservice", email=site.email("responder"))
    post(do="add_rule", channel="x", team="Kundservice")
    refused = post(do="add_rule", lang="sv")
    assert refused.status_code == 400 and "a rule gives items to a team" in refused.text
    post(do="approval", role="responder")
    html = client.get("/w/default/inbox/teams").text
    assert site.email("responder") in html
    assert "channel x -&gt; team Kundservice" in html
    assert "role Responder or a weaker one wait for an approver" in html

    # New x items enter with the team; the responder sees them under "My teams".
    _ingest(site.ctx, [("t1", "x", "en", 1, "Why is Acme down again?", "negative", 5, 0)])
    client.post("/signout", data={"csrf": csrf})
    signed_in(site, client, "responder")
    mine = client.get("/w/default/inbox?view=team").text
    assert "Why is Acme down again?" in mine and "Kundservice" in mine
    assert "Acme forum post" not in mine


def test_responders_read_but_do_not_change_teams(site, client):
    signed_in(site, client, "responder")
    page = client.get("/w/default/inbox/teams")
    assert page.status_code == 200 and 'id="add-team"' not in page.text
    response = client.post(
        "/w/default/inbox/teams",
        data={"csrf": csrf_of(page.text), "do": "add_team", "name": "X"},
    )
    assert response.status_code == 403


def test_give_an_item_to_a_team_on_its_page(site, client):
    _ingest(site.ctx, [("t2", "x", "en", 1, "How do I reset Acme?", "neutral", 5, 0)])
    service.sync(site.ctx.engine, site.ctx.workspace.id)
    signed_in(site, client, "admin")
    csrf = csrf_of(client.get("/w/default/inbox/teams").text)
    client.post("/w/default/inbox/teams", data={"csrf": csrf, "do": "add_team", "name": "Drift"})
    mention_id = site.mention_id("t2")
    views = service.list_items(site.ctx.engine, site.ctx.workspace.id, limit=500)
    item = next(v.item for v in views if v.mention.id == mention_id)
    html = client.get(f"/w/default/inbox/{item.id}").text
    assert 'id="team-form"' in html
    done = client.post(
        f"/w/default/inbox/{item.id}/team",
        data={"csrf": csrf, "team": "Drift", "version": str(item.version)},
    )
    assert "Team changed." in done.text and 'id="item-team">Team: Drift' in done.text
    stale = client.post(
        f"/w/default/inbox/{item.id}/team",
        data={"csrf": csrf, "team": "", "version": str(item.version)},
    )
    assert stale.status_code == 409


def test_api_teams_rules_and_metrics(site, client):
    token = client.post(
        "/api/v1/signin", json={"email": site.email("admin"), "password": site.passwords["admin"]}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    base = "/api/v1/workspaces/default/inbox"
    created = client.post(
        f"{base}/teams", json={"name": "Drift", "members": [site.email("editor")]}, headers=headers
    )
    assert created.status_code == 201
    assert created.json() == [{"name": "Drift", "members": [site.email("editor")]}]
    rule = client.post(f"{base}/rules", json={"channel": "x", "team": "Drift"}, headers=headers)
    assert rule.status_code == 201 and rule.json()["description"] == "channel x -> team Drift"
    assert client.put(
        f"{base}/approval", json={"approval_up_to": "editor"}, headers=headers
    ).json() == {"approval_up_to": "editor"}
    _ingest(site.ctx, [("t3", "x", "en", 1, "Is Acme down?", "neutral", 5, 0)])
    listed = client.get(f"{base}?limit=500", headers=headers).json()
    (entered,) = [i for i in listed if i["mention"]["text"] == "Is Acme down?"]
    assert entered["team"] == "Drift"
    metrics = client.get(f"{base}/metrics?period=24h", headers=headers).json()
    assert metrics["by_team"]["Drift"]["items"] == 2  # with the x complaint synced alongside
    assert client.delete(f"{base}/rules/{rule.json()['id']}", headers=headers).status_code == 204
    assert client.delete(f"{base}/teams/Drift", headers=headers).status_code == 204
    assert client.get(f"{base}/teams", headers=headers).json() == []
