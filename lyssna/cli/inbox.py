"""`lyssna inbox`: the mentions that need an answer, from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.inbox import replies, saved_replies, sending, service, teams
from lyssna.inbox.answerers import workspace_strategy
from lyssna.inbox.targets import first_response_target
from lyssna.storage.inbox import OPEN_STATUSES, STATUSES
from lyssna.storage.inbox_replies import Reply
from lyssna.workspace import WorkspaceContext

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
    for o in c.outgoing:
        r = o.reply
        where = f" {r.external_id}" if r.external_id else ""
        console.print(
            f"  ⤷ reply {r.id} by {o.author or '?'}: {r.state.replace('_', ' ')}{where}: {r.text}",
            highlight=False,
            markup=False,
        )
        if r.last_error:
            console.print(f"      {r.last_error}", highlight=False, markup=False)
        if r.review_comment:
            console.print(f"      returned: {r.review_comment}", highlight=False, markup=False)
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
    team: str | None = typer.Option(
        None, "--team", help="Give it to this team instead ('none': to no team)"
    ),
    by: str | None = _AS,
) -> None:
    """Give an item to a colleague, or to a team.

    Examples:
      lyssna inbox assign 42 kari@example.no --version 3
      lyssna inbox assign 42 --team Kundservice --version 3
    """
    ctx = common.workspace()
    if team is not None:
        done = teams.give_to_team(
            ctx.engine, ctx.workspace.id, item, None if team == "none" else team,
            seen_version=version, by=by,
        )  # fmt: skip
    else:
        strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
        done = service.assign(
            ctx.engine, ctx.workspace.id, item, email, seen_version=version, by=by,
            strategy=strategy,
        )  # fmt: skip
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
    rows += [(f"team {k}", v) for k, v in report.by_team.items()]
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


# --- replies --------------------------------------------------------------------------------

_SAY = {
    "sent": "sent",
    "queued": "not taken by the platform yet; `lyssna listen` or `lyssna inbox send-queued` "
    "tries again",
    "awaiting_approval": "waiting for an approver (`lyssna inbox approve`)",
    "draft": "kept as a draft",
    "failed": "NOT sent",
    "unknown": "perhaps sent: Lyssna cannot tell; look on the platform, then `lyssna inbox "
    "confirm-sent` or `resend`",
    "discarded": "dropped",
}


def _send_and_say(ctx: WorkspaceContext, reply: Reply) -> None:
    import asyncio

    if reply.state == "queued":
        reply = asyncio.run(sending.send_reply(ctx, reply.id))
    where = f" as {reply.external_id}" if reply.external_id else ""
    console.print(
        f"Reply {reply.id} to #{reply.item_id}: {_SAY.get(reply.state, reply.state)}{where}.",
        highlight=False,
    )
    if reply.last_error:
        console.print(f"  {reply.last_error}", highlight=False, markup=False)
    if reply.state in ("failed", "unknown"):
        raise typer.Exit(1)


@inbox_app.command("reply")
@guarded
def reply_command(
    item: int = typer.Argument(..., help="Item number from `lyssna inbox list`"),
    text: str | None = typer.Option(None, "--text", help="The reply"),
    saved: str | None = typer.Option(
        None, "--saved", help="A saved reply from the strategy, filled in for the item"
    ),
    by: str | None = _AS,
    draft: bool = typer.Option(False, "--draft", help="Keep it as a draft, do not send"),
    force: bool = typer.Option(
        False, "--force", help="Send although a colleague is writing a reply to the item"
    ),
) -> None:
    """Answer an item on its platform, as a reply in the thread (at most once).

    The reply goes out through the source that collected the mention, at once; when replies by
    your role need approval, it waits for an approver instead.

    Examples:
      lyssna inbox reply 42 --text "Hej! Du byter kort i appen." --as kari@example.no
      lyssna inbox reply 42 --saved complaint-sv --as kari@example.no
    """
    if (text is None) == (saved is None):
        raise common.fail("give the reply as --text TEXT or --saved NAME (one of them)")
    ctx = common.workspace()
    strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
    if saved is not None:
        text = _filled(ctx, item, saved, by)
    reply = replies.write(
        ctx.engine, ctx.workspace.id, item, text or "", by=by, strategy=strategy,
        submit=not draft, force=force,
    )  # fmt: skip
    _send_and_say(ctx, reply)


def _filled(ctx: WorkspaceContext, item: int, name: str, by: str | None) -> str:
    from lyssna.storage import accounts

    strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
    conversation = service.open_item(ctx.engine, ctx.workspace.id, item)
    agent = ""
    if by:
        with ctx.engine.connect() as conn:
            user = accounts.user_by_email(conn, by)
        agent = user.name or user.email.split("@")[0]
    return saved_replies.fill(
        saved_replies.find(strategy, name), mention=conversation.item.mention, agent=agent,
        strategy=strategy, workspace_name=ctx.workspace.name,
    )  # fmt: skip


@inbox_app.command("replies")
@guarded
def replies_command() -> None:
    """Replies a person must act on: waiting for approval, not sent, or perhaps not arrived."""
    ctx = common.workspace()
    found = replies.needing_attention(ctx.engine, ctx.workspace.id)
    if not found:
        console.print("No reply needs anyone.")
        return
    table = Table("Reply", "Item", "State", "Author", "Why", "Text")
    table.columns[5].ratio = 1
    for v in found:
        r = v.reply
        table.add_row(
            str(r.id), f"#{r.item_id}", r.state.replace("_", " "), v.author_email or "",
            r.last_error or "", r.text if len(r.text) <= 100 else r.text[:99] + "…",
        )  # fmt: skip
    console.print(table)


@inbox_app.command("approve")
@guarded
def approve_command(
    reply: int = typer.Argument(..., help="Reply number from `lyssna inbox replies`"),
    by: str | None = _AS,
) -> None:
    """Approve a reply waiting for approval; it is sent at once."""
    ctx = common.workspace()
    _send_and_say(ctx, replies.approve(ctx.engine, ctx.workspace.id, reply, by=by))


@inbox_app.command("return")
@guarded
def return_command(
    reply: int = typer.Argument(...),
    comment: str = typer.Option(..., "--comment", help="What the author should change"),
    by: str | None = _AS,
) -> None:
    """Send a reply waiting for approval back to its author as a draft."""
    ctx = common.workspace()
    _send_and_say(ctx, replies.return_to_author(ctx.engine, ctx.workspace.id, reply, comment,
                                                by=by))  # fmt: skip


@inbox_app.command("resend")
@guarded
def resend_command(reply: int = typer.Argument(...), by: str | None = _AS) -> None:
    """Send a reply that failed again, or one of unknown fate you checked is not there."""
    ctx = common.workspace()
    _send_and_say(ctx, replies.resend(ctx.engine, ctx.workspace.id, reply, by=by))


@inbox_app.command("confirm-sent")
@guarded
def confirm_command(reply: int = typer.Argument(...), by: str | None = _AS) -> None:
    """Say that a reply of unknown fate is on the platform (you found it there)."""
    ctx = common.workspace()
    _send_and_say(ctx, replies.confirm_sent(ctx.engine, ctx.workspace.id, reply, by=by))


@inbox_app.command("discard")
@guarded
def discard_command(reply: int = typer.Argument(...), by: str | None = _AS) -> None:
    """Drop a reply that was not sent."""
    ctx = common.workspace()
    _send_and_say(ctx, replies.discard(ctx.engine, ctx.workspace.id, reply, by=by))


@inbox_app.command("send-queued")
@guarded
def send_queued_command() -> None:
    """Send the replies that are due, and settle attempts a stopped process left behind.

    `lyssna listen` does this every few seconds; run this from cron when nothing listens.
    """
    import asyncio

    ctx = common.workspace()
    report = asyncio.run(sending.drain(ctx))
    done = report.attempted + report.recovered
    if not done:
        console.print("Nothing to send.")
        return
    counts = {state: report.count(state) for state in ("sent", "queued", "failed", "unknown")}
    console.print(
        f"{counts['sent']} sent, {counts['queued']} to try again later, {counts['failed']} "
        f"refused, {counts['unknown']} of unknown fate (see `lyssna inbox replies`).",
        highlight=False,
    )
    if counts["failed"] or counts["unknown"]:
        raise typer.Exit(1)


@inbox_app.command("approval")
@guarded
def approval_command(
    role: str | None = typer.Argument(
        None,
        help="responder, editor or admin: replies by this role and weaker need approval; "
        "'none': nobody's do. Leave out to see the rule.",
    ),  # fmt: skip
) -> None:
    """Which replies wait for an approver before they go out.

    Examples:
      lyssna inbox approval responder
      lyssna inbox approval none
    """
    ctx = common.workspace()
    if role is not None:
        replies.set_approval_rule(ctx.engine, ctx.workspace.id, None if role == "none" else role)
    current = replies.approval_rule(ctx.engine, ctx.workspace.id)
    if current is None:
        console.print("Replies go out without approval.")
    else:
        console.print(
            f"Replies by members with the role {current} (or weaker) wait for an approver "
            "(a stronger role, editor or up).",
            highlight=False,
        )


# --- teams and rules ------------------------------------------------------------------------

teams_app = typer.Typer(help="Teams that share inbox items.", no_args_is_help=True)
rules_app = typer.Typer(
    help="Rules that give entering items to a team or a person.", no_args_is_help=True
)
inbox_app.add_typer(teams_app, name="teams")
inbox_app.add_typer(rules_app, name="rules")


@teams_app.command("list")
@guarded
def teams_list() -> None:
    """Every team with its members."""
    ctx = common.workspace()
    found = teams.list_teams(ctx.engine, ctx.workspace.id)
    if not found:
        console.print("No teams yet: `lyssna inbox teams add NAME --member EMAIL`.")
        return
    for v in found:
        console.print(f"{v.team.name}: {', '.join(v.members) or 'nobody yet'}", highlight=False)


@teams_app.command("add")
@guarded
def teams_add(
    name: str = typer.Argument(...),
    member: list[str] | None = typer.Option(None, "--member", help="A member's email (repeat)"),
) -> None:
    """Add a team.

    Examples:
      lyssna inbox teams add Kundservice --member lars@example.no --member emma@example.no
    """
    ctx = common.workspace()
    teams.add_team(ctx.engine, ctx.workspace.id, name, member or [])
    teams_list()


@teams_app.command("remove")
@guarded
def teams_remove(name: str = typer.Argument(...)) -> None:
    """Remove a team (its rules go with it; its items keep their assignees)."""
    ctx = common.workspace()
    teams.remove_team(ctx.engine, ctx.workspace.id, name)
    console.print(f"Team {name} removed.", highlight=False)


@teams_app.command("member")
@guarded
def teams_member(
    name: str = typer.Argument(..., help="The team"),
    email: str = typer.Argument(..., help="The member"),
    remove: bool = typer.Option(False, "--remove", help="Take them out of the team"),
) -> None:
    """Put a member in a team (or take them out)."""
    ctx = common.workspace()
    teams.set_membership(ctx.engine, ctx.workspace.id, name, email, member=not remove)
    teams_list()


@rules_app.command("list")
@guarded
def rules_list() -> None:
    """The rules, in the order they are tried (the first that fits an entering item wins)."""
    ctx = common.workspace()
    found = teams.list_rules(ctx.engine, ctx.workspace.id)
    if not found:
        console.print("No rules: items wait for someone to take them.")
        return
    for v in found:
        console.print(f"{v.rule.id}. {v.describe()}", highlight=False)


@rules_app.command("add")
@guarded
def rules_add(
    channel: str | None = typer.Option(None, "--channel", help="mastodon, bluesky, x ..."),
    lang: str | None = typer.Option(None, "--lang", help="sv, nb, da, fi, en ..."),
    topic: str | None = typer.Option(None, "--topic", help="A topic's name"),
    team: str | None = typer.Option(None, "--team", help="Give matching items to this team"),
    to: str | None = typer.Option(None, "--to", help="... and/or to this member (email)"),
) -> None:
    """Add a rule for items entering the inbox; it is tried after the existing ones.

    Examples:
      lyssna inbox rules add --lang fi --team Suomi
      lyssna inbox rules add --channel linkedin --to johan@example.no
      lyssna inbox rules add --topic Laddbox --team Kundservice
    """
    ctx = common.workspace()
    strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
    view = teams.add_rule(
        ctx.engine, ctx.workspace.id, channel=channel, lang=lang, topic=topic, team=team,
        assignee=to, strategy=strategy,
    )  # fmt: skip
    console.print(f"Rule {view.rule.id}: {view.describe()}", highlight=False)


@rules_app.command("remove")
@guarded
def rules_remove(
    rule: int = typer.Argument(..., help="The rule's number from `rules list`"),
) -> None:
    ctx = common.workspace()
    teams.remove_rule(ctx.engine, ctx.workspace.id, rule)
    console.print(f"Rule {rule} removed.")
