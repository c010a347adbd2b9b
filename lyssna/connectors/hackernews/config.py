"""What a Hacker News source is: search words, and whether to read stories, comments or both."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from lyssna.connectors.base import SourceConfig


class HackerNewsConfig(SourceConfig):
    queries: list[str] = Field(min_length=1)
    item_types: list[Literal["story", "comment"]] = Field(
        default=["story", "comment"], min_length=1
    )
    service: str = "https://hn.algolia.com"
    page_size: int = Field(100, ge=1, le=1000)
    interval_seconds: int = Field(600, ge=10, le=7 * 24 * 3600)

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value
