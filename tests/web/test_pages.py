"""The web pages in process: sign-in, dashboard, explorer, corrections, topics, members, account."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from lyssna.storage.accounts import sentiment_corrections
from lyssna.storage.schema import mentions
from tests.web.conftest import XSS_TEXT, csrf_of, sign_in, signed_in


def test_security_headers_on_every_page(client):
    response = client.get("/signin")
    csp = response.headers["content-security-policy"]
    for part in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ):
        assert part in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in response.text  # no inline script anywhere


def test_pages_need_a_session(client):
    response = client.get("/w/default/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=/w/default/")


def test_sign_in_sets_a_safe_cookie_and_sign_out_revokes_it(site, client):
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={
            "email": "Viewer@Example.com",
            "password": site.passwords["viewer"],
            "csrf": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"  # never an open redirect
    cookie = [c for c in response.headers.get_list("set-cookie") if "lyssna_session=" in c][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    secret = client.cookies["lyssna_session"]
    assert client.get("/w/default/").status_code == 200

    csrf = csrf_of(client.get("/w/default/").text)
    client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    # The old cookie is dead on the server, not just forgotten by the browser.
    client.cookies.set("lyssna_session", secret)
    assert client.get("/w/default/", follow_redirects=False).status_code == 303


def test_wrong_password_and_rate_limit(site, client):
    page = client.get("/signin")
    token = csrf_of(page.text)
    for _ in range(5):
        response = client.post(
            "/signin",
            data={"email": site.email("viewer"), "password": "wrong", "csrf": token},
        )
        assert response.status_code == 401
        assert "Wrong email or password" in response.text
    response = client.post(
        "/signin",
        data={"email": site.email("viewer"), "password": site.passwords["viewer"], "csrf": token},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    # Another user on the same address is not locked out by one person's typos.
    sign_in(client, site.email("owner"), site.passwords["owner"])


def test_sign_in_form_needs_its_csrf_token(site, client):
    client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": site.email("owner"), "password": site.passwords["owner"], "csrf": "x"},
    )
    assert response.status_code == 403


def test_dashboard_shows_the_period(site, client):
    signed_in(site, client, "viewer")
    response = client.get("/w/default/?period=7d")
    assert response.status_code == 200
    html = response.text
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1))
    volume = sum(row[1] for row in data["volume"]["rows"])
    assert volume == 38  # mention 7 is 200 hours old, the rest within 7 days
    sov = {row[0]: row[2] for row in data["share_of_voice"]["rows"]}
    assert sov["Acme"] > sov["Rival"] > 0
    assert data["authors"]["rows"][0][0] == "user3"  # 5,000 followers
    assert {"plotly.min.js", "charts.js"} <= set(
        re.findall(r'src="/static/(?:vendor/)?([\w.]+)"', html)
    )
    # The payload travels as JSON, escaped so it cannot close the script block.
    assert "<script>window.__xss" not in html
    for key in ("volume", "sentiment", "channels", "rising_words"):
        assert f"/w/default/dashboard/{key}.csv?" in html


def test_dashboard_topic_set_and_csv(site, client):
    signed_in(site, client, "viewer")
    with site.ctx.engine.connect() as conn:
        from lyssna.storage import topics

        rival = topics.get(conn, site.ctx.workspace.id, "Rival").id
    html = client.get(f"/w/default/?period=30d&topic={rival}").text
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert sum(row[1] for row in data["volume"]["rows"]) == 2
    csv = client.get(f"/w/default/dashboard/channels.csv?period=30d&topic={rival}")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "channel,mentions,share"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["reddit", "x"]
    # Another workspace's topic id is ignored, not counted.
    html = client.get(f"/w/default/?period=30d&topic={site.other_topic_id}").text
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert sum(row[1] for row in data["volume"]["rows"]) == 39


def test_dashboard_in_swedish_after_switching_language(site, client):
    signed_in(site, client, "viewer")
    account = client.get("/account").text
    client.post("/account/language", data={"language": "sv", "csrf": csrf_of(account)})
    html = client.get("/w/default/?period=30d").text
    assert "Översikt" in html and 'lang="sv"' in html
    assert "Senaste 7 dagarna" in html


def test_explorer_highlights_and_escapes(site, client):
    signed_in(site, client, "viewer")
    html = client.get("/w/default/mentions", params={"q": "acme", "channel": "x"}).text
    assert "<mark>Acme</mark>" in html
    assert "<script>window.__xss" not in html
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in html
    assert 'onerror="window' not in html
    assert 'rel="noopener noreferrer"' in html
    assert XSS_TEXT not in html


def test_explorer_shows_query_errors_with_the_column(site, client):
    signed_in(site, client, "viewer")
    response = client.get("/w/default/mentions", params={"q": "acme AND (rival"})
    assert response.status_code == 400
    assert "Error in the query" in response.text
    assert 'aria-invalid="true"' in response.text
    assert re.search(r"column \d+", response.text)
    assert '<mark class="bad">' in response.text


def test_explorer_filters_and_pages(site, client):
    signed_in(site, client, "viewer")
    html = client.get("/w/default/mentions", params={"sentiment": "negative"}).text
    assert html.count('class="mention"') == 2
    first = client.get("/w/default/mentions").text
    assert first.count('class="mention"') == 25 and 'rel="next"' in first
    second = client.get("/w/default/mentions", params={"page": 2}).text
    assert second.count('class="mention"') == 14 and 'rel="prev"' in second
    export = client.get("/w/default/mentions.csv", params={"q": "rival"})
    rows = export.text.strip().splitlines()
    assert rows[0].startswith("id,created_at,channel") and len(rows) == 3
    assert all(",Rival," in row or ",Acme; Rival," in row for row in rows[1:])


def test_viewer_cannot_correct_but_responder_can(site, client):
    mention_id = site.mention_id("2")
    signed_in(site, client, "viewer")
    page = client.get(f"/w/default/mentions/{mention_id}").text
    assert "Correct the sentiment" not in page
    response = client.post(
        f"/w/default/mentions/{mention_id}/sentiment",
        data={"sentiment": "positive", "csrf": csrf_of(page)},
    )
    assert response.status_code == 403

    client.cookies.clear()
    signed_in(site, client, "responder")
    page = client.get(f"/w/default/mentions/{mention_id}").text
    assert "Why this sentiment?" in page or "Correct the sentiment" in page
    no_csrf = client.post(
        f"/w/default/mentions/{mention_id}/sentiment", data={"sentiment": "positive"}
    )
    assert no_csrf.status_code == 403
    done = client.post(
        f"/w/default/mentions/{mention_id}/sentiment",
        data={"sentiment": "positive", "csrf": csrf_of(page)},
    )
    assert done.status_code == 200 and "The sentiment was corrected" in done.text
    with site.ctx.engine.connect() as conn:
        assert (
            conn.execute(
                select(mentions.c.sentiment).where(mentions.c.id == mention_id)
            ).scalar_one()
            == "positive"
        )
        row = conn.execute(select(sentiment_corrections)).one()
    assert (row.old, row.new, row.mention_id) == ("negative", "positive", mention_id)


def test_topics_test_create_edit_remove(site, client):
    signed_in(site, client, "editor")
    page = client.get("/w/default/topics").text
    token = csrf_of(page)
    tested = client.post(
        "/w/default/topics",
        data={
            "name": "Apps",
            "query": "kraschar OR app*",
            "kind": "theme",
            "action": "test",
            "csrf": token,
        },
    )
    assert "1 mentions in the last 7 days match" in tested.text
    assert "<mark>kraschar</mark>" in tested.text
    bad = client.post(
        "/w/default/topics",
        data={"name": "Bad", "query": "(acme", "kind": "theme", "csrf": token},
    )
    assert bad.status_code == 400 and "column" in bad.text
    saved = client.post(
        "/w/default/topics",
        data={"name": "Apps", "query": "kraschar", "kind": "theme", "csrf": token},
    )
    assert "1 stored mentions match it" in saved.text
    from lyssna import listening

    topic = next(t for t in listening.list_topics(site.ctx) if t.name == "Apps")
    edited = client.post(
        "/w/default/topics",
        data={
            "topic_id": topic.id,
            "name": "Apps",
            "query": "acme",
            "kind": "brand",
            "csrf": token,
        },
    )
    assert "stored mentions match it" in edited.text
    assert next(t for t in listening.list_topics(site.ctx) if t.name == "Apps").kind == "brand"
    client.post(f"/w/default/topics/{topic.id}/remove", data={"csrf": token})
    assert "Apps" not in {t.name for t in listening.list_topics(site.ctx)}


def test_viewer_cannot_change_topics(site, client):
    signed_in(site, client, "viewer")
    page = client.get("/w/default/topics").text
    assert "Add a topic" not in page
    response = client.post(
        "/w/default/topics",
        data={"name": "X", "query": "x", "kind": "theme", "csrf": csrf_of(page)},
    )
    assert response.status_code == 403


def test_admin_invites_and_new_user_signs_in(site, client):
    signed_in(site, client, "admin")
    page = client.get("/w/default/members").text
    token = csrf_of(page)
    invited = client.post(
        "/w/default/members", data={"email": "new@example.com", "role": "editor", "csrf": token}
    )
    link = re.search(r'id="setup-link">([^<]+)<', invited.text).group(1)
    refused = client.post(
        "/w/default/members", data={"email": "boss@example.com", "role": "owner", "csrf": token}
    )
    assert refused.status_code == 400 and "only an owner" in refused.text

    client.cookies.clear()
    form = client.get(link)
    password = "a new password"
    client.post(link, data={"password": password, "repeat": password, "csrf": csrf_of(form.text)})
    client.cookies.clear()
    sign_in(client, "new@example.com", password)
    assert client.get("/w/default/topics").status_code == 200
    assert client.get("/w/default/members").status_code == 403


def test_last_owner_stays(site, client):
    signed_in(site, client, "owner")
    page = client.get("/w/default/members").text
    with site.ctx.engine.connect() as conn:
        from lyssna.storage import accounts

        owner = accounts.user_by_email(conn, site.email("owner"))
    response = client.post(
        f"/w/default/members/{owner.id}/role", data={"role": "viewer", "csrf": csrf_of(page)}
    )
    assert response.status_code == 400 and "at least one owner" in response.text


def test_no_cross_workspace_access(site, client):
    signed_in(site, client, "owner")
    assert client.get("/w/other/").status_code == 404
    assert client.get("/w/other/mentions").status_code == 404
    assert client.get("/w/nonexistent/").status_code == 404
    # A mention id of another workspace, through this workspace's URL.
    assert client.get(f"/w/default/mentions/{site.other_mention_id}").status_code == 404
    page = client.get("/w/default/mentions").text
    response = client.post(
        f"/w/default/mentions/{site.other_mention_id}/sentiment",
        data={"sentiment": "positive", "csrf": csrf_of(page)},
    )
    assert response.status_code in (400, 404)
    html = client.get("/w/default/mentions", params={"topic": site.other_topic_id}).text
    assert "secret plan" not in html
    assert "secret plan" not in client.get("/w/default/mentions", params={"q": "secret"}).text
    assert (
        client.get("/switch", params={"slug": "other"}, follow_redirects=False).headers["location"]
        == "/"
    )


def test_workspace_switcher_for_several_memberships(site, client):
    from lyssna.storage import accounts
    from lyssna.storage.database import write_transaction

    with write_transaction(site.ctx.engine) as conn:
        user = accounts.user_by_email(conn, site.email("viewer"))
        accounts.set_membership(conn, user.id, site.other.workspace.id, "viewer")
    signed_in(site, client, "viewer")
    html = client.get("/w/default/").text
    assert 'id="workspace-switch"' in html and "Other AB" in html
    response = client.get("/switch", params={"slug": "other"}, follow_redirects=False)
    assert response.headers["location"] == "/w/other/"
    assert "secret plan" in client.get("/w/other/mentions").text


def test_account_tokens(site, client):
    signed_in(site, client, "viewer")
    page = client.get("/account").text
    created = client.post("/account/tokens", data={"name": "Excel", "csrf": csrf_of(page)})
    token = re.search(r'id="new-token">([^<]+)<', created.text).group(1)
    assert token.startswith("lys_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r"/account/tokens/(\d+)/revoke", created.text).group(1)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf": csrf_of(page)})
    client.cookies.clear()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_change_password(site, client):
    signed_in(site, client, "viewer")
    page = client.get("/account").text
    weak = client.post(
        "/account/password",
        data={"current": site.passwords["viewer"], "new": "short", "csrf": csrf_of(page)},
    )
    assert weak.status_code == 400
    done = client.post(
        "/account/password",
        data={
            "current": site.passwords["viewer"],
            "new": "a much longer one",
            "csrf": csrf_of(page),
        },
    )
    assert "Password changed" in done.text
    client.cookies.clear()
    sign_in(client, site.email("viewer"), "a much longer one")


def test_vendor_and_static_files(client):
    plotly = client.get("/static/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert "JSON.parse" in client.get("/static/charts.js").text
    assert client.get("/static/app.css").status_code == 200
