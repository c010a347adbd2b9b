"""LinkedIn's versioned REST API as the connector uses it: headers, paging, errors, post text.

- Every request carries `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`; URNs in
  paths and query strings are percent-encoded, as Rest.li 2.0 wants.
- Lists answer `{"paging": {"start", "count", "links": [...], "total"?}, "elements": [...]}` and
  page with `start`/`count`.
- Refusals answer `{"status", "serviceErrorCode", "code", "message"}`: 401 is a token that expired
  or was revoked (member tokens last 60 days), 403 a missing scope or page role, 426 a retired
  `LinkedIn-Version`, 429 a limit (most are per day and reset at midnight UTC).
- Post text (`commentary`) is in LinkedIn's "little text format": `\\`-escaped reserved
  characters, `@[Name](urn:li:organization:1)` mentions and `{hashtag|\\#|word}` hashtags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import orjson

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    GoneError,
    MalformedResponseError,
    RateLimitedError,
    RequestRejectedError,
    SourceNotFoundError,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import HttpClient, classify, parse_json
from lyssna.connectors.linkedin.config import LinkedInConfig
from lyssna.core.clock import utcnow

RESTLI_VERSION = "2.0.0"
_REFUSALS = frozenset({400, 401, 403, 404, 409, 422, 426})
_RETIRED_CODES = frozenset({"NONEXISTENT_VERSION", "VERSION_MISSING", "UNSUPPORTED_VERSION"})
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class LinkedInError:
    status: int | None
    code: str | None  # e.g. EXPIRED_ACCESS_TOKEN, ACCESS_DENIED, NONEXISTENT_VERSION
    message: str

    @property
    def said(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


def linkedin_error(response: httpx.Response) -> LinkedInError | None:
    """LinkedIn's error body, or None when the body is not its shape."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    text = " ".join(body["message"].split())
    return LinkedInError(
        status=body["status"] if isinstance(body.get("status"), int) else None,
        code=body["code"] if isinstance(body.get("code"), str) else None,
        message=text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…",
    )


class LinkedInApi:
    def __init__(self, http: HttpClient, config: LinkedInConfig) -> None:
        self.http = http
        self.config = config

    def url(self, path: str) -> str:
        return f"{self.config.service}/rest/{path.lstrip('/')}"

    def headers(self) -> dict[str, str]:
        token = resolve_secret(self.config.token, "access token")
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self.config.api_version,
            "X-Restli-Protocol-Version": RESTLI_VERSION,
        }

    async def get(self, path: str, params: dict[str, Any]) -> tuple[Any, str]:
        url = self.url(path)
        response = await self._request("GET", url, params=params)
        if response.status_code != 200:
            raise self.error(response)
        return parse_json(response), url

    async def page(
        self, path: str, params: dict[str, Any], start: int, count: int
    ) -> tuple[list[dict[str, Any]], int | None, str]:
        """One page of a list: its elements, where the next page starts (None: the last), URL."""
        body, url = await self.get(path, {**params, "start": start, "count": count})
        if not isinstance(body, dict) or not isinstance(body.get("elements"), list):
            raise MalformedResponseError(f"{_describe(url)} did not answer with a list (elements)")
        elements = [e for e in body["elements"] if isinstance(e, dict)]
        paging: dict[str, Any] = body["paging"] if isinstance(body.get("paging"), dict) else {}
        links: list[Any] = paging["links"] if isinstance(paging.get("links"), list) else []
        has_next = any(isinstance(link, dict) and link.get("rel") == "next" for link in links)
        total = paging.get("total")
        if isinstance(total, int):
            has_next = has_next or start + len(elements) < total
        elif not links:
            has_next = len(elements) >= count  # no links, no total: a full page may go on
        return elements, (start + len(elements) if has_next and elements else None), url

    async def create(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST something new: sent at most once (the shared client never repeats a POST that
        may have reached LinkedIn). The answer (201 Created), or the error."""
        response = await self._request("POST", self.url(path), json=body)
        if response.status_code not in (200, 201):
            raise self.error(response)
        return response

    async def _request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            return await self.http.request(
                method,
                url,
                headers=self.headers(),
                ok_statuses=frozenset({200, 201}) | _REFUSALS,
                **kw,
            )
        except RateLimitedError as exc:
            # "Resource level throttle APPLICATION DAY limit ...": daily limits reset at midnight.
            if exc.retry_at is None and " DAY " in f" {exc.reason.upper()} ":
                exc.retry_at = next_midnight(utcnow())
                exc.reason = f"{exc.reason}; LinkedIn's daily limits reset at midnight UTC"
                exc.args = (exc.reason,)
            raise

    def error(self, response: httpx.Response) -> ConnectorError:
        where = _describe(str(response.request.url))
        status = response.status_code
        said = linkedin_error(response)
        if said is None:  # not LinkedIn's shape: judge by the status
            return classify(response, where)
        if status == 426 or said.code in _RETIRED_CODES:
            return GoneError(
                f"{where} no longer serves LinkedIn-Version {self.config.api_version} "
                f"({status} {said.said}). Set the source's api_version to a recent month "
                "(YYYYMM; see LinkedIn's API versioning page)"
            )
        token = redact(self.config.token)
        if status == 401:
            return AuthError(
                f"{where} refused the access token in {token} (401 {said.said}). Member "
                "tokens last 60 days: get a new one (docs/connectors.md, LinkedIn, step 5) and "
                "put it in the same place"
            )
        if status == 403:
            return AuthError(
                f"{where}: the access token in {token} may not do this (403 {said.said}). It "
                "needs the scopes r_organization_social (reading) and w_organization_social "
                "(replying, posting), and its member must be an administrator of "
                f"{self.config.organization}"
            )
        if status == 404:
            return SourceNotFoundError(
                f"{where} was not found (404 {said.said}). Check the organization "
                f"{self.config.organization}, and that the post was not deleted"
            )
        return RequestRejectedError(f"{where} refused the request ({status} {said.said})")


def encoded(urn: str) -> str:
    """A URN as a path segment (Rest.li 2.0: every reserved character percent-encoded)."""
    return quote(urn, safe="")


def next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(0), tzinfo=UTC)


def iso_millis(value: Any) -> str | None:
    """LinkedIn's epoch milliseconds as ISO-8601."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC).isoformat()
    return None


# --- Little text format ------------------------------------------------------------------------

_RESERVED = "\\|{}@[]()<>#*_~"
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_TEMPLATE_HASHTAG = re.compile(r"\{hashtag\|\\#\|((?:[^{}\\]|\\.)*)\}")
_TEMPLATE_MENTION = re.compile(r"@\[((?:[^\]\\]|\\.)*)\]\((urn:li:[^)]+)\)")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")


def plain_text(commentary: str) -> str:
    """Post text as a reader sees it: `#word` hashtags, `@Name` mentions, nothing escaped."""
    text = _TEMPLATE_HASHTAG.sub(lambda m: f"#{m.group(1)}", commentary)
    text = _TEMPLATE_MENTION.sub(lambda m: f"@{m.group(1)}", text)
    return _ESCAPED.sub(lambda m: m.group(1), text)


def little_text(text: str) -> str:
    """Plain text as post commentary: reserved characters escaped, `#word` made a hashtag."""
    parts: list[str] = []
    last = 0
    for match in _HASHTAG.finditer(text):
        parts.append(_escape(text[last : match.start()]))
        parts.append(f"{{hashtag|\\#|{_escape(match.group(1))}}}")
        last = match.end()
    parts.append(_escape(text[last:]))
    return "".join(parts)


def _escape(text: str) -> str:
    return "".join(f"\\{c}" if c in _RESERVED else c for c in text)


def _describe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
