"""What a Mastodon source is: an instance, hashtags to follow, searches to run, tokens; with
`mode: stream`, the hashtags are followed live through the streaming API."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, StreamingSourceConfig


class MastodonConfig(StreamingSourceConfig):
    instance: str
    hashtags: list[str] = Field(default_factory=list)  # without the '#'
    queries: list[str] = Field(default_factory=list)
    token: Secret | None = None  # reads: read:statuses (search needs one)
    # Posts and replies as the token's account: write:statuses, and read to find what it answers.
    write_token: Secret | None = None
    page_size: int = Field(40, ge=1, le=40)  # Mastodon's maximum
    # Streaming: where the server's streaming API is, when its instance information does not
    # say (wss://streaming.example); found by itself otherwise.
    streaming_url: str | None = None

    secret_fields: ClassVar[tuple[str, ...]] = ("token", "write_token")

    @field_validator("instance")
    @classmethod
    def _instance(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if "://" not in value:
            value = f"https://{value}"
        if not value.startswith(("https://", "http://")):
            raise ValueError("instance must be an https:// address, e.g. https://mastodon.social")
        return value

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip().lstrip("#") for v in values if v.strip().lstrip("#")]
        return list(dict.fromkeys(cleaned))

    @field_validator("streaming_url")
    @classmethod
    def _streaming_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("wss://", "ws://")):
            raise ValueError("streaming_url must be a wss:// address, e.g. wss://streaming.example")
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonConfig:
        if not self.hashtags and not self.queries:
            raise ValueError("give at least one --hashtag or --query")
        if self.mode == "stream" and (self.queries or not self.hashtags):
            raise ValueError(
                "streaming follows hashtags (--hashtag); search words (--query) cannot be "
                "streamed: add them as a second source that polls"
            )
        if self.queries and self.token is None:
            raise ValueError(
                "searching statuses needs an access token: add --token-env NAME "
                "(see docs/connectors.md, Mastodon)"
            )
        return self
