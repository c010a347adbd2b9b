"""The inbox pages: list and views, item page, assign / status / notes with versions, bulk
actions, metrics and CSV, roles, CSRF and workspace isolation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lyssna.inbox import service
from lyssna.storage import accounts
from lyssna.storage.database import write_transaction
from tests.web.conftest import _ingest, csrf_of, signed_in

EXTRA = [
    ("q1", "x", "en", 1, "How do I reset my Acme password <b>now</b>?", "neutral", 25_000, 3),
    ("q2", "mastodon", "sv", 40, "Varför är Acme så dyrt?", "negative", 300, 0),
]


@pytest.fixture
def inbox(site):
    _ingest(site.ctx, EXTRA)
    service.sync(site.ctx.engine, site.ctx.workspace.id)
    _ingest(site.other, [("o1", "x", "en", 1, "Why is the secret plan late?", "negative", 1, 1)])
    service.sync(site.other.engine, site.other.workspace.id)
    return site


def item_id(site, external_id: str) -> int:
    mention_id = site.mention_id(external_id)
    views = service.list_items(site.ctx.engine, site.ctx.workspace.id, limit=500)
    return next(v.item.id for v in views if v.mention.id == mention_id)


def version_of(site, item: int) -> int:
    return service.open_item(site.ctx.engine, site.ctx.workspace.id, item).item.item.version


def other_item_id(site) -> int:
    views = service.list_items(site.other.engine, site.other.workspace.id)
    return views[0].item.id


def test_list_shows_open_items_most_urgent_first_with_views(inbox, client: TestClient):
    signed_in(inbox, client, "responder")
    page = client.get("/w/default/inbox")
    assert page.status_code == 200
    html = page.text
    rows = re.findall(r'<tr id="item-(\d+)"', html)
    # The fixture's complaint about Acme, a question, a complaint-question; the complaint
    # about Rival (a competitor) stays in the explorer.
    assert len(rows) == 3
    assert "How do I reset my Acme password &lt;b&gt;now&lt;/b&gt;?" in html
    assert "<b>now</b>" not in html
    assert "question" in html and "reach 25,000" in html  # localised reasons, babel numbers
    assert 'aria-current="page">All open' in html
    oldest = client.get("/w/default/inbox?view=oldest").text
    ids = re.findall(r'<tr id="item-(\d+)"', oldest)
    assert ids[0] == str(item_id(inbox, "q2"))  # 40 hours old
    assert re.findall(r'<tr id="item-(\d+)"', client.get("/w/default/inbox?view=mine").text) == []
    assert (
        len(re.findall(r'<tr id="item-', client.get("/w/default/inbox?view=unassigned").text)) == 3
    )
    assert "Nothing waiting" in client.get("/w/default/inbox?status=resolved").text


def test_list_in_swedish(inbox, client):
    with write_transaction(inbox.ctx.engine) as conn:
        user = accounts.user_by_email(conn, inbox.email("viewer"))
        accounts.set_locale(conn, user.id, "sv")
    signed_in(inbox, client, "viewer")
    html = client.get("/w/default/inbox").text
    assert "Inkorg" in html and "Alla öppna" in html and "fråga" in html
    assert "räckvidd 25\u00a0000" in html or "räckvidd 25 000" in html


def test_viewer_reads_but_cannot_change(inbox, client):
    signed_in(inbox, client, "viewer")
    item = item_id(inbox, "q1")
    page = client.get(f"/w/default/inbox/{item}")
    assert page.status_code == 200
    assert (
        'id="assign-form"' not in page.text
        and 'type="checkbox"' not in client.get("/w/default/inbox").text
    )
    csrf = csrf_of(page.text)
    for path, data in (
        (f"/w/default/inbox/{item}/assign", {"assignee": "", "version": "1"}),
        (f"/w/default/inbox/{item}/status", {"status": "resolved", "version": "1"}),
        (f"/w/default/inbox/{item}/note", {"text": "hi", "version": "1"}),
        ("/w/default/inbox/bulk", {"items": f"{item}:1", "action": "status", "status": "spam"}),
    ):
        response = client.post(path, data={**data, "csrf": csrf}, follow_redirects=False)
        assert response.status_code == 403, path
    assert version_of(inbox, item) == 1


def test_item_page_assign_status_note_and_history(inbox, client):
    signed_in(inbox, client, "responder")
    item = item_id(inbox, "q1")
    page = client.get(f"/w/default/inbox/{item}")
    html = page.text
    assert 'id="cannot-send"' in html and 'id="reply-form"' not in html  # imported mentions
    assert "&lt;b&gt;now&lt;/b&gt;" in html
    assert 'name="version" value="1"' in html
    assert inbox.email("owner") in html  # members to assign to
    csrf = csrf_of(html)
    done = client.post(
        f"/w/default/inbox/{item}/assign",
        data={"assignee": inbox.email("responder"), "version": "1", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    done = client.post(
        f"/w/default/inbox/{item}/status",
        data={"status": "waiting", "version": "2", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    done = client.post(
        f"/w/default/inbox/{item}/note",
        data={"text": "Ask @editor about <the> reset flow", "version": "3", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    html = client.get(done.headers["location"]).text
    assert "Note added." in html
    assert '<mark class="at">@editor</mark> about &lt;the&gt; reset flow' in html
    assert "set the status to" in html and "Waiting" in html
    assert 'name="version" value="3"' in html
    mine = client.get("/w/default/inbox?view=mine").text
    assert re.findall(r'<tr id="item-(\d+)"', mine) == [str(item)]


def test_stale_version_shows_the_conflict(inbox, client):
    item = item_id(inbox, "q1")
    service.assign(
        inbox.ctx.engine, inbox.ctx.workspace.id, item, inbox.email("admin"),
        seen_version=1, by=inbox.email("admin"),
    )  # fmt: skip
    signed_in(inbox, client, "responder")
    csrf = csrf_of(client.get("/w/default/inbox").text)
    response = client.post(
        f"/w/default/inbox/{item}/status",
        data={"status": "resolved", "version": "1", "csrf": csrf},
    )
    assert response.status_code == 409
    assert "admin@example.com changed this item a moment ago; here is the current state" in (
        response.text
    )
    assert 'name="version" value="2"' in response.text
    assert version_of(inbox, item) == 2
    current = service.open_item(inbox.ctx.engine, inbox.ctx.workspace.id, item).item.item
    assert current.status == "assigned"


def test_forms_need_csrf(inbox, client):
    signed_in(inbox, client, "owner")
    item = item_id(inbox, "q1")
    for path, data in (
        (f"/w/default/inbox/{item}/assign", {"assignee": "", "version": "1"}),
        (f"/w/default/inbox/{item}/status", {"status": "resolved", "version": "1"}),
        (f"/w/default/inbox/{item}/note", {"text": "hi", "version": "1"}),
        ("/w/default/inbox/bulk", {"items": f"{item}:1", "action": "status", "status": "spam"}),
    ):
        response = client.post(path, data={**data, "csrf": "wrong"}, follow_redirects=False)
        assert response.status_code == 403, path
    assert version_of(inbox, item) == 1


def test_bulk_action_reports_conflicts(inbox, client):
    signed_in(inbox, client, "responder")
    a, b, c = item_id(inbox, "q1"), item_id(inbox, "q2"), item_id(inbox, "2")
    service.set_status(inbox.ctx.engine, inbox.ctx.workspace.id, b, "waiting", seen_version=1)
    csrf = csrf_of(client.get("/w/default/inbox").text)
    response = client.post(
        "/w/default/inbox/bulk",
        data={
            "items": [f"{a}:1", f"{b}:1", f"{c}:1"],
            "action": "assign",
            "assignee": inbox.email("editor"),
            "csrf": csrf,
        },
    )
    assert response.status_code == 200
    assert "2 items changed." in response.text
    assert f"someone else changed them first: #{b}" in response.text
    assert version_of(inbox, a) == 2 and version_of(inbox, b) == 2 and version_of(inbox, c) == 2
    views = service.list_items(inbox.ctx.engine, inbox.ctx.workspace.id, limit=500)
    assignees = {v.item.id: v.assignee for v in views}
    assert assignees[a] == assignees[c] == inbox.email("editor") and assignees[b] is None
    done = client.post(
        "/w/default/inbox/bulk",
        data={"items": [f"{a}:2", f"{c}:2"], "action": "status", "status": "resolved",
              "csrf": csrf},
    )  # fmt: skip
    assert "2 items changed." in done.text
    assert f'id="item-{a}"' not in done.text and f'id="item-{c}"' not in done.text


def test_other_workspace_sees_nothing(inbox, client):
    signed_in(inbox, client, "outsider")
    item = item_id(inbox, "q1")
    assert client.get("/w/default/inbox").status_code == 404
    assert client.get(f"/w/default/inbox/{item}").status_code == 404
    assert client.get("/w/default/inbox/metrics").status_code == 404
    # The outsider's own workspace does not reach into default's items either.
    assert client.get(f"/w/other/inbox/{item}").status_code == 404
    html = client.get("/w/other/inbox").text
    assert "secret plan" in html and "Acme password" not in html
    csrf = csrf_of(html)
    response = client.post(
        f"/w/other/inbox/{item}/status",
        data={"status": "spam", "version": "1", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert version_of(inbox, item) == 1


def test_unknown_item_is_404(inbox, client):
    signed_in(inbox, client, "viewer")
    assert client.get("/w/default/inbox/999999").status_code == 404


def test_metrics_page_and_csv(inbox, client):
    item = item_id(inbox, "q1")
    service.assign(
        inbox.ctx.engine, inbox.ctx.workspace.id, item, inbox.email("responder"), seen_version=1
    )
    service.set_status(inbox.ctx.engine, inbox.ctx.workspace.id, item, "resolved", seen_version=2)
    signed_in(inbox, client, "viewer")
    page = client.get("/w/default/inbox/metrics?period=7d")
    assert page.status_code == 200
    html = page.text
    for text in ("Response times", "Arrived in office hours", "Per channel", "Per person",
                 "Median first response", "responder@example.com", "mastodon"):  # fmt: skip
        assert text in html, text
    assert 'href="/w/default/inbox/metrics.csv?period=7d"' in html
    assert client.get("/w/default/inbox/metrics?period=nonsense").status_code == 200
    csv = client.get("/w/default/inbox/metrics.csv?period=7d")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("group,name,items,answered,median_first_response_hours")
    assert lines[1].startswith("overall,all,3,0,")
    assert any(line.startswith("person,responder@example.com,1,0,,,,1,") for line in lines)


def test_nav_link_and_security_headers(inbox, client):
    signed_in(inbox, client, "viewer")
    page = client.get("/w/default/inbox")
    assert 'href="/w/default/inbox" aria-current="page"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text


def use_example_strategy(site) -> None:
    """Elvåra's strategy: a 2 h first-response target; the company is not on x."""
    from lyssna.strategy import strategy_path

    path = strategy_path(site.ctx.settings.home, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    example = Path(__file__).parents[2] / "lyssna" / "strategy" / "examples" / "elvara.yaml"
    path.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")


def test_strategy_target_warns_and_guides_the_reply(inbox, client):
    use_example_strategy(inbox)
    signed_in(inbox, client, "responder")
    html = client.get("/w/default/inbox").text
    assert "First-response target: 2.0 h." in html
    late, fresh = item_id(inbox, "2"), item_id(inbox, "q1")  # 5 hours and 1 hour old
    late_row = html.split(f'<tr id="item-{late}"')[1].split("</tr>")[0]
    fresh_row = html.split(f'<tr id="item-{fresh}"')[1].split("</tr>")[0]
    assert "Target missed" in late_row and "at-risk" not in fresh_row
    page = client.get(f"/w/default/inbox/{late}").text
    assert "Vi beklagar verkligen" in page  # the saved reply for a complaint
    question = client.get(f"/w/default/inbox/{fresh}").text
    assert "Answer the question asked" in question and "Godt spørgsmål" in question


def test_assignment_follows_the_strategy(inbox, client):
    use_example_strategy(inbox)  # nobody answers on x; mastodon has no plan, so anyone may
    signed_in(inbox, client, "responder")
    on_x, on_mastodon = item_id(inbox, "q1"), item_id(inbox, "q2")
    page = client.get(f"/w/default/inbox/{on_x}").text
    assert 'value="responder@example.com"' not in page  # nobody to give it to
    assert 'value="responder@example.com"' in client.get(f"/w/default/inbox/{on_mastodon}").text
    csrf = csrf_of(page)
    refused = client.post(
        f"/w/default/inbox/{on_x}/assign",
        data={"assignee": inbox.email("responder"), "version": "1", "csrf": csrf},
    )
    assert refused.status_code == 400 and "not on x" in refused.text
    response = client.post(
        "/w/default/inbox/bulk",
        data={"items": [f"{on_x}:1", f"{on_mastodon}:1"], "action": "assign",
              "assignee": inbox.email("editor"), "csrf": csrf},
    )  # fmt: skip
    assert "1 items changed." in response.text
    assert f"the strategy names others for the channel: #{on_x}" in response.text
    assert version_of(inbox, on_x) == 1 and version_of(inbox, on_mastodon) == 2


def test_the_list_comes_in_pages(inbox, client, monkeypatch):
    from lyssna.web.routes import inbox as routes

    monkeypatch.setattr(routes, "LIST_LIMIT", 2)
    signed_in(inbox, client, "viewer")
    first = client.get("/w/default/inbox").text
    shown = re.findall(r'<tr id="item-(\d+)"', first)
    assert len(shown) == 2
    after = re.search(
        r'id="next-page" rel="next" href="[^"]*"|href="([^"]+)" id="next-page"', first
    )
    assert after is not None
    link = after.group(1).replace("&amp;", "&")
    second = client.get(link).text
    rest = re.findall(r'<tr id="item-(\d+)"', second)
    assert rest and not set(rest) & set(shown) and "Most urgent" in second
    assert client.get("/w/default/inbox?after=garbage").status_code == 200
