"""`lyssna analysis`: correct sentiments, pin terms, and teach the workspace's analyser."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from lyssna import corrections
from lyssna.cli import common
from lyssna.cli.common import console, guarded
from lyssna.core.errors import NotFoundError, UserError
from lyssna.storage import sentiment_rules
from lyssna.storage.schema import mentions

analysis_app = typer.Typer(
    help="Teach the analyser: corrections, pinned terms, learning.", no_args_is_help=True
)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _print_learned(report: corrections.LearnReport) -> None:
    console.print(f"Learnt from {report.corrections:,} corrections.")
    if report.held_out:
        console.print(
            f"On {report.held_out} held-out corrections: {_percent(report.accuracy_before)} "
            f"agreed before learning, {_percent(report.accuracy_after)} after.",
            highlight=False,
        )


@analysis_app.command("correct")
@guarded
def correct_command(
    mention: str = typer.Argument(..., help="CHANNEL:ID as `lyssna search` shows them"),
    sentiment: str = typer.Argument(..., help="negative, neutral or positive"),
) -> None:
    """Correct a mention's sentiment; every few corrections the analyser learns from them.

    Examples:
      lyssna analysis correct x:2124607606629598036 positive
    """
    channel, _, external_id = mention.partition(":")
    if not external_id:
        raise UserError("name the mention as CHANNEL:ID, e.g. mastodon:109348")
    ctx = common.workspace()
    with ctx.engine.connect() as conn:
        found = conn.execute(
            select(mentions.c.id).where(
                mentions.c.workspace_id == ctx.workspace.id,
                mentions.c.channel == channel,
                mentions.c.external_id == external_id,
            )
        ).scalar()
    if found is None:
        raise NotFoundError(f"no mention {mention} in this workspace")
    report = corrections.correct(ctx.engine, ctx.workspace.id, int(found), sentiment)
    console.print(f"{mention} is now {sentiment}.", highlight=False)
    if report:
        _print_learned(report)


@analysis_app.command("learn")
@guarded
def learn_command() -> None:
    """Adapt the workspace's analyser to all corrections, and show the effect on held-out ones."""
    ctx = common.workspace()
    _print_learned(corrections.learn_from_corrections(ctx.engine, ctx.workspace.id))


@analysis_app.command("pin")
@guarded
def pin_command(
    term: str = typer.Argument(..., help="A word or phrase, e.g. a product name"),
    sentiment: str = typer.Option(..., "--sentiment", help="negative, neutral or positive"),
    lang: str | None = typer.Option(None, "--lang", help="Only in this language"),
) -> None:
    """Pin a term to a sentiment (e.g. a product name that contains a negative word).

    Examples:
      lyssna analysis pin "Nöjd-Kaos" --sentiment positive
    """
    ctx = common.workspace()
    n = corrections.pin(ctx.engine, ctx.workspace.id, term, sentiment, lang)
    console.print(f"Pinned {term!r} as {sentiment}; {n:,} stored mentions re-scored.")


@analysis_app.command("unpin")
@guarded
def unpin_command(term: str = typer.Argument(...)) -> None:
    """Remove a pinned term."""
    ctx = common.workspace()
    n = corrections.unpin(ctx.engine, ctx.workspace.id, term)
    console.print(f"Unpinned {term!r}; {n:,} stored mentions re-scored.")


@analysis_app.command("rules")
@guarded
def rules_command() -> None:
    """List the pinned terms and the state of the learnt model."""
    ctx = common.workspace()
    with ctx.engine.connect() as conn:
        rules = sentiment_rules.list_rules(conn, ctx.workspace.id)
        model = sentiment_rules.load_model(conn, ctx.workspace.id)
    if rules:
        table = Table("Term", "Sentiment", "Language")
        for r in rules:
            table.add_row(r.term, r.sentiment, r.lang or "all")
        console.print(table)
    else:
        console.print("No pinned terms.")
    if model:
        console.print(
            f"Model learnt from {model.corrections_used:,} corrections on "
            f"{model.trained_at:%Y-%m-%d %H:%M} UTC (held-out agreement "
            f"{_percent(model.accuracy_before)} -> {_percent(model.accuracy_after)}).",
            highlight=False,
        )
