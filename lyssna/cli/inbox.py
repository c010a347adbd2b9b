"""`lyssna inbox`: the mentions that need an answer, from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.inbox import service
from lyssna.inbox.answerers import workspace_strategy
from lyssna.inbox.targets import first_response_target
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
    strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
    done = service.assign(
        ctx.engine, ctx.workspace.id, item, email, seen_version=version, by=by, strategy=strategy
    )
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


def _h(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


@inbox_app.command("metrics")
@guarded
def metrics_command(
    period: str = typer.Option("30d", "--period", help="How far back: 24h, 7d, 30d, 4w"),
    target: str | None = typer.Option(
        None, "--target", help="First-response target, e.g. 2h (default: from the strategy)"
    ),
) -> None:
    """First response and resolution times per channel and person, in and out of office hours.

    Examples:
      lyssna inbox metrics --period 7d
      lyssna inbox metrics --target 30m
    """
    from lyssna.core.clock import utcnow
    from lyssna.inbox.metrics import at_risk, response_metrics
    from lyssna.strategy.report import parse_period
    from lyssna.strategy.schema import parse_duration

    ctx = common.workspace()
    service.sync(ctx.engine, ctx.workspace.id)
    try:
        target_hours = (
            parse_duration(target).total_seconds() / 3600
            if target
            else first_response_target(ctx.settings.home, ctx.workspace.slug)
        )
    except ValueError as exc:
        raise common.fail(f"--target {target!r}: {exc}") from None
    since = utcnow() - parse_period(period)
    report = response_metrics(
        ctx.engine,
        ctx.workspace.id,
        since=since,
        target_hours=target_hours,
        timezone=ctx.workspace.timezone,
    )
    title = f"Response times, last {period}" + (
        f" (target {_h(target_hours)})" if target_hours else " (no target set)"
    )
    table = Table(
        "Group",
        "Items",
        "Answered",
        "Median first",
        "Mean first",
        "Within target",
        "Resolved",
        "Median resolution",
        title=title,
    )
    rows = [
        ("All", report.overall),
        ("Office hours", report.business_hours),
        ("Outside office hours", report.off_hours),
    ]
    rows += [(f"channel {k}", v) for k, v in report.by_channel.items()]
    rows += [(f"person {k}", v) for k, v in report.by_person.items()]
    for name, s in rows:
        table.add_row(
            name,
            f"{s.items:,}",
            f"{s.answered:,}",
            _h(s.median_hours),
            _h(s.mean_hours),
            "" if s.within_target is None else f"{s.within_target:.0%}",
            f"{s.resolved:,}",
            _h(s.median_resolution_hours),
        )
    console.print(table)
    if target_hours:
        risky = at_risk(ctx.engine, ctx.workspace.id, target_hours)
        soon = [r for r in risky if not r.breached]
        missed = len(risky) - len(soon)
        console.print(
            f"Unanswered: {missed:,} open items have missed the target, "
            f"{len(soon):,} will miss it soon.",
            highlight=False,
        )
        for r in soon[:10]:
            console.print(f"  #{r.item_id} has waited {_h(r.waited_hours)}.", highlight=False)
