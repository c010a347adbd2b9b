"""What a Facebook source is: one Page, a Page access token, and which of its lists to read."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, SourceConfig
from lyssna.connectors.facebook.graph import GRAPH, GRAPH_VERSION

_VERSION = re.compile(r"^v\d{1,3}\.\d$")


class GraphSourceConfig(SourceConfig):
    """Settings both Meta connectors have: the token, the host and the pinned API version."""

    token: Secret
    service: str = GRAPH
    graph_version: str = GRAPH_VERSION
    # Comments are read for this many of the newest posts (one request each per poll).
    watch_posts: int = Field(10, ge=0, le=100)
    # Page-level budgets are per 24 hours; every 10 minutes keeps a small Page well inside it.
    interval_seconds: int = Field(600, ge=10, le=7 * 24 * 3600)

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value

    @field_validator("graph_version")
    @classmethod
    def _version(cls, value: str) -> str:
        value = value.strip()
        if not _VERSION.match(value):
            raise ValueError("graph_version looks like v26.0")
        return value


class FacebookConfig(GraphSourceConfig):
    page: str  # the Page's numeric id
    feed: bool = True  # the Page's feed: its own posts and visitors' posts
    tagged: bool = True  # public posts that tag the Page
    comments: bool = True  # comments and replies on the newest posts of the feed
    page_size: int = Field(25, ge=1, le=100)

    @field_validator("page")
    @classmethod
    def _page(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(
                "the Page id is a number (on the Page: About → Page transparency, or "
                "Settings → Page setup)"
            )
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> FacebookConfig:
        if not (self.feed or self.tagged):
            raise ValueError("read the feed, the tagged posts, or both")
        return self
