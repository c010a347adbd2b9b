"""`lyssna inbox`: the mentions that need an answer, from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.inbox import service
from lyssna.storage.inbox import OPEN_STATUSES, STATUSES

inbox_app = typer.Typer(
    help="The engagement inbox: mentions that need an answer.", no_args_is_help=True
)

_AS = typer.Option(None, "--as", help="Your email, recorded in the item's history")


@inbox_app.command("sync")
@guarded
def sync_command() -> None:
    """Triage the mentions that arrived since the last sync into the inbox."""
    ctx = common.workspace()
    n = service.sync(ctx.engine, ctx.workspace.id)
    console.print(f"{n:,} mentions entered the inbox.")


@inbox_app.command("list")
@guarded
def list_command(
    status: list[str] | None = typer.Option(None, "--status", help="new, assigned, waiting..."),
    mine: str | None = typer.Option(None, "--mine", help="Only items assigned to this email"),
    unassigned: bool = typer.Option(False, "--unassigned", help="Only items nobody has"),
    limit: int = typer.Option(30, "--limit", min=1, max=10_000),
) -> None:
    """Open items, most urgent first (new mentions are triaged in first).

    Examples:
      lyssna inbox list --unassigned
      lyssna inbox list --mine kari@example.no
    """
    ctx = common.workspace()
    service.sync(ctx.engine, ctx.workspace.id)
    wanted = tuple(status) if status else OPEN_STATUSES
    for s in wanted:
        if s not in STATUSES:
            raise common.fail(f"unknown status {s!r}: use {', '.join(STATUSES)}")
    views = service.list_items(
        ctx.engine,
        ctx.workspace.id,
        statuses=wanted,
        assignee_email=mine,
        unassigned=unassigned,
        limit=limit,
    )
    if not views:
        console.print("Nothing waiting.")
        return
    table = Table("Item", "Prio", "Status", "Who has it", "Channel", "Author", "Why", "Text")
    table.columns[7].ratio = 1
    for v in views:
        m = v.mention
        table.add_row(
            str(v.item.id),
            str(v.item.priority),
            v.item.status,
            v.assignee or "",
            m.channel,
            m.author.handle if m.author else "",
            ", ".join(v.item.reasons),
            m.text if len(m.text) <= 120 else m.text[:119] + "…",
        )
    console.print(table)


@inbox_app.command("show")
@guarded
def show_command(
    item: int = typer.Argument(..., help="Item number from `lyssna inbox list`"),
) -> None:
    """An item in its conversation, with its history."""
    ctx = common.workspace()
    c = service.open_item(ctx.engine, ctx.workspace.id, item)
    for parent in c.parents:
        console.print(
            f"  [dim]{parent.author.handle if parent.author else '?'}: {parent.text}[/]",
            highlight=False,
            markup=True,
        )
    m = c.item.mention
    console.print(
        f"[bold]#{c.item.item.id}[/] {c.item.item.status} (priority {c.item.item.priority}, "
        f"version {c.item.item.version}) {m.channel} {m.created_at:%Y-%m-%d %H:%M} UTC",
        highlight=False,
    )
    console.print(
        f"{m.author.handle if m.author else '?'}: {m.text}", highlight=False, markup=False
    )
    for reply in c.replies:
        console.print(
            f"  ↳ {reply.author.handle if reply.author else '?'}: {reply.text}",
            highlight=False,
            markup=False,
        )
    if c.activity:
        console.print("History:")
        for a in c.activity:
            console.print(
                f"  {a.created_at:%Y-%m-%d %H:%M} {a.action}: {a.detail or ''}",
                highlight=False,
                markup=False,
            )
    if c.earlier_from_author:
        console.print(
            "Earlier from this author: "
            + ", ".join(f"#{e.item.id} ({e.item.status})" for e in c.earlier_from_author)
        )


@inbox_app.command("assign")
@guarded
def assign_command(
    item: int = typer.Argument(...),
    email: str | None = typer.Argument(None, help="Colleague's email; leave out to unassign"),
    version: int = typer.Option(..., "--version", help="The version you saw (from `show`)"),
    by: str | None = _AS,
) -> None:
    """Give an item to a colleague."""
    ctx = common.workspace()
    done = service.assign(ctx.engine, ctx.workspace.id, item, email, seen_version=version, by=by)
    console.print(f"#{done.id} is now {done.status}, version {done.version}.")


@inbox_app.command("status")
@guarded
def status_command(
    item: int = typer.Argument(...),
    status: str = typer.Argument(..., help=", ".join(STATUSES)),
    version: int = typer.Option(..., "--version", help="The version you saw (from `show`)"),
    by: str | None = _AS,
) -> None:
    """Set an item's status (waiting = waiting on the customer; spam = ignored as spam)."""
    ctx = common.workspace()
    done = service.set_status(
        ctx.engine, ctx.workspace.id, item, status, seen_version=version, by=by
    )
    console.print(f"#{done.id} is now {done.status}, version {done.version}.")


@inbox_app.command("resolve")
@guarded
def resolve_command(
    item: int = typer.Argument(...),
    version: int = typer.Option(..., "--version", help="The version you saw (from `show`)"),
    by: str | None = _AS,
) -> None:
    """Mark an item resolved."""
    status_command(item, "resolved", version, by)


@inbox_app.command("note")
@guarded
def note_command(
    item: int = typer.Argument(...), text: str = typer.Argument(...), by: str | None = _AS
) -> None:
    """Add an internal note for colleagues (never sent)."""
    ctx = common.workspace()
    service.add_note(ctx.engine, ctx.workspace.id, item, text, by=by)
    console.print(f"Note added to #{item}.")
