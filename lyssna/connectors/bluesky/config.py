"""What a Bluesky source is: search words, and optionally an account to search as; or, with
`mode: stream`, the live Jetstream firehose filtered by the workspace's topics."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, StreamingSourceConfig

PUBLIC_APPVIEW = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"
JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"


class BlueskyConfig(StreamingSourceConfig):
    queries: list[str] = Field(default_factory=list)  # search words (polling)
    # With an account, requests go to its server (PDS); without, to the public AppView.
    service: str | None = None
    identifier: str | None = None  # handle or DID of the account, e.g. lyssna.bsky.social
    app_password: Secret | None = None
    lang: str | None = None  # only posts in this language, e.g. sv
    page_size: int = Field(100, ge=1, le=100)
    # Streaming: Bluesky's public Jetstream instances (jetstream1/2 . us-east/us-west).
    jetstream_url: str = JETSTREAM
    # The firehose never goes quiet for long; the runner's own keep-alive pings count too.
    stall_seconds: float = Field(30.0, gt=0, le=3600)

    secret_fields: ClassVar[tuple[str, ...]] = ("app_password",)

    @field_validator("service")
    @classmethod
    def _service(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value

    @field_validator("jetstream_url")
    @classmethod
    def _jetstream(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("wss://", "ws://")):
            raise ValueError("jetstream_url must be a wss:// address, e.g. " + JETSTREAM)
        return value

    @model_validator(mode="after")
    def _account(self) -> BlueskyConfig:
        if (self.identifier is None) != (self.app_password is None):
            raise ValueError("give both --identifier and --password-env, or neither")
        if self.mode == "poll" and not self.queries:
            raise ValueError(
                "give at least one --query to search for, or stream the firehose with "
                "--stream (it keeps the posts that match the workspace's topics)"
            )
        return self

    @property
    def base_url(self) -> str:
        return self.service or (DEFAULT_PDS if self.identifier else PUBLIC_APPVIEW)
