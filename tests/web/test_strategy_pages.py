"""The strategy pages: the report, the editor (admins and owners) and the text check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lyssna.strategy import strategy_path
from tests.web.conftest import csrf_of, signed_in

VALID = """\
version: 1
company:
  name: Acme <b>AB</b>
  website: https://www.acme.example
  brand_topic: Acme
  competitor_topics: [Rival]
  languages: [sv, en]
purpose: Answer our customers where they talk.
goals:
  - name: People speak well of us
    metric: net_sentiment
    target: 20
  - name: Few unhappy voices
    metric: negative_share
    target: 25
  - name: Answer quickly
    metric: first_response_time
    target: 2h
team:
  roles:
    community: [Sara Lindqvist]
channels:
  x:
    present: false
    reason: Our customers moved on.
  mastodon:
    present: true
    purpose: Answer questions.
    answer: [community]
    profile:
      description: We answer your questions on weekdays.
      person: Sara Lindqvist
      interests: [energy]
      website: https://www.acme.example/kontakt
      photo: profiles/mastodon.jpg
crisis:
  triggers:
    negative_per_hour_above: 40
  decides: [community]
  update_every: 1h
"""

# An unknown key on line 8 (and so a missing purpose), an impossible target at line 15, column 13.
INVALID = VALID.replace("    target: 25\n", "    target: 140\n").replace(
    "purpose: Answer our", "purpos: Answer our"
)


def _path(site) -> Path:
    return strategy_path(site.ctx.settings.home, "default")


def _write(site, text: str = VALID) -> Path:
    path = _path(site)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _edit_form(client, slug: str = "default") -> tuple[str, str]:
    page = client.get(f"/w/{slug}/strategy/edit")
    assert page.status_code == 200, page.text
    base = re.search(r'name="base" value="([^"]*)"', page.text)
    assert base
    return csrf_of(page.text), base.group(1)


def test_nav_links_to_the_strategy(site, client):
    signed_in(site, client, "viewer")
    page = client.get("/w/default/")
    assert 'href="/w/default/strategy"' in page.text


def test_report_without_a_strategy_offers_to_start(site, client):
    signed_in(site, client, "admin")
    page = client.get("/w/default/strategy")
    assert page.status_code == 200
    assert "/strategy/edit?start=template" in page.text
    assert "/strategy/edit?start=example" in page.text
    editor = client.get("/w/default/strategy/edit?start=example")
    assert "Elvåra" in editor.text  # the example, loaded into the editor, not yet saved
    assert not _path(site).exists()


def test_viewer_reads_the_report_but_cannot_edit(site, client):
    _write(site)
    signed_in(site, client, "viewer")
    page = client.get("/w/default/strategy")
    assert page.status_code == 200
    assert "People speak well of us" in page.text
    assert "Acme &lt;b&gt;AB&lt;/b&gt;" in page.text and "<b>AB</b>" not in page.text
    assert "/strategy/edit" not in page.text
    assert client.get("/w/default/strategy/edit").status_code == 403
    csrf = csrf_of(page.text)
    response = client.post(
        "/w/default/strategy/edit", data={"text": "x: 1", "action": "save", "csrf": csrf}
    )
    assert response.status_code == 403
    assert _path(site).read_text(encoding="utf-8") == VALID


@pytest.mark.parametrize("role", ["editor", "responder"])
def test_only_admins_and_owners_edit(site, client, role):
    signed_in(site, client, role)
    assert client.get("/w/default/strategy").status_code == 200
    assert client.get("/w/default/strategy/edit").status_code == 403


def test_report_shows_goals_crisis_where_and_profiles(site, client):
    _write(site)
    signed_in(site, client, "owner")
    page = client.get("/w/default/strategy?period=7d")
    assert page.status_code == 200
    text = page.text
    for part in ('id="goals"', 'id="crisis"', 'id="where"', 'id="profiles"'):
        assert part in text
    assert re.search(r"status-(green|amber|red)", text)
    assert "no answered inbox items" in text  # first_response_time, from the inbox
    assert "negative mentions per hour above 40" in text
    assert "Where are our customers?" in text
    assert "be present" in text or "keep" in text
    assert "ready" in text  # the mastodon profile is complete


def test_report_is_localised(site, client):
    _write(site)
    signed_in(site, client, "owner")
    csrf = csrf_of(client.get("/account").text)
    client.post("/account/language", data={"language": "sv", "csrf": csrf})
    page = client.get("/w/default/strategy")
    assert "Var finns våra kunder?" in page.text
    assert "ingen data" in page.text


def test_report_of_an_invalid_strategy_points_to_the_editor(site, client):
    _write(site, INVALID)
    signed_in(site, client, "admin")
    page = client.get("/w/default/strategy")
    assert page.status_code == 200
    assert 'id="strategy-invalid"' in page.text
    assert "line 15, column 13" in page.text


def test_check_shows_every_problem_with_line_and_column(site, client):
    _write(site)
    signed_in(site, client, "admin")
    csrf, base = _edit_form(client)
    response = client.post(
        "/w/default/strategy/edit",
        data={"text": INVALID, "base": base, "action": "check", "csrf": csrf},
    )
    assert response.status_code == 200
    assert "line 8, column 1" in response.text  # unknown key purpos
    assert "did you mean" in response.text
    assert "line 15, column 13" in response.text  # impossible target 140
    assert "purpos: Answer" in response.text  # the user's text is kept
    assert _path(site).read_text(encoding="utf-8") == VALID


def test_save_refuses_an_invalid_document_and_writes_nothing(site, client):
    _write(site)
    signed_in(site, client, "admin")
    csrf, base = _edit_form(client)
    response = client.post(
        "/w/default/strategy/edit",
        data={"text": INVALID, "base": base, "action": "save", "csrf": csrf},
    )
    assert response.status_code == 422
    assert "line 15, column 13" in response.text
    assert "purpos: Answer" in response.text
    assert _path(site).read_text(encoding="utf-8") == VALID
    assert not _path(site).with_name("strategy.yaml.bak").exists()
    assert not (_path(site).parent / "strategy.log").exists()


def test_save_writes_keeps_a_backup_and_logs_who(site, client):
    _write(site)
    signed_in(site, client, "admin")
    csrf, base = _edit_form(client)
    changed = VALID.replace("target: 20", "target: 30")
    response = client.post(
        "/w/default/strategy/edit",
        data={"text": changed.replace("\n", "\r\n"), "base": base, "action": "save", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/w/default/strategy?done=saved"
    path = _path(site)
    assert path.read_text(encoding="utf-8") == changed
    assert path.with_name("strategy.yaml.bak").read_text(encoding="utf-8") == VALID
    log = (path.parent / "strategy.log").read_text(encoding="utf-8")
    assert "admin@example.com" in log and "\tsaved\t" in log and "\tdefault\t" in log
    assert not list(path.parent.glob(".strategy.yaml.*.tmp"))  # no temp file left behind
    assert "The strategy was saved." in client.get(response.headers["location"]).text


def test_save_over_a_change_made_meanwhile_is_refused(site, client):
    _write(site)
    signed_in(site, client, "owner")
    csrf, base = _edit_form(client)
    _write(site, VALID.replace("target: 20", "target: 10"))  # someone saved in between
    response = client.post(
        "/w/default/strategy/edit",
        data={"text": VALID, "base": base, "action": "save", "csrf": csrf},
    )
    assert response.status_code == 409
    assert "target: 10" in _path(site).read_text(encoding="utf-8")


def test_first_save_from_the_template(site, client):
    signed_in(site, client, "owner")
    page = client.get("/w/default/strategy/edit?start=template")
    template = re.search(r'<textarea name="text"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert template and "Your Company AB" in template.group(1)
    response = client.post(
        "/w/default/strategy/edit",
        data={
            "text": VALID,
            "base": re.search(r'name="base" value="([^"]*)"', page.text).group(1),
            "action": "save",
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _path(site).read_text(encoding="utf-8") == VALID
    assert not _path(site).with_name("strategy.yaml.bak").exists()


def test_editor_forms_need_the_csrf_token(site, client):
    _write(site)
    signed_in(site, client, "owner")
    _csrf, base = _edit_form(client)
    for data in (
        {"text": VALID + "\n# changed\n", "base": base, "action": "save"},
        {"text": VALID, "base": base, "action": "save", "csrf": "wrong"},
    ):
        response = client.post("/w/default/strategy/edit", data=data)
        assert response.status_code == 403
    assert client.post("/w/default/strategy/lint", data={"text": "Köp nu!"}).status_code == 403
    assert _path(site).read_text(encoding="utf-8") == VALID


def test_another_workspace_sees_nothing(site, client):
    _write(site)
    signed_in(site, client, "outsider")
    for url in ("/w/default/strategy", "/w/default/strategy/edit", "/w/default/strategy/lint"):
        assert client.get(url).status_code == 404, url
    # The outsider's own workspace has a strategy of its own, not ours.
    page = client.get("/w/other/strategy")
    assert page.status_code == 200
    assert "People speak well of us" not in page.text
    assert "/strategy/edit?start=template" in page.text


def test_each_workspace_saves_its_own_document(site, client):
    _write(site)
    signed_in(site, client, "outsider")
    csrf, base = _edit_form(client, "other")
    other = VALID.replace("brand_topic: Acme", "brand_topic: Secret").replace(
        "competitor_topics: [Rival]", "competitor_topics: []"
    )
    response = client.post(
        "/w/other/strategy/edit",
        data={"text": other, "base": base, "action": "save", "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _path(site).read_text(encoding="utf-8") == VALID  # the default one is untouched
    own = strategy_path(site.ctx.settings.home, "other")
    assert own.read_text(encoding="utf-8") == other


def _lint(client, text: str, **extra: str):
    page = client.get("/w/default/strategy/lint")
    assert page.status_code == 200
    data = {"text": text, "lang": "", "question": "", "channel": "", "csrf": csrf_of(page.text)}
    data.update(extra)
    return client.post("/w/default/strategy/lint", data=data)


def test_lint_flags_sales_talk_and_highlights_it(site, client):
    signed_in(site, client, "viewer")
    response = _lint(client, "Köp nu! Marknadens bästa pris!", lang="sv")
    assert response.status_code == 200
    text = response.text
    assert "sales talk: pushes to buy" in text
    assert "bragging" in text
    assert re.search(r"<mark[^>]*>Köp nu</mark>", text)
    assert re.search(r"<mark[^>]*>Marknadens bästa</mark>", text)


def test_lint_leaves_a_helpful_answer_alone(site, client):
    signed_in(site, client, "viewer")
    response = _lint(
        client,
        "Hej! Fakturan kommer den 25:e varje månad. Du hittar den under Mina sidor.",
        lang="sv",
        question="När kommer fakturan?",
    )
    assert response.status_code == 200
    assert 'id="lint-clean"' in response.text
    assert "<mark" not in response.text


def test_lint_escapes_the_text(site, client):
    signed_in(site, client, "viewer")
    response = _lint(client, "<script>alert(1)</script> KÖP NU <img src=x onerror=alert(2)>")
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "<img src=x" not in response.text


def test_lint_uses_the_words_the_voice_avoids(site, client):
    _write(
        site,
        VALID.replace(
            "  languages: [sv, en]\n", "  languages: [sv, en]\nvoice:\n  avoid: [synergi*]\n"
        ),
    )
    signed_in(site, client, "viewer")
    response = _lint(client, "Vi skapar synergier för dig.", channel="mastodon")
    assert "the strategy&#39;s voice avoids this word" in response.text


def test_lint_refuses_an_unknown_language(site, client):
    signed_in(site, client, "viewer")
    assert _lint(client, "Hej", lang="xx").status_code == 400


def test_editor_escapes_the_document_and_the_problems(site, client):
    signed_in(site, client, "owner")
    csrf, base = _edit_form(client)
    hostile = "</textarea><script>window.__x = 1</script>\n<img src=x onerror=alert(1)>: 1\n"
    response = client.post(
        "/w/default/strategy/edit",
        data={"text": hostile, "base": base, "action": "check", "csrf": csrf},
    )
    assert response.status_code == 200
    assert "<script>window.__x" not in response.text
    assert "<img src=x" not in response.text
    assert "&lt;/textarea&gt;&lt;script&gt;" in response.text
