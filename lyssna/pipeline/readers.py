"""Read import files (JSON Lines, CSV) into raw records, never stopping at a bad one."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import orjson

from lyssna.core.errors import UserError

FileFormat = Literal["jsonl", "csv"]
_EXTENSIONS: dict[str, FileFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
}

_BOM = b"\xef\xbb\xbf"
_SNIFF_CHARS = 64 * 1024

# CSV has no nesting: these flat columns build the nested fields of the import format.
_CSV_AUTHOR_COLUMNS = {"author_name": "name", "author_followers": "followers"}
_CSV_METRIC_COLUMNS = ("likes", "shares", "replies", "views")


@dataclass(slots=True)
class RawRecord:
    """One line of input: its parsed object, or why it could not be parsed."""

    origin: str
    line: int
    data: dict[str, Any] | None
    error: str | None = None
    source_text: str = ""  # the line as read, kept for the quarantine
    source_is_json: bool = False  # source_text is the record's own JSON (kept as the raw payload)


def detect_format(path: Path, given: str | None) -> FileFormat:
    if given:
        if given not in ("jsonl", "csv"):
            raise UserError(f"unknown format {given!r}: use jsonl or csv")
        return given  # type: ignore[return-value]
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(
            f"cannot tell the format of {path.name}: give --format jsonl or --format csv"
        )
    return fmt


def read_records(
    stream: BinaryIO, origin: str, fmt: FileFormat, on_bytes: Callable[[int], None] | None = None
) -> Iterator[RawRecord]:
    """Every record of the stream in order; `on_bytes` hears how much was read."""
    if fmt == "jsonl":
        yield from _read_jsonl(stream, origin, on_bytes)
    else:
        yield from _read_csv(stream, origin, on_bytes)


def read_lines(
    stream: BinaryIO, on_bytes: Callable[[int], None] | None = None
) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a JSON Lines stream with their 1-based numbers, unparsed."""
    for number, line in enumerate(stream, start=1):
        if on_bytes:
            on_bytes(len(line))
        if number == 1 and line.startswith(_BOM):  # files saved by Windows tools
            line = line[len(_BOM) :]
        if line.strip():
            yield number, line


def parse_jsonl_line(origin: str, number: int, line: bytes) -> RawRecord:
    """One JSON Lines record, or why it is not one."""
    stripped = line.strip()
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = stripped.decode("utf-8", errors="replace")
        return RawRecord(origin, number, None, f"not UTF-8 at byte {exc.start}", shown)
    try:
        data = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        return RawRecord(origin, number, None, f"not JSON: {exc}", text)
    if not isinstance(data, dict):
        return RawRecord(origin, number, None, "not a JSON object", text)
    return RawRecord(origin, number, data, None, text, source_is_json=True)


def _read_jsonl(
    stream: BinaryIO, origin: str, on_bytes: Callable[[int], None] | None
) -> Iterator[RawRecord]:
    for number, line in read_lines(stream, on_bytes):
        yield parse_jsonl_line(origin, number, line)


def _read_csv(
    stream: BinaryIO, origin: str, on_bytes: Callable[[int], None] | None
) -> Iterator[RawRecord]:
    text_stream = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    sample = text_stream.read(_SNIFF_CHARS)
    text_stream.seek(0)
    try:
        # Nordic spreadsheets export with ";" (the comma is the decimal sign there).
        dialect: type[csv.Dialect] | str = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = "excel"
    reader = csv.DictReader(text_stream, dialect=dialect)
    previous_line = 1
    for row in reader:
        line = reader.line_num
        if on_bytes:
            on_bytes(sum(len(v or "") + 1 for v in row.values()))
        number = previous_line + 1
        previous_line = line
        if None in row:  # more cells than header columns
            yield RawRecord(
                origin, number, None, "more cells than the header has columns", str(row)
            )
            continue
        yield RawRecord(origin, number, _nest_csv_row(row), None, _csv_line(row))


def _nest_csv_row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None)}
    author: dict[str, Any] = {}
    if "author" in data:
        author["handle"] = data.pop("author")
    for column, key in _CSV_AUTHOR_COLUMNS.items():
        if column in data:
            author[key] = data.pop(column)
    if author:
        data["author"] = author if len(author) > 1 or "handle" not in author else author["handle"]
    metrics = {m: data.pop(m) for m in _CSV_METRIC_COLUMNS if m in data}
    if metrics:
        data["metrics"] = metrics
    return data


def _csv_line(row: dict[str, str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(list(row.values()))
    return out.getvalue().rstrip("\r\n")
