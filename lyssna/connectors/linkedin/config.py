"""What a LinkedIn source is: one organization (company page) and an admin member's token."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field, field_validator

from lyssna.connectors.base import Secret, SourceConfig

API = "https://api.linkedin.com"
# LinkedIn keeps a monthly version for about a year; a source may pin a newer one.
API_VERSION = "202605"
_ORGANIZATION = re.compile(r"^(?:urn:li:organization:)?(\d+)$")


class LinkedInConfig(SourceConfig):
    organization: str  # its numeric id, or urn:li:organization:ID; stored as the URN
    token: Secret  # a member's 3-legged OAuth access token (an admin of the organization)
    service: str = API
    api_version: str = API_VERSION  # the LinkedIn-Version header, YYYYMM
    comments: bool = True  # comments and replies on the newest posts
    watch_posts: int = Field(10, ge=0, le=50)  # comments are read for this many newest posts
    page_size: int = Field(20, ge=1, le=100)
    # Daily limits per member and per app: every 15 minutes keeps well inside them.
    interval_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)

    secret_fields: ClassVar[tuple[str, ...]] = ("token",)

    @field_validator("organization")
    @classmethod
    def _organization(cls, value: str) -> str:
        match = _ORGANIZATION.match(value.strip())
        if not match:
            raise ValueError(
                "the organization is its numeric id (in the page admin view's address: "
                "linkedin.com/company/ID/admin) or urn:li:organization:ID"
            )
        return f"urn:li:organization:{match.group(1)}"

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"^20\d\d(0[1-9]|1[0-2])$", value):
            raise ValueError("api_version is a month as YYYYMM, e.g. 202605")
        return value

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("service must be an http(s):// address")
        return value
