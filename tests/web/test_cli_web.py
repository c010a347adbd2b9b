"""`lyssna users add` and the demo user (the lead registers the commands in main.py)."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from lyssna.cli import common
from lyssna.cli.web import users_app
from lyssna.storage import accounts
from lyssna.web import auth, ensure_demo_user


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main(
        home: str = typer.Option(None, "--home"), db: str = typer.Option(None, "--db")
    ) -> None:
        common.set_global_flags(home=home, database_url=db, workspace=None)

    app.add_typer(users_app, name="users")
    return app


def test_users_add_prints_a_one_time_password(sqlite_workspace):
    settings = sqlite_workspace.settings
    runner = CliRunner()
    args = ["--home", str(settings.home), "--db", settings.database_url]
    result = runner.invoke(_app(), [*args, "users", "add", "Anna@Example.com", "--role", "owner"])
    assert result.exit_code == 0, result.output
    password = re.search(r"One-time password \(shown only now\): (\S+)", result.output).group(1)
    user = auth.sign_in(sqlite_workspace.engine, "anna@example.com", password, "127.0.0.1")
    with sqlite_workspace.engine.connect() as conn:
        assert accounts.memberships_of(conn, user.id)[0].role == "owner"
    listed = runner.invoke(_app(), [*args, "users", "list"])
    assert re.search(r"anna@example.com\s+owner", listed.output)
    bad = runner.invoke(_app(), [*args, "users", "add", "bo@example.com", "--role", "king"])
    assert bad.exit_code == 2 and "unknown role" in bad.output


def test_demo_user_gets_a_fresh_password(sqlite_workspace):
    email, first = ensure_demo_user(sqlite_workspace)
    _, second = ensure_demo_user(sqlite_workspace)
    assert first != second
    user = auth.sign_in(sqlite_workspace.engine, email, second, "127.0.0.1")
    with sqlite_workspace.engine.connect() as conn:
        assert accounts.memberships_of(conn, user.id)[0].role == "owner"
