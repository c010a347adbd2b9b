"""What an X source is: search queries, the app's bearer token, and (to post) the app's keys
with the account's access token (OAuth 1.0a user context). With `mode: stream`, the queries
become filtered-stream rules and posts arrive as they are written."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, StreamingSourceConfig

API = "https://api.x.com"


class XConfig(StreamingSourceConfig):
    queries: list[str] = Field(min_length=1)  # X search syntax, e.g. "elvåra -is:retweet lang:sv"
    token: Secret  # the app's bearer token (app-only authentication)
    # Posting as the account: "API Key and Secret" of the app, "Access Token and Secret" of the
    # account, from the app's Keys and tokens page (read and write permissions).
    api_key: Secret | None = None
    api_key_secret: Secret | None = None
    access_token: Secret | None = None
    access_token_secret: Secret | None = None
    service: str = API
    page_size: int = Field(100, ge=10, le=100)  # X's bounds for max_results
    # Every post read counts against the app's monthly cap; X's windows are 15 minutes.
    interval_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)
    # Streaming: X sends a keep-alive every 20 seconds; silence longer than this reconnects.
    stall_seconds: float = Field(30.0, gt=0, le=3600)
    # After each (re)connection, read through recent search what was written while the stream
    # was down (each post read costs as any other).
    catch_up: bool = True

    secret_fields: ClassVar[tuple[str, ...]] = (
        "token",
        "api_key",
        "api_key_secret",
        "access_token",
        "access_token_secret",
    )

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value

    @field_validator("queries")
    @classmethod
    def _queries(cls, values: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        if not cleaned:
            raise ValueError("give at least one --query")
        if any(len(v) > 512 for v in cleaned):
            raise ValueError("an X search query is at most 512 characters")
        return cleaned

    @model_validator(mode="after")
    def _all_four(self) -> XConfig:
        keys = (self.api_key, self.api_key_secret, self.access_token, self.access_token_secret)
        if any(k is None for k in keys) and any(k is not None for k in keys):
            raise ValueError(
                "posting needs all four of api_key, api_key_secret, access_token and "
                "access_token_secret (see docs/connectors.md, X)"
            )
        return self
