"""What an Instagram source is: one business or creator account, its token, what to read."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from lyssna.connectors.facebook.config import GraphSourceConfig

MAX_HASHTAGS = 30  # unique hashtags an account may search in 7 days
_HASHTAG = re.compile(r"^\w{1,100}$")  # letters, digits and _; Instagram refuses emoji


class InstagramConfig(GraphSourceConfig):
    account: str  # the Instagram account's numeric id (IG User id, 1784…)
    media: bool = True  # the account's own posts (and, with `comments`, their comments)
    tags: bool = True  # posts that tag the account
    comments: bool = True  # comments and replies on the newest of its own posts
    hashtags: list[str] = Field(default_factory=list)  # recent public posts with these
    page_size: int = Field(25, ge=1, le=50)  # hashtag lists take 50 at most

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(
                "the account is the Instagram account's numeric id (17841…), not its @name: "
                "see docs/connectors.md, Instagram, step 5"
            )
        return value

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, values: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(v.strip().lstrip("#").lower() for v in values if v.strip()))
        for tag in cleaned:
            if not _HASHTAG.match(tag):
                raise ValueError(
                    f"#{tag}: a hashtag is letters, digits and _ (no emoji, no spaces)"
                )
        if len(cleaned) > MAX_HASHTAGS:
            raise ValueError(
                f"Instagram lets an account search {MAX_HASHTAGS} hashtags a week; "
                f"{len(cleaned)} given"
            )
        return cleaned

    @model_validator(mode="after")
    def _something_to_read(self) -> InstagramConfig:
        if not (self.media or self.tags or self.hashtags):
            raise ValueError("read the account's media, its tags, or give a --hashtag")
        return self
