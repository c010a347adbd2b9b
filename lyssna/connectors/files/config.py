"""What a file source is: a file, or a folder whose JSON Lines and CSV files are read."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from lyssna.connectors.base import SourceConfig


class FilesConfig(SourceConfig):
    path: str  # a file, or a folder (its *.jsonl, *.ndjson and *.csv files, not sub-folders)
    format: Literal["jsonl", "csv"] | None = None  # None: by each file's extension
    interval_seconds: int = Field(60, ge=10, le=7 * 24 * 3600)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("path must name a file or a folder")
        return value
