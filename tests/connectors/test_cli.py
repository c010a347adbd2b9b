"""`lyssna sources ...` and `lyssna listen --once` as a user runs them."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from lyssna.cli import common
from lyssna.cli.sources import listen, sources_app
from lyssna.core.settings import load_settings
from lyssna.workspace import init_workspace
from tests.connectors.fakes.feeds import FakeFeeds
from tests.connectors.fakes.mastodon import TOKEN, WRITE_TOKEN, FakeMastodon
from tests.connectors.fakes.server import Response

app = typer.Typer()
app.add_typer(sources_app, name="sources")
app.command()(listen)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("LYSSNA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LYSSNA_DATABASE_URL", raising=False)
    monkeypatch.delenv("LYSSNA_WORKSPACE", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    common.set_global_flags()
    init_workspace(load_settings()).engine.dispose()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def feeds(server):
    fake = FakeFeeds(server)
    fake.add("a1", "Elvåra i Bergen", "Ny kafé åpner neste uke")
    return fake


def test_add_list_test_listen_remove(run, feeds):
    added = run("sources", "add", "rss", "matbloggen", "--url", feeds.rss_url)
    assert added.exit_code == 0, added.output
    assert "Added rss source matbloggen" in added.output

    listed = run("sources", "list")
    assert "matbloggen" in listed.output and "new" in listed.output

    tested = run("sources", "test", "matbloggen")
    assert tested.exit_code == 0 and "OK" in tested.output and "Matbloggen" in tested.output

    once = run("listen", "--once")
    assert once.exit_code == 0, once.output
    assert "1 fetched, 1 new" in once.output

    listed = run("sources", "list")
    assert "healthy" in listed.output

    removed = run("sources", "remove", "matbloggen")
    assert removed.exit_code == 0 and "Removed rss source matbloggen" in removed.output
    assert "No sources yet" in run("sources", "list").output


def test_secrets_are_never_shown(run, server, monkeypatch):
    masto = FakeMastodon(server)
    monkeypatch.setenv("MASTODON_TOKEN", TOKEN)
    by_env = run(
        "sources", "add", "mastodon", "fediverse", "--instance", masto.url,
        "--hashtag", "elvåra", "--query", "elvåra", "--token-env", "MASTODON_TOKEN",
    )  # fmt: skip
    assert by_env.exit_code == 0, by_env.output
    literal = run(
        "sources", "add", "mastodon", "inline", "--instance", masto.url,
        "--query", "elvåra", "--token", TOKEN,
    )  # fmt: skip
    assert literal.exit_code == 0, literal.output
    listed = run("sources", "list")
    assert "$MASTODON_TOKEN" in listed.output
    assert "mast…" in listed.output
    assert TOKEN not in listed.output + by_env.output + literal.output
    tested = run("sources", "test", "fediverse")
    assert tested.exit_code == 0 and "access token: accepted" in tested.output


def test_write_credentials_and_other_settings_by_name(run, server, monkeypatch):
    masto = FakeMastodon(server)
    monkeypatch.setenv("MASTODON_WRITE_TOKEN", WRITE_TOKEN)
    added = run(
        "sources", "add", "mastodon", "answers", "--instance", masto.url, "--hashtag", "elvåra",
        "--env", "write_token=MASTODON_WRITE_TOKEN", "--set", "page_size=20",
        "--env", "token=UNSET_READ_TOKEN",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "write_token=$MASTODON_WRITE_TOKEN" in added.output and "page_size=20" in added.output
    assert "$UNSET_READ_TOKEN is not set here" in added.output
    assert WRITE_TOKEN not in added.output
    monkeypatch.setenv("UNSET_READ_TOKEN", TOKEN)
    tested = run("sources", "test", "answers")
    assert "write token: accepted, posts as @elvara" in tested.output, tested.output
    wrong = run("sources", "add", "mastodon", "x", "--instance", masto.url, "--env", "token")
    assert wrong.exit_code != 0 and "--env takes FIELD=VALUE" in wrong.output


def test_a_failing_source_gets_a_clear_verdict(run, server, monkeypatch):
    masto = FakeMastodon(server)
    monkeypatch.setenv("MASTODON_TOKEN", "wrong-token-value")
    run(
        "sources", "add", "mastodon", "fediverse", "--instance", masto.url,
        "--query", "elvåra", "--token-env", "MASTODON_TOKEN",
    )  # fmt: skip
    tested = run("sources", "test", "fediverse")
    assert tested.exit_code == 1
    assert "FAILED" in tested.output and "401" in tested.output
    assert "$MASTODON_TOKEN" in tested.output and "wrong-token-value" not in tested.output
    once = run("listen", "--once")
    assert once.exit_code == 1 and "unhealthy" in once.output
    assert "unhealthy" in run("sources", "list").output


def test_listen_once_survives_a_server_that_is_down(run, feeds, server):
    run("sources", "add", "rss", "down", "--url", f"{server.url}/missing.xml")
    run("sources", "add", "rss", "up", "--url", feeds.rss_url)
    once = run("listen", "--once")
    assert once.exit_code == 1
    assert "up: 1 fetched, 1 new" in once.output
    assert "down: unhealthy" in once.output and "404" in once.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sources", "add", "myspace", "x"), "unknown source type 'myspace'"),
        (("sources", "add", "rss", "x"), "url: Field required"),
        (("sources", "add", "rss", "x", "--url", "ftp://x"), "http:// or https://"),
        (("sources", "add", "rss", "x", "--url", "https://a", "--hashtag", "y"), "--hashtag"),
        (("sources", "add", "mastodon", "x", "--instance", "https://m"), "--hashtag or --query"),
        (("sources", "add", "mastodon", "x", "--instance", "https://m", "--query", "a"), "token"),
        (("sources", "add", "rss", "a b", "--url", "https://a"), "source name"),
        (("sources", "test", "nothing"), "no source named 'nothing'"),
        (("sources", "remove", "nothing"), "no source named 'nothing'"),
    ],
)
def test_mistakes_get_one_line_messages(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_name_is_used_once(run, feeds):
    run("sources", "add", "rss", "matbloggen", "--url", feeds.rss_url)
    again = run("sources", "add", "rss", "matbloggen", "--url", feeds.rss_url)
    assert again.exit_code == 2 and "already exists" in again.output


def test_listen_without_sources_says_what_to_do(run):
    result = run("listen", "--once")
    assert result.exit_code == 0 and "sources add" in result.output


def test_listen_once_with_server_errors_marks_backing_off(run, feeds, server):
    run("sources", "add", "rss", "matbloggen", "--url", feeds.rss_url)
    server.script(*[Response(503, b"")] * 10, path="/feed.xml")
    once = run("listen", "--once")
    assert once.exit_code == 1 and "backing off" in once.output


def test_sources_edit_changes_settings_and_says_when_the_cursor_restarts(sources_cli):
    added = sources_cli("add", "bluesky", "sky", "--query", "elvåra")
    assert added.exit_code == 0, added.output
    slower = sources_cli("edit", "sky", "--set", "interval_seconds=900")
    assert slower.exit_code == 0, slower.output
    assert "interval_seconds=900" in slower.output and "starts again" not in slower.output
    more = sources_cli("edit", "sky", "--set", "queries=elvåra, kraftlyn")
    assert more.exit_code == 0 and "queries=elvåra,kraftlyn" in more.output
    assert "starts again from the newest items" in more.output
    back = sources_cli("edit", "sky", "--unset", "interval_seconds")
    assert back.exit_code == 0 and "interval_seconds" not in back.output
    bad = sources_cli("edit", "sky", "--set", "interval_seconds=1")
    assert bad.exit_code == 2 and "interval_seconds" in bad.output
    assert "Traceback" not in bad.output
    nothing = sources_cli("edit", "sky")
    assert nothing.exit_code == 2 and "nothing to change" in nothing.output
    missing = sources_cli("edit", "nope", "--set", "interval_seconds=900")
    assert missing.exit_code == 2 and "no source named 'nope'" in missing.output
