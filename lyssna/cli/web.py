"""`lyssna serve`, `lyssna users` and `lyssna recount`: run the web app, manage who may sign in,
recount the dashboard's counts."""

from __future__ import annotations

import typer

# schema first: it imports the modules that add tables (accounts among them) at its end, and
# one of those imports accounts in turn, so accounts must never be the first to load.
import lyssna.storage.schema  # noqa: F401
from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.storage.accounts import ROLES

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # what `lyssna serve` listens on by default

ROLE_OPTION = typer.Option(
    "viewer", "--role", help=f"Role in the workspace: {', '.join(reversed(ROLES))}"
)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise common.fail(f"unknown role {role!r}: use one of {', '.join(reversed(ROLES))}")


users_app = typer.Typer(help="Users who sign in to the web app and the API.", no_args_is_help=True)


@guarded
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on"),
) -> None:
    """Serve the web app and the REST API for the existing workspaces.

    Examples:
      lyssna serve
      lyssna serve --host 0.0.0.0 --port 8080   (put a TLS proxy in front of it)
    """
    from lyssna.web import serve as run

    ctx = common.workspace()  # a clear error if `lyssna init` was not run
    console.print(f"Lyssna is listening on http://{host}:{port}/ (Ctrl+C stops it)")
    run(ctx.settings, host, port)


@guarded
def recount() -> None:
    """Count the dashboard's hourly figures again from the stored mentions of the workspace (-w).

    Ingest, corrections and topic changes keep them exact; recount after changing mentions in
    the database by hand. Safe to run at any time, but writers wait meanwhile (a million
    mentions take about half a minute).

    Examples:
      lyssna recount
      lyssna -w acme recount
    """
    import time

    from lyssna.storage import rollups
    from lyssna.storage.database import write_transaction

    ctx = common.workspace()
    started = time.perf_counter()
    with write_transaction(ctx.engine) as conn:
        rows = rollups.rebuild(conn, ctx.workspace.id)
    console.print(
        f"Recounted workspace [bold]{ctx.workspace.slug}[/]: {rows:,} hourly counts "
        f"in {time.perf_counter() - started:.1f} s.",
        highlight=False,
    )


@users_app.command("add")
@guarded
def add_user(
    email: str = typer.Argument(..., help="The user's email address (their sign-in name)"),
    role: str = ROLE_OPTION,
) -> None:
    """Add a user to the workspace (-w) with a role; a new user gets a one-time password.

    Examples:
      lyssna users add anna@example.com --role owner
      lyssna -w acme users add bo@example.com --role responder
    """
    from lyssna.web import auth

    _check_role(role)
    ctx = common.workspace()
    user, password = auth.add_member(ctx.engine, ctx.workspace.id, email, role)  # type: ignore[arg-type]
    console.print(
        f"{user.email} is {role} of workspace [bold]{ctx.workspace.slug}[/].", highlight=False
    )
    if password:
        console.print(
            f"One-time password (shown only now): [bold]{password}[/]\n"
            "They can change it under Account after signing in.",
            highlight=False,
        )


@users_app.command("invite")
@guarded
def invite_user(
    email: str = typer.Argument(..., help="The person's email address (their sign-in name)"),
    role: str = ROLE_OPTION,
) -> None:
    """Invite someone to the workspace (-w): prints a one-time link where they set a password.

    The link works once, for 7 days; send it to them yourself. It starts with LYSSNA_PUBLIC_URL
    (the address people open Lyssna at), or http://127.0.0.1:8000 when that is not set.

    Examples:
      lyssna users invite bo@example.com --role responder
      LYSSNA_PUBLIC_URL=https://lyssna.example.com lyssna -w acme users invite eva@example.com
    """
    from lyssna.web import auth

    _check_role(role)
    ctx = common.workspace()
    invited = auth.invite(ctx.engine, ctx.workspace.id, email, role)  # type: ignore[arg-type]
    console.print(
        f"{invited.user.email} is {role} of workspace [bold]{ctx.workspace.slug}[/].",
        highlight=False,
    )
    link = invited.link(ctx.settings.public_url or DEFAULT_PUBLIC_URL)
    if link and invited.expires_at:
        console.print(
            f"Setup link (works once, until {invited.expires_at:%Y-%m-%d %H:%M} UTC):\n{link}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print("They already have an account: they sign in as usual.", highlight=False)


@users_app.command("list")
@guarded
def list_users() -> None:
    """The members of the workspace (-w) and their roles."""
    from lyssna.web.members import list_members

    ctx = common.workspace()
    for member in list_members(ctx.engine, ctx.workspace.id):
        console.print(f"{member.user.email}\t{member.role}", highlight=False)


@users_app.command("set-password")
@guarded
def set_password(email: str = typer.Argument(..., help="The user's email address")) -> None:
    """Give a user a new one-time password (e.g. when they forgot theirs); signs them out."""
    from lyssna.storage import accounts
    from lyssna.storage.database import write_transaction
    from lyssna.web import auth

    ctx = common.workspace()
    password = auth.generate_password()
    with write_transaction(ctx.engine) as conn:
        user = accounts.user_by_email(conn, email)
        accounts.set_password_hash(conn, user.id, auth.hash_password(password))
        accounts.remove_sessions_of(conn, user.id)
    console.print(f"New one-time password for {user.email}: [bold]{password}[/]", highlight=False)
