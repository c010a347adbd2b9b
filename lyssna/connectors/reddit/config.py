"""What a Reddit source is: searches, subreddits to read comments of, an app's credentials, and
(to post) the account's password and where new posts go."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.base import Secret, SourceConfig

API = "https://oauth.reddit.com"
AUTH = "https://www.reddit.com"


class RedditConfig(SourceConfig):
    queries: list[str] = Field(default_factory=list)  # sitewide post search (sort=new)
    subreddits: list[str] = Field(default_factory=list)  # every new comment there, without r/
    client_id: Secret
    client_secret: Secret
    username: str | None = None  # your Reddit account, named in the User-Agent Reddit asks for
    # The account's password: the "script" app then acts as the account (replies, posts).
    password: Secret | None = None
    publish_subreddit: str | None = None  # where new posts go, without r/
    service: str = API
    auth_service: str = AUTH
    page_size: int = Field(100, ge=1, le=100)  # Reddit's maximum

    secret_fields: ClassVar[tuple[str, ...]] = ("client_id", "client_secret", "password")

    @field_validator("service", "auth_service")
    @classmethod
    def _base(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s):// address")
        return value

    @field_validator("subreddits")
    @classmethod
    def _subreddits(cls, values: list[str]) -> list[str]:
        cleaned = [_subreddit(v) for v in values]
        return list(dict.fromkeys(v for v in cleaned if v))

    @field_validator("publish_subreddit")
    @classmethod
    def _publish_subreddit(cls, value: str | None) -> str | None:
        return _subreddit(value) or None if value else None

    @field_validator("username")
    @classmethod
    def _username(cls, value: str | None) -> str | None:
        return value.strip().removeprefix("/").removeprefix("u/") or None if value else None

    @model_validator(mode="after")
    def _something_to_read(self) -> RedditConfig:
        if not self.queries and not self.subreddits:
            raise ValueError("give at least one --query or --subreddit")
        if self.password is not None and self.username is None:
            raise ValueError("the password is the account's: give --username too")
        return self


def _subreddit(value: str) -> str:
    return value.strip().removeprefix("/").removeprefix("r/").strip("/")
