"""`lyssna demo`: a ready-made workspace for a fictional Nordic company, filled with its stream."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from lyssna import listening
from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.pipeline.ingest import Ingestor
from lyssna.storage import mentions as mention_store
from lyssna.workspace import init_workspace


@guarded
def demo(
    count: int | None = typer.Option(
        None, "--count", help="Mentions to generate (default: a natural volume)"
    ),
    days: int = typer.Option(35, "--days", min=1, max=365, help="Days of history"),
    reset: bool = typer.Option(False, "--reset", help="Regenerate even if the demo has data"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the web app afterwards"),
    host: str = typer.Option("127.0.0.1", "--host", help="Address for the web app"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port for the web app"),
) -> None:
    """Create the demo workspace (a fictional company, two competitors, a storm) and load it.

    Examples:
      lyssna demo
      LYSSNA_HOME=/tmp/lyssna-demo lyssna demo --days 14 --port 8080
      lyssna demo --no-serve
    """
    # Imported here: the vocabularies are large and only this command needs them.
    from lyssna.demo import DEMO_COMPANY, demo_topics, generate, write_jsonl

    settings = common.settings()
    if settings.workspace == "default":
        settings = settings.model_copy(update={"workspace": "demo"})
    ctx = init_workspace(settings, name=f"{DEMO_COMPANY.name} (demo)")
    with ctx.engine.connect() as conn:
        stored = mention_store.count(conn, ctx.workspace.id)
    if stored and not reset:
        console.print(
            f"The demo workspace already holds {stored:,} mentions (use --reset to reload)."
        )
    else:
        existing = {t.name for t in listening.list_topics(ctx)}
        for name, query, kind in demo_topics():
            if name in existing:
                listening.edit_topic(ctx, name, query, kind)
            else:
                listening.add_topic(ctx, name, query, kind)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo.jsonl"
            with Progress(
                TextColumn("Generating"),
                BarColumn(),
                MofNCompleteColumn(),
                console=common.err_console,
                transient=True,
            ) as progress:
                task = progress.add_task("generate", total=count)
                written = write_jsonl(
                    path, (_tick(progress, task, r) for r in generate(count, days=days))
                )
            console.print(f"Generated {written:,} mentions over {days} days.")
            ingestor = Ingestor(ctx.engine, ctx.workspace.id, workers=settings.ingest_workers)
            summary = ingestor.ingest_files([path], source="demo")
        console.print(
            f"Stored {summary.new:,} mentions; "
            + ", ".join(f"{n} {c:,}" for n, c in summary.matched.most_common()),
            highlight=False,
        )
    from lyssna.strategy import strategy_path, write_strategy

    strategy_file = strategy_path(settings.home, ctx.workspace.slug)
    if not strategy_file.exists():
        write_strategy(settings.home, ctx.workspace.slug, example=True)
        console.print(f"Wrote the demo company's strategy to {strategy_file}.")
    console.print(
        f"\nDemo workspace [bold]{ctx.workspace.slug}[/] in {settings.home}. Try:\n"
        f"  lyssna -w {ctx.workspace.slug} stats --by day --since 14d\n"
        f"  lyssna -w {ctx.workspace.slug} search 'sentiment:negative' --limit 10\n"
        f"  lyssna -w {ctx.workspace.slug} topics list\n"
        f"  lyssna -w {ctx.workspace.slug} strategy report --period 7d",
        highlight=False,
    )

    if serve:
        from lyssna.web import ensure_demo_user
        from lyssna.web import serve as run

        email, password = ensure_demo_user(ctx)
        console.print(
            f"\nOpen [bold]http://{host}:{port}/[/] and sign in as [bold]{email}[/] with the "
            f"password [bold]{password}[/] (new each time the demo starts). Ctrl+C stops it.",
            highlight=False,
        )
        run(settings, host, port)


def _tick(progress: Progress, task: object, record: dict) -> dict:
    progress.advance(task, 1)  # type: ignore[arg-type]
    return record
