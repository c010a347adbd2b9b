"""What an RSS source is: one feed URL."""

from __future__ import annotations

from pydantic import Field, field_validator

from lyssna.connectors.base import SourceConfig


class RssConfig(SourceConfig):
    url: str
    interval_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)  # feeds change slowly

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("https://", "http://")):
            raise ValueError("url must be an http:// or https:// address of a feed")
        return value
