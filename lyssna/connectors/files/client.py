"""Reads export files (JSON Lines or CSV, Lyssna's import format) as they appear and grow.

The cursor keeps, per file, how far it has been read (bytes for JSON Lines, records for CSV),
so a restart goes on where it stopped. Only complete lines are read: a file still being written
is read up to its last newline and the rest at the next poll. A file that got shorter was
replaced and is read again from the start (the pipeline stores each record once anyway).
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from lyssna.connectors.base import (
    Cursor,
    FetchResult,
    MappedItem,
    RawItem,
    SourceConfigError,
    SourceNotFoundError,
    Verdict,
)
from lyssna.connectors.files import mapping
from lyssna.connectors.files.config import FilesConfig
from lyssna.connectors.http import HttpClient
from lyssna.core.errors import UserError
from lyssna.pipeline.readers import RawRecord, detect_format, parse_jsonl_line, read_records

PAGE = 2000  # records per page; the runner asks again at once while there are more
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")


class FilesConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[FilesConfig]] = FilesConfig
    can_reply: ClassVar[bool] = False  # a file is read-only
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = False

    def __init__(self, config: FilesConfig, http: HttpClient) -> None:
        self.config = config
        self.root = Path(config.path).expanduser()

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        return await asyncio.to_thread(self._fetch, cursor or {})

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_record(item, retrieved_at)

    async def check(self) -> Verdict:
        try:
            files = await asyncio.to_thread(self._files)
        except (SourceNotFoundError, SourceConfigError) as exc:
            return Verdict(False, exc.reason)
        if not files:
            return Verdict(True, f"{self.root} is readable; no .jsonl or .csv files in it yet")
        size = sum(p.stat().st_size for p in files)
        return Verdict(True, f"{len(files)} file(s), {size:,} bytes", tuple(p.name for p in files))

    def _files(self) -> list[Path]:
        if self.root.is_file():
            return [self.root]
        if self.root.is_dir():
            return sorted(
                p for p in self.root.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES
            )
        raise SourceNotFoundError(f"{self.root} does not exist: check the source's path")

    def _fetch(self, cursor: Cursor) -> FetchResult:
        read: dict[str, dict[str, int]] = {
            name: dict(state) for name, state in (cursor.get("files") or {}).items()
        }
        items: list[RawItem] = []
        for path in self._files():
            try:
                fmt = detect_format(path, self.config.format)
            except UserError as exc:
                raise SourceConfigError(str(exc)) from None
            state = read.get(str(path), {"offset": 0, "records": 0})
            size = path.stat().st_size
            if size < state["offset"]:
                state = {"offset": 0, "records": 0}  # replaced by a shorter file
            if size > state["offset"]:
                reader = self._jsonl if fmt == "jsonl" else self._csv
                state = reader(path, state, items, PAGE)
            read[str(path)] = state
            if len(items) >= PAGE:
                return FetchResult(items, {"files": read}, more=True)
        return FetchResult(items, {"files": read})

    def _jsonl(
        self, path: Path, state: dict[str, int], items: list[RawItem], limit: int
    ) -> dict[str, int]:
        offset, records = state["offset"], state["records"]
        with path.open("rb") as stream:
            stream.seek(offset)
            for line in stream:
                if len(items) >= limit or not line.endswith(b"\n"):
                    break  # a full page, or a line still being written: the rest next time
                offset += len(line)
                records += 1
                if line.strip():
                    items.append(_item(parse_jsonl_line(str(path), records, line), path))
        return {"offset": offset, "records": records}

    def _csv(
        self, path: Path, state: dict[str, int], items: list[RawItem], limit: int
    ) -> dict[str, int]:
        content = path.read_bytes()
        end = content.rfind(b"\n") + 1  # complete lines only
        records = 0
        for record in read_records(io.BytesIO(content[:end]), str(path), "csv"):
            if records < state["records"]:
                records += 1
                continue
            if len(items) >= limit:  # a full page: this file is not done
                return {"offset": state["offset"], "records": records}
            items.append(_item(record, path))
            records += 1
        return {"offset": end, "records": records}


def _item(record: RawRecord, path: Path) -> RawItem:
    where = f"{path.as_uri()}#line={record.line}"
    if record.data is None:
        return RawItem(
            {
                mapping.UNREADABLE: record.source_text[:100_000],
                mapping.REASON: f"{path.name} line {record.line}: {record.error}",
            },
            where,
        )
    payload: dict[str, Any] = record.data
    return RawItem(payload, where)
