"""Listening commands: topics, ingest, search, stats, quarantine."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import orjson
import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from lyssna import listening
from lyssna.cli import common
from lyssna.cli.common import console, guarded, parse_when
from lyssna.core.errors import UserError
from lyssna.pipeline.ingest import Ingestor
from lyssna.query import parse
from lyssna.storage import quarantine as quarantine_store
from lyssna.storage import topics as topic_store
from lyssna.storage.search import MentionFilter, StoredMention, count_by_topic
from lyssna.storage.search import search as search_mentions

topics_app = typer.Typer(
    help="Named listening queries: brands, competitors, themes.", no_args_is_help=True
)
quarantine_app = typer.Typer(
    help="Records that could not be imported, with the reason.", no_args_is_help=True
)


@topics_app.command("add")
@guarded
def topics_add(
    name: str = typer.Argument(..., help="Topic name, e.g. Nordbank"),
    query: str = typer.Option(..., "--query", "-q", help="Query in the listening query language"),
    kind: str = typer.Option("theme", "--kind", help="brand, competitor or theme"),
) -> None:
    """Add a topic; it is matched at once against the mentions already stored.

    Examples:
      lyssna topics add Nordbank --kind brand --query 'nordbank OR "nord bank" OR @nordbank'
      lyssna topics add Avgifter --query '(avgift* OR gebyr* OR maksu*) -reklam'
    """
    ctx = common.workspace()
    topic, matched = listening.add_topic(ctx, name, query, kind)
    console.print(
        f"Added topic [bold]{topic.name}[/] ({topic.kind}); {matched:,} stored mentions match.",
        highlight=False,
    )


@topics_app.command("edit")
@guarded
def topics_edit(
    name: str = typer.Argument(...),
    query: str = typer.Option(..., "--query", "-q"),
    kind: str | None = typer.Option(None, "--kind"),
) -> None:
    """Change a topic's query; its matches are recomputed."""
    ctx = common.workspace()
    topic, matched = listening.edit_topic(ctx, name, query, kind)
    console.print(
        f"Topic [bold]{topic.name}[/] now matches {matched:,} stored mentions.", highlight=False
    )


@topics_app.command("list")
@guarded
def topics_list() -> None:
    """List the workspace's topics."""
    ctx = common.workspace()
    rows = listening.list_topics(ctx)
    if not rows:
        console.print("No topics yet: add one with `lyssna topics add NAME --query '...'`.")
        return
    table = Table("Name", "Kind", "Query")
    for t in rows:
        table.add_row(t.name, t.kind, t.query)
    console.print(table)


@topics_app.command("remove")
@guarded
def topics_remove(name: str = typer.Argument(...)) -> None:
    """Remove a topic (the mentions stay)."""
    ctx = common.workspace()
    topic = listening.remove_topic(ctx, name)
    console.print(f"Removed topic [bold]{topic.name}[/].", highlight=False)


@guarded
def ingest(
    files: list[Path] = typer.Argument(
        ..., help="JSON Lines or CSV files", exists=True, dir_okay=False
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="jsonl or csv (default: from the file name)"
    ),
    source: str | None = typer.Option(
        None, "--source", help="Label for where these records came from"
    ),
    channel: str = typer.Option(
        "import", "--channel", help="Channel for records that do not name one"
    ),
) -> None:
    """Import mentions from files; prints what was new, duplicate, quarantined and matched.

    Examples:
      lyssna ingest export.jsonl --source brand24
      lyssna ingest reviews.csv --format csv --channel reviews
    """
    ctx = common.workspace()
    settings = ctx.settings
    ingestor = Ingestor(
        ctx.engine,
        ctx.workspace.id,
        workers=settings.ingest_workers,
        batch_size=settings.ingest_batch_size,
    )
    total = sum(p.stat().st_size for p in files)
    with Progress(
        TextColumn("Ingesting"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=common.err_console,
        transient=True,
        disable=total < 1_000_000,
    ) as progress:
        task = progress.add_task("ingest", total=total)
        summary = ingestor.ingest_files(
            files,
            fmt=fmt,
            source=source,
            channel=channel,
            on_progress=lambda n: progress.advance(task, n),
        )
    console.print(
        f"Read {summary.read:,} records: [green]{summary.new:,} new[/], "
        f"{summary.updated:,} updated, {summary.duplicates:,} duplicates, "
        f"[{'red' if summary.quarantined else 'green'}]{summary.quarantined:,} quarantined[/]",
        highlight=False,
    )
    if summary.matched:
        table = Table("Topic", "Matched")
        for name, n in sorted(summary.matched.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(name, f"{n:,}")
        console.print(table)
    if summary.quarantined:
        console.print("See `lyssna quarantine list` for the quarantined records and why.")


def _mention_dict(m: StoredMention) -> dict[str, object]:
    return {
        "id": m.external_id,
        "channel": m.channel,
        "created_at": m.created_at.isoformat(),
        "author": m.author.handle if m.author else None,
        "author_name": m.author.name if m.author else None,
        "author_followers": m.author.followers if m.author else None,
        "text": m.text,
        "url": m.url,
        "lang": m.lang,
        "lang_variant": m.lang_variant,
        "sentiment": m.sentiment,
        "sentiment_score": m.sentiment_score,
        "topics": m.topics,
        "reply_to": m.reply_to,
        "near_duplicate": m.near_duplicate,
        "metrics": {
            "likes": m.metrics.likes,
            "shares": m.metrics.shares,
            "replies": m.metrics.replies,
            "views": m.metrics.views,
        },
    }


_CSV_COLUMNS = [
    "id",
    "channel",
    "created_at",
    "author",
    "text",
    "url",
    "lang",
    "sentiment",
    "topics",
]


@guarded
def search(
    query: str | None = typer.Argument(None, help="Query in the listening query language"),
    topic: str | None = typer.Option(None, "--topic", help="Only mentions matched by this topic"),
    since: str | None = typer.Option(None, "--since", help="ISO-8601 time or an age: 24h, 7d"),
    until: str | None = typer.Option(None, "--until", help="ISO-8601 time or an age"),
    limit: int = typer.Option(20, "--limit", min=1, max=1_000_000),
    fmt: str = typer.Option("table", "--format", help="table, jsonl or csv"),
) -> None:
    """Find stored mentions, newest first.

    Examples:
      lyssna search '"inte bra" OR dålig*' --since 7d
      lyssna search 'lang:no (strømbrudd OR strøm*) -test' --format jsonl
      lyssna search --topic Nordbank --limit 100 --format csv > nordbank.csv
    """
    if fmt not in ("table", "jsonl", "csv"):
        raise UserError("--format must be table, jsonl or csv")
    if not query and not topic:
        raise UserError("give a query, a --topic, or both")
    parsed = parse(query) if query else None
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    listening.check_period(start, end)
    ctx = common.workspace()
    topic_id = listening.topic_ids(ctx, [topic])[0] if topic else None
    with ctx.engine.connect() as conn:
        found = search_mentions(
            conn,
            ctx.workspace.id,
            MentionFilter(query=parsed, topic_id=topic_id, since=start, until=end),
            limit=limit,
        )
    if fmt == "jsonl":
        for m in found:
            sys.stdout.buffer.write(orjson.dumps(_mention_dict(m)) + b"\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(_CSV_COLUMNS)
        for m in found:
            d = _mention_dict(m)
            d["topics"] = ";".join(m.topics)
            writer.writerow([d[c] for c in _CSV_COLUMNS])
        return
    if not found:
        console.print("No mentions found.")
        return
    table = Table("When (UTC)", "Channel", "Author", "Lang", "Sentiment", "Text", "Topics")
    for column in table.columns[:5]:
        column.no_wrap = True
    table.columns[5].ratio = 1
    table.columns[5].min_width = 30
    for m in found:
        table.add_row(
            m.created_at.strftime("%m-%d %H:%M"),
            m.channel,
            m.author.handle if m.author else "",
            m.lang or "",
            m.sentiment or "",
            m.text if len(m.text) <= 140 else m.text[:139] + "…",
            ", ".join(m.topics),
        )
    console.print(table)


@guarded
def stats(
    topic: list[str] | None = typer.Option(None, "--topic", help="Only these topics (repeatable)"),
    by: str | None = typer.Option(None, "--by", help="hour or day"),
    since: str | None = typer.Option(None, "--since", help="ISO-8601 time or an age: 24h, 7d"),
    until: str | None = typer.Option(None, "--until", help="ISO-8601 time or an age"),
    fmt: str = typer.Option("table", "--format", help="table, jsonl or csv"),
) -> None:
    """Count mentions per topic (and per hour or day), with the sentiment split.

    Examples:
      lyssna stats
      lyssna stats --topic Nordbank --by day --since 14d
    """
    if by not in (None, "hour", "day"):
        raise UserError("--by must be hour or day")
    if fmt not in ("table", "jsonl", "csv"):
        raise UserError("--format must be table, jsonl or csv")
    start, end = parse_when(since, "--since"), parse_when(until, "--until")
    listening.check_period(start, end)
    ctx = common.workspace()
    with ctx.engine.connect() as conn:
        all_topics = {t.id: t.name for t in topic_store.list_all(conn, ctx.workspace.id)}
        ids = listening.topic_ids(ctx, topic) if topic else None
        counts = count_by_topic(
            conn,
            ctx.workspace.id,
            ids,
            since=start,
            until=end,
            by=by,  # type: ignore[arg-type]
            timezone=ctx.workspace.timezone,
        )
    rows = []
    order = sorted(counts, key=lambda k: (k is not None, all_topics.get(k, "") if k else ""))
    for key in order:
        name = "(all mentions)" if key is None else all_topics[key]
        for period in sorted(counts[key], key=lambda p: p or ""):
            c = counts[key][period]
            net = c.net_sentiment
            rows.append(
                {
                    "topic": name,
                    "period": period,
                    "total": c.total,
                    "negative": c.negative,
                    "neutral": c.neutral,
                    "positive": c.positive,
                    "net_sentiment": round(net, 3) if net is not None else None,
                }
            )
    if fmt == "jsonl":
        for r in rows:
            sys.stdout.buffer.write(orjson.dumps(r) + b"\n")
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["topic"])
        writer.writeheader()
        writer.writerows(rows)
        return
    if not rows:
        console.print("No mentions yet.")
        return
    columns = (
        ["Topic"] + (["Period"] if by else []) + ["Total", "Negative", "Neutral", "Positive", "Net"]
    )
    table = Table(*columns, title=f"Mentions ({ctx.workspace.timezone})" if by else "Mentions")
    for r in rows:
        net_text = "" if r["net_sentiment"] is None else f"{r['net_sentiment']:+.0%}"
        cells: list[str] = [str(r["topic"])] + ([str(r["period"])] if by else [])
        cells += [f"{r[k]:,}" for k in ("total", "negative", "neutral", "positive")]
        cells.append(net_text)
        table.add_row(*cells)
    console.print(table)


@quarantine_app.command("list")
@guarded
def quarantine_list(limit: int = typer.Option(50, "--limit", min=1)) -> None:
    """Show the most recently quarantined records and why they were refused."""
    ctx = common.workspace()
    with ctx.engine.connect() as conn:
        records = quarantine_store.list_recent(conn, ctx.workspace.id, limit)
        total = quarantine_store.count(conn, ctx.workspace.id)
    if not records:
        console.print("The quarantine is empty.")
        return
    table = Table("Origin", "Line", "Reason", "Record")
    for r in records:
        payload = r.payload if len(r.payload) <= 80 else r.payload[:79] + "…"
        table.add_row(Path(r.origin).name, str(r.line or ""), r.reason, payload)
    console.print(table)
    console.print(f"{total:,} quarantined in all.")
