"""What a YouTube source is: searches, videos and channels to read comments of, an API key, and
(to reply) the channel's OAuth authorisation."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, SourceConfig

API = "https://www.googleapis.com"
TOKENS = "https://oauth2.googleapis.com"


class YouTubeConfig(SourceConfig):
    queries: list[str] = Field(default_factory=list)  # video search, newest first
    videos: list[str] = Field(default_factory=list)  # comment threads of these video ids
    channels: list[str] = Field(default_factory=list)  # ... of every video of these channel ids
    comment_queries: list[str] = Field(default_factory=list)  # only threads with these words
    api_key: Secret
    # Replying acts as the channel: an OAuth client of the Google Cloud project and a refresh
    # token the channel's owner granted it (scope youtube.force-ssl).
    oauth_client_id: Secret | None = None
    oauth_client_secret: Secret | None = None
    refresh_token: Secret | None = None
    service: str = API
    token_service: str = TOKENS
    page_size: int = Field(50, ge=1, le=50)  # search's maximum (comment threads allow 100)
    # A search costs 100 of the 10,000 daily quota units: every 30 minutes is 4,800 a query.
    interval_seconds: int = Field(1800, ge=10, le=7 * 24 * 3600)

    secret_fields: ClassVar[tuple[str, ...]] = (
        "api_key",
        "oauth_client_id",
        "oauth_client_secret",
        "refresh_token",
    )

    @field_validator("service", "token_service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value

    @field_validator("videos", "channels")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))

    @model_validator(mode="after")
    def _something_to_read(self) -> YouTubeConfig:
        if not self.queries and not self.videos and not self.channels:
            raise ValueError("give at least one --query, --video or --channel")
        oauth = (self.oauth_client_id, self.oauth_client_secret, self.refresh_token)
        if any(v is None for v in oauth) and any(v is not None for v in oauth):
            raise ValueError(
                "replying needs all three of oauth_client_id, oauth_client_secret and "
                "refresh_token (see docs/connectors.md, YouTube)"
            )
        return self
