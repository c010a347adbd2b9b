"""What a Bluesky source is: search words, and optionally an account to search as."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, SourceConfig

PUBLIC_APPVIEW = "https://public.api.bsky.app"
DEFAULT_PDS = "https://bsky.social"


class BlueskyConfig(SourceConfig):
    queries: list[str] = Field(min_length=1)
    # With an account, requests go to its server (PDS); without, to the public AppView.
    service: str | None = None
    identifier: str | None = None  # handle or DID of the account, e.g. lyssna.bsky.social
    app_password: Secret | None = None
    lang: str | None = None  # only posts in this language, e.g. sv
    page_size: int = Field(100, ge=1, le=100)

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

    @model_validator(mode="after")
    def _account(self) -> BlueskyConfig:
        if (self.identifier is None) != (self.app_password is None):
            raise ValueError("give both --identifier and --password-env, or neither")
        return self

    @property
    def base_url(self) -> str:
        return self.service or (DEFAULT_PDS if self.identifier else PUBLIC_APPVIEW)
