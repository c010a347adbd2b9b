"""Invitation links: a new member sets their own password through a link that works once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from lyssna.cli.main import app as cli
from lyssna.core.clock import utcnow
from lyssna.storage.database import write_transaction
from lyssna.storage.invitations import invitations
from lyssna.web import auth
from tests.web.conftest import csrf_of, sign_in, signed_in

LINK = re.compile(r'id="setup-link">([^<]+)<')


def _invite(client, email: str, role: str = "viewer") -> str:
    page = client.get("/w/default/members").text
    response = client.post(
        "/w/default/members", data={"email": email, "role": role, "csrf": csrf_of(page)}
    )
    assert response.status_code == 200, response.text
    found = LINK.search(response.text)
    return found.group(1) if found else ""


def _set_password(client, link: str, password: str, repeat: str | None = None):
    client.get(link)  # sets the form's CSRF cookie, even when the link no longer works
    csrf = client.cookies.get(auth.PRE_SESSION_COOKIE)
    return client.post(
        link,
        data={"password": password, "repeat": repeat or password, "csrf": csrf},
        follow_redirects=False,
    )


def test_link_sets_the_password_once(site, client):
    signed_in(site, client, "admin")
    link = _invite(client, "nina@example.com", "responder")
    assert link.startswith("http://testserver/invite/")
    members = client.get("/w/default/members").text
    assert "has not set a password yet" in members

    client.cookies.clear()
    form = client.get(link)
    assert form.status_code == 200 and "nina@example.com" in form.text
    assert form.headers["referrer-policy"] == "no-referrer"
    assert _set_password(client, link, "short").status_code == 400
    assert "differ" in _set_password(client, link, "long enough 1", "long enough 2").text
    done = _set_password(client, link, "nina's own password")
    assert done.status_code == 303 and done.headers["location"] == "/w/default/"
    assert client.get("/w/default/").status_code == 200  # signed in as Nina
    assert client.get("/w/default/members").status_code == 403  # a responder

    client.cookies.clear()
    again = client.get(link)
    assert again.status_code == 404 and "no longer valid" in again.text
    refused = _set_password(client, link, "someone else's password")
    assert refused.status_code == 404
    sign_in(client, "nina@example.com", "nina's own password")

    client.cookies.clear()
    signed_in(site, client, "admin")
    assert "has not set a password yet" not in client.get("/w/default/members").text


def test_account_cannot_be_used_before_the_link(site, client):
    signed_in(site, client, "admin")
    _invite(client, "pending@example.com")
    client.cookies.clear()
    page = client.get("/signin")
    response = client.post(
        "/signin",
        data={"email": "pending@example.com", "password": "", "csrf": csrf_of(page.text)},
    )
    assert response.status_code == 401


def test_new_invitation_replaces_the_old_link_and_links_expire(site, client):
    signed_in(site, client, "admin")
    first = _invite(client, "late@example.com")
    second = _invite(client, "late@example.com")
    assert first != second
    client.cookies.clear()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    with write_transaction(site.ctx.engine) as conn:
        conn.execute(update(invitations).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get(second).status_code == 404
    assert _set_password(client, second, "too late a password").status_code == 404


def test_existing_user_gets_no_link(site, client):
    signed_in(site, client, "owner")
    page = client.get("/w/default/members").text
    response = client.post(
        "/w/default/members",
        data={"email": site.email("viewer"), "role": "editor", "csrf": csrf_of(page)},
    )
    assert response.status_code == 200 and not LINK.search(response.text)


def test_form_needs_its_csrf_token(site, client):
    signed_in(site, client, "admin")
    link = _invite(client, "csrf@example.com")
    client.cookies.clear()
    client.get(link)
    response = client.post(link, data={"password": "x" * 12, "repeat": "x" * 12, "csrf": "no"})
    assert response.status_code == 403
    assert client.get(link).status_code == 200  # still unused


def test_unknown_link(client):
    response = client.get("/invite/not-a-real-token")
    assert response.status_code == 404 and "no longer valid" in response.text


def test_cli_invite_prints_the_link(site, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(site.ctx.settings.home))
    monkeypatch.setenv("LYSSNA_DATABASE_URL", site.ctx.settings.database_url)
    monkeypatch.setenv("LYSSNA_PUBLIC_URL", "https://lyssna.example.com/")
    result = CliRunner().invoke(cli, ["users", "invite", "cli@example.com", "--role", "editor"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://lyssna\.example\.com/invite/\S+", result.output).group(0)
    user, slug = auth.accept_invitation(
        site.ctx.engine, link.rsplit("/", 1)[1], "a password from the cli"
    )
    assert (user.email, slug) == ("cli@example.com", "default")
    again = CliRunner().invoke(cli, ["users", "invite", "cli@example.com"])
    assert "already have an account" in again.output
