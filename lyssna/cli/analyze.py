"""`lyssna analyze`: language and sentiment for JSON Lines records, as JSON Lines or a table."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional, TextIO

import orjson
import typer
from rich.console import Console
from rich.table import Table

from lyssna.analysis import load_analyzer
from lyssna.core.records import TextAnalysis

BATCH = 512


def analysis_fields(result: TextAnalysis) -> dict[str, Any]:
    """The fields `analyze` adds to a record."""
    return {
        "lang": result.lang,
        "lang_variant": result.lang_variant,
        "lang_confidence": result.lang_confidence,
        "sentiment": result.sentiment,
        "sentiment_score": result.sentiment_score,
        "explanation": [
            {"kind": r.kind, "text": r.text, "weight": r.weight} for r in result.explanation or ()
        ],
    }


def _records(stream: TextIO, errors: list[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            errors.append(f"line {number}: not JSON ({exc})")
            continue
        if (
            not isinstance(record, dict)
            or "id" not in record
            or not isinstance(record.get("text"), str)
        ):
            errors.append(f"line {number}: needs an object with 'id' and a string 'text'")
            continue
        yield record


def _batches(records: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def analyze_command(
    file: Optional[Path] = typer.Argument(  # noqa: UP045 - Typer reads the annotation
        None, help="JSON Lines with at least 'id' and 'text'; '-' or nothing reads stdin."
    ),
    format: str = typer.Option("jsonl", "--format", help="jsonl or table"),
    accurate: bool = typer.Option(False, "--accurate", help="Re-score with the slower model."),
) -> None:
    """Add language, sentiment and its reasons to every record."""
    if format not in ("jsonl", "table"):
        typer.echo(f"unknown format {format!r}: use jsonl or table", err=True)
        raise typer.Exit(2)
    analyzer = load_analyzer(accurate=accurate)
    errors: list[str] = []
    stream: TextIO
    if file is None or str(file) == "-":
        stream = sys.stdin
    else:
        stream = file.open(encoding="utf-8")
    table = Table("id", "lang", "sentiment", "score", "why", "text", show_lines=False)
    out = sys.stdout
    try:
        for batch in _batches(_records(stream, errors)):
            langs = [r.get("lang") if isinstance(r.get("lang"), str) else None for r in batch]
            results = analyzer.analyse_many([r["text"] for r in batch], langs)
            for record, result in zip(batch, results, strict=True):
                if format == "jsonl":
                    merged = {**record, **analysis_fields(result)}
                    out.write(orjson.dumps(merged).decode() + "\n")
                else:
                    lang = result.lang + (f"-{result.lang_variant}" if result.lang_variant else "")
                    why = ", ".join(
                        f"{r.text} {r.weight:+.1f}" for r in (result.explanation or ())[:3]
                    )
                    text = record["text"].replace("\n", " ")
                    table.add_row(
                        str(record["id"]),
                        lang,
                        result.sentiment,
                        f"{result.sentiment_score:+.2f}",
                        why,
                        text[:60] + ("…" if len(text) > 60 else ""),
                    )
    finally:
        if stream is not sys.stdin:
            stream.close()
    if format == "table":
        Console(file=out, width=160).print(table)
    out.flush()
    for message in errors:
        typer.echo(message, err=True)
    if errors:
        raise typer.Exit(1)
