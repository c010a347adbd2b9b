"""`lyssna strategy`: write down the social media strategy, check it, and hold the company to it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from lyssna.cli import common
from lyssna.cli.common import console, err_console, guarded
from lyssna.core.errors import UserError
from lyssna.strategy import strategy_path, write_strategy
from lyssna.strategy.channels import where_are_customers
from lyssna.strategy.errors import StrategyFileError
from lyssna.strategy.profiles import check_profiles
from lyssna.strategy.report import GoalResult, build_report, parse_period
from lyssna.strategy.schema import Strategy
from lyssna.strategy.textcheck import lint as lint_text
from lyssna.strategy.validate import check_file, load_strategy

strategy_app = typer.Typer(
    help="The social media strategy (strategy.yaml): check it, report on it, lint texts.",
    no_args_is_help=True,
)

_STATUS_STYLE = {
    "green": "[bold green]green[/]",
    "amber": "[bold yellow]amber[/]",
    "red": "[bold red]red[/]",
    "no data": "[dim]no data[/]",
    "not measured": "[dim]not measured[/]",
}
_ADVICE_STYLE = {"be present": "bold green", "keep": "", "reconsider": "bold yellow"}


def _strategy_file(file: Path | None) -> Path:
    settings = common.settings()
    return file if file is not None else strategy_path(settings.home, settings.workspace)


def _load(file: Path | None) -> Strategy:
    return load_strategy(_strategy_file(file))


@strategy_app.command("check")
@guarded
def check(
    file: Path | None = typer.Argument(
        None, help="Strategy file (default: the workspace's strategy.yaml)"
    ),
) -> None:
    """Validate the strategy; every problem is shown with its line and column.

    Examples:
      lyssna strategy check
      lyssna strategy check drafts/strategy-2027.yaml
    """
    path = _strategy_file(file)
    strategy, problems = check_file(path)
    # Like a compiler: one `file:line:column: message` per line, on stdout, for editors.
    for problem in problems:
        console.print(escape(str(problem)), highlight=False, soft_wrap=True)
    if problems:
        err_console.print(
            f"[bold red]{len(problems)} problem(s)[/] in {escape(str(path))}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    assert strategy is not None
    present = ", ".join(strategy.present_channels()) or "none"
    console.print(
        f"{escape(str(path))} is valid: {len(strategy.goals)} goals, channels: {present}.",
        highlight=False,
    )


def _read_text(text: str) -> str:
    """TEXT, a FILE holding it, or '-' for standard input."""
    if text == "-":
        return sys.stdin.read()
    candidate = Path(text)
    if len(text) < 4096 and "\n" not in text and candidate.is_file():
        try:
            return candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read {text}: {exc}") from None
    return text


def _avoided_words(strategy_file: Path | None, channel: str | None) -> list[str]:
    """Words the strategy's voice forbids; none when there is no strategy yet."""
    path = _strategy_file(strategy_file)
    try:
        strategy = load_strategy(path)
    except StrategyFileError:
        if strategy_file is not None or channel is not None:
            raise
        return []
    if channel is not None and channel not in strategy.channels:
        raise UserError(f"the strategy describes no channel {channel!r}")
    return strategy.avoided_words(channel)


@strategy_app.command("lint")
@guarded
def lint(
    text: str = typer.Argument(..., help="The text, a file holding it, or - for stdin"),
    lang: str | None = typer.Option(None, "--lang", help="sv, no, da, fi or en (default: all)"),
    question: str | None = typer.Option(None, "--question", help="The question this text answers"),
    channel: str | None = typer.Option(
        None, "--channel", help="Also check the words this channel's voice avoids"
    ),
    strategy_file: Path | None = typer.Option(
        None, "--strategy", help="Strategy file (default: the workspace's strategy.yaml)"
    ),
) -> None:
    """Flag sales talk, bragging, shouting and off-voice words; exit 1 when anything is flagged.

    Examples:
      lyssna strategy lint "Köp nu! Marknadens bästa elavtal!"
      lyssna strategy lint reply.txt --lang no --question "Når kommer regningen?"
      lyssna strategy lint post.txt --channel linkedin
    """
    body = _read_text(text)
    avoid = _avoided_words(strategy_file, channel)
    flags = lint_text(body, lang=lang, question=question, avoid=avoid)
    if not flags:
        console.print("[green]Clean:[/] nothing flagged.")
        return
    table = Table("Where", "Check", "Text", "Why")
    for flag in flags:
        span = flag.span if len(flag.span) <= 60 else flag.span[:59] + "…"
        table.add_row(f"{flag.start + 1}-{flag.end}", flag.kind, span, flag.reason)
    console.print(table)
    raise typer.Exit(1)


def _figure(value: float | None, unit: str, *, signed: bool = False) -> str:
    if value is None:
        return ""
    signed = signed or unit == "pts"  # net sentiment reads as +20 / -36
    number = f"{value:+,.1f}" if signed else f"{value:,.1f}"
    if number.endswith(".0"):
        number = number[:-2]
    if unit == "%":
        return f"{number}%"
    return number if unit == "pts" else f"{number} {unit}"


def _trend(result: GoalResult) -> str:
    trend = result.trend
    if trend is None:
        return ""
    arrow = "↑" if trend > 0 else "↓" if trend < 0 else "→"
    style = {True: "green", False: "red", None: "dim"}[result.improving]
    if result.unit in ("%", "pts"):  # a change in a percentage is in percentage points
        change = f"{trend:+.1f} pts".replace(".0 ", " ")
    else:
        change = _figure(trend, result.unit, signed=True)
    return f"[{style}]{arrow} {change}[/]"


@strategy_app.command("report")
@guarded
def report(
    period: str = typer.Option("7d", "--period", help="Length of the period: 7d, 30d, 4w..."),
    strategy_file: Path | None = typer.Option(None, "--strategy", help="Strategy file"),
) -> None:
    """Each goal against what the listening data shows, with the trend against the period before.

    Examples:
      lyssna strategy report
      lyssna strategy report --period 30d
    """
    length = parse_period(period)
    strategy = _load(strategy_file)
    ctx = common.workspace()
    result = build_report(ctx, strategy, length)
    if not result.results:
        console.print("The strategy has no goals yet: add them under `goals:`.")
        return
    table = Table(
        "Goal", "Metric", "Target", "Now", "Status", "Trend", "Basis",
        title=(
            f"Goals, {result.current.since:%Y-%m-%d %H:%M} to {result.current.until:%Y-%m-%d %H:%M}"
            f" UTC vs the {period} before"
        ),
    )  # fmt: skip
    for r in result.results:
        comparator = "≤" if r.at_most else "≥"
        table.add_row(
            r.goal.name,
            r.goal.metric,
            f"{comparator} {_figure(r.target, r.unit)}",
            _figure(r.current, r.unit),
            _STATUS_STYLE[r.status],
            _trend(r),
            r.note,
        )
    console.print(table)
    if result.crisis:
        crisis = Table("Crisis trigger", "Worst hour", "Value", "Fired", title="Crisis protocol")
        for c in result.crisis:
            if c.peak is None:
                value = "too few mentions"
            elif c.trigger_code == "net_sentiment_below":
                value = f"{c.peak:+.0f}"
            else:
                value = f"{c.peak:,.0f}"
            fired = "[bold red]yes: follow the crisis protocol[/]" if c.fired else "no"
            crisis.add_row(c.trigger, c.peak_hour or "", value, fired)
        console.print(crisis)
    competitors = ", ".join(result.competitor_topics) or "none"
    console.print(
        f"Measured on topic {escape(result.brand_topic)} against {escape(competitors)}.",
        highlight=False,
    )


def _growth(value: float | None) -> str:
    return "new" if value is None else f"{value:+.0%}"


def _net(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.0f}"


@strategy_app.command("where")
@guarded
def where(
    period: str = typer.Option("30d", "--period", help="Length of the period: 7d, 30d, 4w..."),
    strategy_file: Path | None = typer.Option(None, "--strategy", help="Strategy file"),
) -> None:
    """Where are our customers? Channels and languages of the conversation, against the strategy.

    Examples:
      lyssna strategy where
      lyssna strategy where --period 7d
    """
    length = parse_period(period)
    try:
        strategy: Strategy | None = _load(strategy_file)
    except StrategyFileError:
        if strategy_file is not None:
            raise
        strategy = None  # the conversation can be shown before any strategy is written
        err_console.print("No strategy.yaml yet: channels are shown without the comparison.")
    ctx = common.workspace()
    result = where_are_customers(ctx, strategy, length)
    if not result.total and not result.channels:
        console.print("No mentions in the period: ingest some first.")
        return
    table = Table(
        "Channel", "Mentions", "Share", "Growth", "Net", "Strategy", "Advice", "Why",
        title=f"Where the conversation is ({result.total:,} mentions in the last {period})",
    )  # fmt: skip
    for row in result.channels:
        style = _ADVICE_STYLE[row.recommendation]
        table.add_row(
            row.channel,
            f"{row.mentions:,}",
            f"{row.share:.0%}",
            _growth(row.growth) if row.mentions or row.previous else "",
            _net(row.net_sentiment),
            row.presence,
            f"[{style}]{row.recommendation}[/]" if style else row.recommendation,
            row.reason,
        )
    console.print(table)
    languages = Table("Language", "Mentions", "Share", "Growth", "Net", "We speak it")
    for lang in result.languages:
        languages.add_row(
            lang.lang,
            f"{lang.mentions:,}",
            f"{lang.share:.0%}",
            _growth(lang.growth),
            _net(lang.net_sentiment),
            "yes" if lang.covered else "[yellow]no[/]",
        )
    console.print(languages)


@strategy_app.command("profiles")
@guarded
def profiles(
    strategy_file: Path | None = typer.Option(None, "--strategy", help="Strategy file"),
) -> None:
    """Check each channel's company profile: description, person, interests, link, photo."""
    strategy = _load(strategy_file)
    verdicts = check_profiles(strategy)
    if not verdicts:
        console.print("The strategy describes no channels yet.")
        return
    table = Table("Channel", "Verdict", "What to fix")
    for v in verdicts:
        style = {"ready": "green", "not present": "dim"}.get(v.verdict, "yellow")
        fixes = "\n".join(f"{p.name}: {p.message}" for p in v.problems)
        table.add_row(v.channel, f"[{style}]{v.verdict}[/]", escape(fixes))
    console.print(table)


@strategy_app.command("init")
@guarded
def init(
    example: bool = typer.Option(
        False, "--example", help="Write the Elvåra example instead of the blank template"
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing strategy.yaml"),
) -> None:
    """Write a strategy.yaml to start from for the workspace (never over an existing one).

    Examples:
      lyssna strategy init
      lyssna strategy init --example
    """
    settings = common.settings()
    path = write_strategy(settings.home, settings.workspace, example=example, force=force)
    what = "the Elvåra example" if example else "a template"
    console.print(
        f"Wrote {what} to {escape(str(path))}; edit it, then run `lyssna strategy check`.",
        highlight=False,
    )
