"""Source commands: add, list, test and remove connector sources, and `listen` to them."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime
from typing import Any

import typer
from rich.live import Live
from rich.table import Table

from lyssna.cli import common
from lyssna.cli.common import console, err_console, guarded
from lyssna.connectors import manage, registry
from lyssna.connectors.runner import PollOutcome, Runner, is_streaming
from lyssna.connectors.streaming import StreamStatus
from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError

sources_app = typer.Typer(
    help=(
        "Where mentions are collected: feeds, Mastodon, Hacker News, Bluesky, Reddit, YouTube, "
        "X, Facebook Pages, Instagram, LinkedIn pages."
    ),
    no_args_is_help=True,
)

# CLI option -> config field, so messages about a field can name the option the user typed.
_OPTIONS = {
    "url": "--url",
    "instance": "--instance",
    "service": "--service",
    "hashtags": "--hashtag",
    "queries": "--query",
    "token": "--token-env",
    "identifier": "--identifier",
    "app_password": "--password-env",
    "subreddits": "--subreddit",
    "client_id": "--client-id-env",
    "client_secret": "--secret-env",
    "username": "--username",
    "api_key": "--key-env",
    "videos": "--video",
    "channels": "--channel",
    "comment_queries": "--comment-query",
    "page": "--page",
    "account": "--account",
    "organization": "--organization",
    "interval_seconds": "--interval",
    "mode": "--stream",
}


def _options_message(message: str) -> str:
    for field, option in _OPTIONS.items():
        message = message.replace(
            f"{field}: Extra inputs are not permitted", f"{option}: not used by this source type"
        )
        message = message.replace(f"{field}:", f"{option}:")
    return message


@sources_app.command("add")
@guarded
def sources_add(
    kind: str = typer.Argument(
        ...,
        help=(
            "Source type: rss, mastodon, hackernews, bluesky, reddit, youtube, x, facebook, "
            "instagram, linkedin, file"
        ),
    ),
    name: str = typer.Argument(..., help="A name for this source, e.g. matbloggen"),
    url: str | None = typer.Option(None, "--url", help="rss: the feed's address"),
    instance: str | None = typer.Option(None, "--instance", help="mastodon: the server"),
    service: str | None = typer.Option(
        None,
        "--service",
        help="bluesky, hackernews, reddit, youtube, x, facebook, instagram, linkedin: API base URL",
    ),
    hashtag: list[str] | None = typer.Option(
        None, "--hashtag", help="mastodon, instagram (repeatable, without #)"
    ),
    query: list[str] | None = typer.Option(
        None, "--query", help="everything but rss: search words (repeatable)"
    ),
    token_env: str | None = typer.Option(
        None,
        "--token-env",
        help=(
            "mastodon, x, facebook, instagram, linkedin: name of the environment variable "
            "holding the access/bearer token"
        ),
    ),
    token: str | None = typer.Option(
        None, "--token", help="The token itself (stored in the database; prefer --token-env)"
    ),
    identifier: str | None = typer.Option(None, "--identifier", help="bluesky: your handle"),
    password_env: str | None = typer.Option(
        None, "--password-env", help="bluesky: environment variable holding an app password"
    ),
    subreddit: list[str] | None = typer.Option(
        None, "--subreddit", help="reddit: read every new comment there (repeatable, without r/)"
    ),
    client_id_env: str | None = typer.Option(
        None, "--client-id-env", help="reddit: environment variable holding the app's client id"
    ),
    secret_env: str | None = typer.Option(
        None, "--secret-env", help="reddit: environment variable holding the app's secret"
    ),
    username: str | None = typer.Option(
        None, "--username", help="reddit: your Reddit username, for the User-Agent"
    ),
    key_env: str | None = typer.Option(
        None, "--key-env", help="youtube: environment variable holding the API key"
    ),
    video: list[str] | None = typer.Option(
        None, "--video", help="youtube: read comments of this video id (repeatable)"
    ),
    channel: list[str] | None = typer.Option(
        None, "--channel", help="youtube: read comments on this channel id's videos (repeatable)"
    ),
    comment_query: list[str] | None = typer.Option(
        None, "--comment-query", help="youtube: only comments with these words (repeatable)"
    ),
    page: str | None = typer.Option(None, "--page", help="facebook: the Page's numeric id"),
    account: str | None = typer.Option(
        None, "--account", help="instagram: the Instagram business account's numeric id"
    ),
    organization: str | None = typer.Option(
        None, "--organization", help="linkedin: the organization's id or urn:li:organization:ID"
    ),
    interval: int | None = typer.Option(None, "--interval", help="Seconds between polls"),
    stream: bool = typer.Option(
        False,
        "--stream",
        help="bluesky, mastodon, x: stream live instead of polling (see docs/connectors.md)",
    ),
    env: list[str] | None = typer.Option(
        None,
        "--env",
        help="Any secret setting from an environment variable, FIELD=NAME (repeatable), "
        "e.g. write_token=MASTODON_WRITE_TOKEN",
    ),
    setting: list[str] | None = typer.Option(
        None, "--set", help="Any other setting, FIELD=VALUE (repeatable), e.g. publish_subreddit=x"
    ),
) -> None:
    """Add a source; `lyssna listen` starts collecting from it.

    Examples:
      lyssna sources add rss matbloggen --url https://example.no/feed.xml
      lyssna sources add mastodon fediverse --instance https://mastodon.example \\
          --hashtag elvåra --query elvåra --token-env MASTODON_TOKEN
      lyssna sources add hackernews hn --query lyssna
      lyssna sources add bluesky sky --query elvåra --identifier me.bsky.social \\
          --password-env BLUESKY_APP_PASSWORD
      lyssna sources add reddit rd --query elvåra --subreddit elvara \\
          --client-id-env REDDIT_CLIENT_ID --secret-env REDDIT_SECRET --username lyssna_bot
      lyssna sources add youtube yt --query elvåra --key-env YOUTUBE_API_KEY
      lyssna sources add x twitter --query elvåra --token-env X_BEARER_TOKEN
      lyssna sources add facebook fb --page 100000000000001 --token-env FB_PAGE_TOKEN
      lyssna sources add instagram ig --account 17841400000000001 --hashtag elvåra \\
          --token-env IG_TOKEN
      lyssna sources add linkedin li --organization 2414183 --token-env LINKEDIN_TOKEN
      lyssna sources add mastodon answers --instance https://mastodon.example \\
          --hashtag elvåra --env write_token=MASTODON_WRITE_TOKEN
      lyssna sources add bluesky firehose --stream
      lyssna sources add mastodon live --instance https://mastodon.example --hashtag elvåra \\
          --token-env MASTODON_TOKEN --stream
      lyssna sources add x xlive --query "elvåra -is:retweet" --token-env X_BEARER_TOKEN --stream
    """
    if token and token_env:
        raise UserError("give --token-env or --token, not both")
    options: dict[str, Any] = {
        "url": url,
        "instance": instance,
        "service": service,
        "hashtags": hashtag or None,
        "queries": query or None,
        "token": {"$env": token_env} if token_env else token,
        "identifier": identifier,
        "app_password": {"$env": password_env} if password_env else None,
        "subreddits": subreddit or None,
        "client_id": {"$env": client_id_env} if client_id_env else None,
        "client_secret": {"$env": secret_env} if secret_env else None,
        "username": username,
        "api_key": {"$env": key_env} if key_env else None,
        "videos": video or None,
        "channels": channel or None,
        "comment_queries": comment_query or None,
        "page": page,
        "account": account,
        "organization": organization,
        "interval_seconds": interval,
        "mode": "stream" if stream else None,
    }
    options = {k: v for k, v in options.items() if v is not None}
    secret_envs = _pairs(env, "--env", "write_token=MASTODON_WRITE_TOKEN")
    options |= {field: {"$env": name} for field, name in secret_envs.items()}
    options |= _pairs(setting, "--set", "publish_subreddit=elvara")
    ctx = common.workspace()
    try:
        record = manage.add_source(ctx, kind, name, options)
    except UserError as exc:
        raise UserError(_options_message(str(exc))) from None
    if token:
        err_console.print(
            "[yellow]Note:[/] the token is stored in the database; --token-env keeps it out.",
            highlight=False,
        )
    for variable in (
        token_env,
        password_env,
        client_id_env,
        secret_env,
        key_env,
        *secret_envs.values(),
    ):
        if variable and not os.environ.get(variable):
            err_console.print(
                f"[yellow]Note:[/] ${variable} is not set here; it must be set wherever "
                "`lyssna listen` runs.",
                highlight=False,
            )
    console.print(
        f"Added {record.kind} source [bold]{record.name}[/] "
        f"({manage.describe(record.kind, record.config)}).\n"
        f"Check it with `lyssna sources test {record.name}`; collect with `lyssna listen`.",
        highlight=False,
    )


@sources_app.command("edit")
@guarded
def sources_edit(
    name: str = typer.Argument(..., help="The source to change"),
    setting: list[str] | None = typer.Option(
        None,
        "--set",
        help="FIELD=VALUE (repeatable); list settings take commas, e.g. queries=elvåra,kraftlyn",
    ),
    env: list[str] | None = typer.Option(
        None, "--env", help="A secret from an environment variable, FIELD=NAME (repeatable)"
    ),
    unset: list[str] | None = typer.Option(
        None, "--unset", help="A setting back to its default (repeatable)"
    ),
) -> None:
    """Change a source's settings; it keeps its health and counters, and its place in the
    platform's stream unless what it reads changed (then it starts again from the newest items;
    nothing is stored twice).

    Examples:
      lyssna sources edit fediverse --set interval_seconds=120
      lyssna sources edit sky --set queries=elvåra,kraftlyn
      lyssna sources edit fediverse --env token=NEW_MASTODON_TOKEN
      lyssna sources edit xlive --unset mode
    """
    ctx = common.workspace()
    given: dict[str, Any] = dict(_pairs(setting, "--set", "interval_seconds=120"))
    record = manage.get_source(ctx, name)
    lists = {f.name for f in manage.setting_fields(record.kind, advanced=True) if f.kind == "list"}
    for field in lists & set(given):
        given[field] = [v.strip() for v in given[field].split(",") if v.strip()]
    given |= {f: {"$env": n} for f, n in _pairs(env, "--env", "token=MASTODON_TOKEN").items()}
    if not given and not unset:
        raise UserError("nothing to change: give --set, --env or --unset")
    changed, restarted = manage.edit_source(ctx, name, given, unset or ())
    console.print(
        f"Changed {changed.kind} source [bold]{changed.name}[/] "
        f"({manage.describe(changed.kind, changed.config)})"
        + ("; it starts again from the newest items." if restarted else "."),
        highlight=False,
    )


def _pairs(values: list[str] | None, option: str, example: str) -> dict[str, str]:
    """FIELD=VALUE options as a dict; a UserError showing the form for anything else."""
    pairs: dict[str, str] = {}
    for value in values or []:
        field, sep, given = value.partition("=")
        if not sep or not field.strip() or not given.strip():
            raise UserError(f"{option} takes FIELD=VALUE, e.g. {option} {example}")
        pairs[field.strip()] = given.strip()
    return pairs


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    now = utcnow()
    seconds = (value - now).total_seconds()
    if abs(seconds) < 60:
        return "now" if seconds >= 0 else "just now"
    amount, unit = abs(seconds), "s"
    for size, name in ((86400, "d"), (3600, "h"), (60, "m")):
        if amount >= size:
            amount, unit = amount / size, name
            break
    return f"in {amount:.0f}{unit}" if seconds > 0 else f"{amount:.0f}{unit} ago"


_HEALTH_STYLE = {
    "new": "dim",
    "healthy": "green",
    "backing_off": "yellow",
    "unhealthy": "bold red",
}


@sources_app.command("list")
@guarded
def sources_list() -> None:
    """List sources: type, name, health, last run, last error, mentions collected."""
    ctx = common.workspace()
    views = manage.list_sources(ctx)
    if not views:
        console.print(
            "No sources yet: add one with "
            "`lyssna sources add rss NAME --url https://example.no/feed.xml`."
        )
        return
    table = Table("Type", "Name", "Health", "Last run", "Next run", "Mentions", "Last error")
    table.columns[-1].ratio = 1
    for view in views:
        r = view.record
        style = _HEALTH_STYLE.get(r.health, "")
        table.add_row(
            r.kind,
            r.name,
            f"[{style}]{r.health.replace('_', ' ')}[/]",
            _when(r.last_run_at),
            "streams" if is_streaming(r) else (_when(r.next_run_at) if r.last_run_at else "now"),
            f"{r.mentions_collected:,}",
            r.last_error or "",
        )
    console.print(table)
    for view in views:
        console.print(f"[dim]{view.record.name}: {view.settings}[/]", highlight=False)


@sources_app.command("test")
@guarded
def sources_test(name: str = typer.Argument(..., help="The source to check")) -> None:
    """Check that a source can be reached and its credentials are accepted.

    Examples:
      lyssna sources test fediverse
    """
    ctx = common.workspace()
    verdict = asyncio.run(manage.test_source(ctx, name))
    for detail in verdict.details:
        console.print(f"  {detail}", highlight=False)
    if verdict.ok:
        console.print(f"[bold green]OK[/] {name}: {verdict.message}", highlight=False)
        return
    console.print(f"[bold red]FAILED[/] {name}: {verdict.message}", highlight=False)
    raise typer.Exit(1)


@sources_app.command("remove")
@guarded
def sources_remove(name: str = typer.Argument(...)) -> None:
    """Remove a source and its cursor (the mentions it collected stay)."""
    ctx = common.workspace()
    record = manage.remove_source(ctx, name)
    console.print(f"Removed {record.kind} source [bold]{record.name}[/].", highlight=False)


def _outcome_line(o: PollOutcome) -> str:
    if o.error:
        state = "backing off" if o.health == "backing_off" else "unhealthy"
        return f"[red]{o.source}[/]: {state}: {o.error}"
    line = f"[green]{o.source}[/]: {o.fetched:,} fetched, {o.new:,} new"
    if o.quarantined:
        line += f", {o.quarantined:,} quarantined (see `lyssna quarantine list`)"
    if o.unknown_fields:
        fields = ", ".join(sorted(o.unknown_fields))
        line += f"; fields the {o.kind} mapper does not know: {fields}"
    return line


def _stream_line(status: StreamStatus) -> str:
    """A streaming source in the status table: connected and how busy, or what is wrong."""
    if status.state == "live":
        line = f"[green]stream connected[/], {status.per_minute():,}/min, {status.new:,} new"
        if status.topics:
            line += f" (kept by {status.topics} topic{'s' if status.topics != 1 else ''})"
        if status.quarantined:
            line += f", {status.quarantined:,} quarantined"
        return line
    if status.state == "polling":
        polled = f"; last poll: {_outcome_line(status.last_poll)}" if status.last_poll else ""
        return f"[yellow]polling[/]: {status.error}{polled}"
    if status.state in ("reconnecting", "unhealthy"):
        return f"[red]{status.source}[/]: {status.state}: {status.error}"
    return f"stream {status.state}"


def _status_table(runner: Runner) -> Table:
    table = Table("Source", "Health", "Last poll / stream", "Next", box=None, title="Listening")
    for record in runner.sources():
        outcome = runner.latest.get(record.name)
        stream = runner.streams.get(record.name)
        style = _HEALTH_STYLE.get(record.health, "")
        if stream is not None:
            last = _stream_line(stream)
            after = "live" if stream.state == "live" else _when(stream.retry_at)
        else:
            last = (
                _outcome_line(outcome)
                if outcome
                else f"{record.mentions_collected:,} collected so far"
            )
            after = _when(record.next_run_at)
        table.add_row(record.name, f"[{style}]{record.health.replace('_', ' ')}[/]", last, after)
    table.caption = "Ctrl-C stops (polls in progress finish first; streams store what they hold)"
    return table


@guarded
def listen(
    once: bool = typer.Option(False, "--once", help="Poll every source once, then exit"),
    source: list[str] | None = typer.Option(
        None, "--source", help="Only these sources (repeatable)"
    ),
    stream_for: float = typer.Option(
        0.0,
        "--stream-for",
        min=0.0,
        help="With --once: let each streaming source stream this many seconds (catching up "
        "from where it stopped); without it they are skipped",
    ),
) -> None:
    """Collect mentions from every source until stopped (Ctrl-C): polling sources on their
    schedule, streaming sources (--stream) live.

    A failing source is marked unhealthy or backing off and tried again later; the others go on.
    With --once the exit code is 1 when any source failed.

    Examples:
      lyssna listen
      lyssna listen --once --source matbloggen
      lyssna listen --once --stream-for 30
    """
    ctx = common.workspace()
    runner = Runner(ctx, only=source)
    if not runner.sources():
        console.print(
            "No sources to listen to: add one with `lyssna sources add TYPE NAME ...` "
            f"(types: {', '.join(registry.kinds())})."
        )
        return
    if once:
        outcomes = asyncio.run(runner.run_once(stream_seconds=stream_for))
        for outcome in outcomes:
            console.print(_outcome_line(outcome), highlight=False)
        if not stream_for:
            for record in runner.skipped_streams():
                console.print(
                    f"[dim]{record.name}: streams; skipped by --once "
                    "(add --stream-for SECONDS to stream it for a while)[/]",
                    highlight=False,
                )
        if any(not o.ok for o in outcomes):
            raise typer.Exit(1)
        return
    asyncio.run(_listen_forever(runner))
    console.print("Stopped listening; what was collected is kept.")


async def _listen_forever(runner: Runner) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, stop.set)
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError):  # not on the main thread, or Windows
        pass
    with Live(_status_table(runner), console=err_console, refresh_per_second=1) as live:

        def refresh(outcome: PollOutcome) -> None:
            live.update(_status_table(runner))

        watcher = asyncio.create_task(_refresh_every(live, runner, stop))
        try:
            await runner.run_forever(stop, on_poll=refresh)
        finally:
            stop.set()
            await watcher


async def _refresh_every(live: Live, runner: Runner, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=5)
        except TimeoutError:
            live.update(_status_table(runner))
