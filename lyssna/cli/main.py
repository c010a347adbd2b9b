"""The `lyssna` command. Every verb is a thin shell over a library call."""

from __future__ import annotations

from pathlib import Path

import typer

from lyssna import __version__
from lyssna.cli import common
from lyssna.cli.analyze import analyze_command
from lyssna.cli.common import console, guarded
from lyssna.cli.corrections import analysis_app
from lyssna.cli.demo import demo
from lyssna.cli.inbox import inbox_app
from lyssna.cli.listening import ingest, quarantine_app, search, stats, topics_app
from lyssna.cli.sources import listen, sources_app
from lyssna.cli.strategy import strategy_app
from lyssna.cli.web import recount, serve, users_app
from lyssna.workspace import init_workspace

app = typer.Typer(
    name="lyssna",
    help="Lyssna: listen to what people say about you, understand it, answer, and learn.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"lyssna {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    home: Path | None = typer.Option(
        None, "--home", help="Workspace home folder [env: LYSSNA_HOME; default: user data dir]"
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="Database URL [env: LYSSNA_DATABASE_URL; default: SQLite in home]",
    ),
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", help="Workspace name [env: LYSSNA_WORKSPACE; default: default]"
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    common.set_global_flags(home=home, database_url=database_url, workspace=workspace)


@app.command()
@guarded
def init(
    name: str | None = typer.Option(None, "--name", help="Display name of the workspace"),
    timezone: str | None = typer.Option(
        None,
        "--timezone",
        help="Time zone for days and hours in reports (default Europe/Stockholm)",
    ),
) -> None:
    """Create (or upgrade) the workspace: its folder, its database and schema.

    Examples:
      lyssna init
      LYSSNA_DATABASE_URL=postgresql+psycopg://lyssna@db/lyssna lyssna init --name "Acme AB"
    """
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise common.fail(f"unknown time zone {timezone!r} (e.g. Europe/Oslo)") from None
    settings = common.settings()
    ctx = init_workspace(settings, name=name, timezone=timezone)
    console.print(
        f"Workspace [bold]{ctx.workspace.slug}[/] is ready in {settings.home}\n"
        f"Database: {settings.redacted_database_url()}",
        highlight=False,
    )


app.add_typer(topics_app, name="topics")
app.add_typer(quarantine_app, name="quarantine")
app.command()(ingest)
app.command()(search)
app.command()(stats)
app.command()(demo)
app.add_typer(analysis_app, name="analysis")
app.add_typer(strategy_app, name="strategy")
app.add_typer(sources_app, name="sources")
app.command()(listen)
app.command()(serve)
app.command()(recount)
app.add_typer(users_app, name="users")
app.add_typer(inbox_app, name="inbox")
app.command("analyze", help="Language and sentiment for JSON Lines records (stdin or FILE).")(
    guarded(analyze_command)
)
