"""The sources page: everyone sees health, admins add, check, edit and remove; secrets stay
secret; bad settings say what is wrong and store nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lyssna.connectors import manage
from lyssna.storage import connector_state as state_store
from lyssna.storage.database import write_transaction
from tests.connectors.fakes.feeds import FakeFeeds
from tests.connectors.fakes.server import FakeServer
from tests.web.conftest import csrf_of, signed_in


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    server = FakeServer().start()
    fake = FakeFeeds(server)
    fake.add("a1", "Elvåra", "Elvåra höjer priset")
    yield fake
    server.stop()


def _form(token: str, **fields: str) -> dict[str, str]:
    return {"csrf": token, **fields}


def test_viewer_sees_sources_and_health_but_cannot_change_them(site, client):
    manage.add_source(site.ctx, "hackernews", "hn", {"queries": ["acme"]})
    signed_in(site, client, "viewer")
    page = client.get("/w/default/sources")
    assert page.status_code == 200
    assert 'data-source="hn"' in page.text and "not read yet" in page.text
    assert 'id="source-form"' not in page.text
    token = csrf_of(client.get("/w/default/topics").text)
    refused = client.post(
        "/w/default/sources", data=_form(token, kind="rss", name="x", f_url="https://a.example")
    )
    assert refused.status_code == 403
    assert client.post("/w/default/sources/hn/remove", data={"csrf": token}).status_code == 403
    assert len(manage.list_sources(site.ctx)) == 1


def test_admin_checks_adds_edits_and_removes_a_feed(site, client, feeds):
    signed_in(site, client, "admin")
    page = client.get("/w/default/sources?kind=rss")
    token = csrf_of(page.text)
    assert 'name="f_url"' in page.text and 'name="f_interval_seconds"' in page.text

    checked = client.post(
        "/w/default/sources",
        data=_form(token, kind="rss", name="blogg", f_url=feeds.rss_url, action="check"),
    )
    assert checked.status_code == 200 and "Works:" in checked.text
    assert manage.list_sources(site.ctx) == []  # a check stores nothing
    not_a_feed = client.post(
        "/w/default/sources",
        data=_form(
            token, kind="rss", name="blogg", f_url=feeds.server.url + "/page.html", action="check"
        ),
    )
    assert "Does not work:" in not_a_feed.text

    added = client.post(
        "/w/default/sources",
        data=_form(token, kind="rss", name="blogg", f_url=feeds.rss_url, f_interval_seconds="600"),
        follow_redirects=False,
    )
    assert added.status_code == 303
    (view,) = manage.list_sources(site.ctx)
    assert view.record.config == {"url": feeds.rss_url, "interval_seconds": 600}

    # A cursor and counters, as a poll would leave them.
    with write_transaction(site.ctx.engine) as conn:
        state_store.save_progress(
            conn, view.record.id, {"etag": "x"}, fetched=3, collected=2, quarantined=0
        )
    edit_page = client.get("/w/default/sources?edit=blogg")
    assert 'value="600"' in edit_page.text and "readonly" in edit_page.text
    client.post(
        "/w/default/sources",
        data=_form(token, original="blogg", f_url=feeds.rss_url, f_interval_seconds="1200"),
    )
    (view,) = manage.list_sources(site.ctx)
    assert view.record.config["interval_seconds"] == 1200
    assert view.record.cursor == {"etag": "x"}  # a schedule change keeps its place
    assert view.record.mentions_collected == 2
    client.post(
        "/w/default/sources",
        data=_form(token, original="blogg", f_url=feeds.atom_url, f_interval_seconds="1200"),
    )
    (view,) = manage.list_sources(site.ctx)
    assert view.record.config["url"] == feeds.atom_url and view.record.cursor is None

    checked_stored = client.post("/w/default/sources/blogg/check", data={"csrf": token})
    assert "blogg: Works:" in checked_stored.text

    removed = client.post(
        "/w/default/sources/blogg/remove", data={"csrf": token}, follow_redirects=False
    )
    assert removed.status_code == 303 and manage.list_sources(site.ctx) == []


def test_bad_settings_say_what_is_wrong_and_store_nothing(site, client):
    signed_in(site, client, "admin")
    token = csrf_of(client.get("/w/default/sources?kind=mastodon").text)
    no_words = client.post(
        "/w/default/sources",
        data=_form(token, kind="mastodon", name="fedi", f_instance="mastodon.example"),
    )
    assert no_words.status_code == 400
    assert "give at least one" in no_words.text and 'value="mastodon.example"' in no_words.text
    bad_interval = client.post(
        "/w/default/sources",
        data=_form(token, kind="hackernews", name="hn", f_queries="acme", f_interval_seconds="1"),
    )
    assert bad_interval.status_code == 400 and "interval_seconds" in bad_interval.text
    bad_name = client.post(
        "/w/default/sources",
        data=_form(token, kind="hackernews", name="no spaces!", f_queries="acme"),
    )
    assert bad_name.status_code == 400 and "source name" in bad_name.text
    server_file = client.post(
        "/w/default/sources",
        data=_form(token, kind="file", name="etc", f_path="/etc"),
    )
    assert server_file.status_code == 400 and "unknown source type" in server_file.text
    assert manage.list_sources(site.ctx) == []


def test_secrets_are_stored_as_given_and_never_sent_back(site, client):
    signed_in(site, client, "admin")
    token = csrf_of(client.get("/w/default/sources?kind=mastodon").text)
    client.post(
        "/w/default/sources",
        data=_form(
            token,
            kind="mastodon",
            name="fedi",
            f_instance="https://mastodon.example",
            f_hashtags="#elvåra\nkraftlyn",
            f_queries="elvåra",
            env_token="MASTODON_TOKEN",
            value_write_token="s3cret-write-token",
        ),
    )
    (view,) = manage.list_sources(site.ctx)
    assert view.record.config["token"] == {"$env": "MASTODON_TOKEN"}
    assert view.record.config["write_token"] == "s3cret-write-token"
    assert view.record.config["hashtags"] == ["elvåra", "kraftlyn"]
    for url in ("/w/default/sources", "/w/default/sources?edit=fedi"):
        assert "s3cret" not in client.get(url).text
    # Blank secret fields keep what is stored; "remove it" clears an optional one.
    edit = {
        "original": "fedi",
        "f_instance": "https://mastodon.example",
        "f_hashtags": "elvåra",
        "f_queries": "elvåra",
        "env_token": "MASTODON_TOKEN",
    }
    client.post("/w/default/sources", data=_form(token, **edit))
    (view,) = manage.list_sources(site.ctx)
    assert view.record.config["write_token"] == "s3cret-write-token"
    client.post("/w/default/sources", data=_form(token, **edit, clear_write_token="1"))
    (view,) = manage.list_sources(site.ctx)
    assert "write_token" not in view.record.config
    both = client.post(
        "/w/default/sources",
        data=_form(token, **{**edit, "value_token": "abc"}),
    )
    assert both.status_code == 400 and "not both" in both.text


def test_the_page_speaks_the_users_language(site, client):
    signed_in(site, client, "admin")
    token = csrf_of(client.get("/account").text)
    client.post("/account/language", data={"language": "sv", "csrf": token})
    page = client.get("/w/default/sources?kind=reddit").text
    assert "Källor" in page and "Lägg till en källa" in page and "Subreddits att läsa" in page


def _bearer(site, client, role: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/signin", json={"email": site.email(role), "password": site.passwords[role]}
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_sources_through_the_api(site, client, feeds):
    admin, viewer = _bearer(site, client, "admin"), _bearer(site, client, "viewer")
    base = "/api/v1/workspaces/default"

    kinds = client.get(f"{base}/source-kinds", headers=viewer).json()
    assert "file" not in {k["kind"] for k in kinds}
    rss = next(k for k in kinds if k["kind"] == "rss")
    assert {"name": "url", "kind": "text", "required": True, "default": None, "choices": []} in (
        rss["settings"]
    )

    body = {"name": "blogg", "kind": "rss", "settings": {"url": feeds.rss_url}}
    assert client.post(f"{base}/sources", json=body, headers=viewer).status_code == 403
    verdict = client.post(f"{base}/sources/check", json=body, headers=admin).json()
    assert verdict["ok"] is True
    created = client.post(f"{base}/sources", json=body, headers=admin)
    assert created.status_code == 201 and created.json()["health"] == "new"
    assert client.post(f"{base}/sources", json=body, headers=admin).status_code == 409
    bad = client.post(
        f"{base}/sources", json={**body, "name": "b2", "settings": {"url": 3}}, headers=admin
    )
    assert bad.status_code == 400 and "url" in bad.json()["detail"]

    fedi = {
        "name": "fedi",
        "kind": "mastodon",
        "settings": {
            "instance": "https://mastodon.example",
            "hashtags": ["elvåra"],
            "token": "abcdefgh-secret",
        },
    }
    assert client.post(f"{base}/sources", json=fedi, headers=admin).status_code == 201
    listed = {s["name"]: s for s in client.get(f"{base}/sources", headers=viewer).json()}
    assert listed["fedi"]["settings"]["token"] == "abcd…"
    changed = client.patch(
        f"{base}/sources/fedi",
        json={"settings": {"interval_seconds": 120}, "unset": ["token"]},
        headers=admin,
    )
    assert changed.status_code == 200, changed.text
    assert "token" not in changed.json()["settings"]
    assert changed.json()["settings"]["interval_seconds"] == 120
    assert client.patch(f"{base}/sources/nope", json={}, headers=admin).status_code == 404
    assert client.post(f"{base}/sources/blogg/check", headers=admin).json()["ok"] is True
    assert client.delete(f"{base}/sources/blogg", headers=viewer).status_code == 403
    assert client.delete(f"{base}/sources/blogg", headers=admin).status_code == 204
    assert [s["name"] for s in client.get(f"{base}/sources", headers=admin).json()] == ["fedi"]
