"""The HTTP plumbing every connector shares: one client, retries, rate limits, errors, cursors.

- Timeouts on every request; retries with exponential backoff and full jitter for 429, 5xx,
  timeouts and connection errors, waiting exactly as long as `Retry-After` or the platform's
  rate-limit reset header says when it says so.
- When a platform reports its budget used up (`X-RateLimit-Remaining: 0`), the next request waits
  for the reset instead of earning a 429.
- A wait longer than `RetryPolicy.max_wait` is not slept through inside a poll: it becomes a
  RateLimitedError carrying `retry_at`, and the runner schedules the source for then.
- A request that creates something (POST, PATCH) is sent at most once unless the platform
  deduplicates it (`idempotent=True`, e.g. an idempotency key): it is retried only when it
  certainly did not get through (no connection was made, or the platform refused it unread with
  408/425/429). A timeout, a dropped connection or a 5xx after it was sent raise
  OutcomeUnknownError (so does a deduplicated one that runs out of tries), and the caller asks
  the platform (Sender.find_sent) before sending again.
- Every failure becomes one of the errors in lyssna.connectors.base, with a reason that names the
  host and what to do. URLs in messages lose their query string; headers are never shown, so a
  credential cannot leak into a message or a log.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson

from lyssna import __version__
from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    GoneError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestRejectedError,
    RetriableError,
    SourceNotFoundError,
    StreamDroppedError,
    Unreadable,
)
from lyssna.core.clock import utcnow

USER_AGENT = f"Lyssna/{__version__} (+https://github.com/lyssna/lyssna; social listening)"
_RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Answers that say the request was not processed, so even a POST may be sent again.
_REFUSED_UNREAD = frozenset({408, 425, 429})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures that happen before a byte of the request left: nothing can have been created.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAX_ERROR_TEXT = 200
_MAX_STREAM_ERROR_BODY = 64 * 1024  # a refused stream's error body, read to say why
_SURROGATE = re.compile("[\ud800-\udfff]")

Hints = Mapping[type[ConnectorError], str]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    base_delay: float = 1.0  # seconds; doubled on every retry, then jittered
    max_delay: float = 30.0
    max_wait: float = 60.0  # longest wait inside a poll; longer ones reschedule the source


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the platform last said about its request budget; None: it did not say."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None


class HttpClient:
    """An httpx.AsyncClient with Lyssna's retry, rate-limit and error rules. One per source."""

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_body_bytes: int = 20 * 1024 * 1024,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self.rate_limit = RateLimit()
        self.requests_made = 0
        self._sleep = sleep
        self._max_body = max_body_bytes
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        hints: Hints | None = None,
        retired: Callable[[httpx.Response], str | None] | None = None,
    ) -> tuple[Any, httpx.Response]:
        response = await self.request(
            "GET", url, params=params, headers=headers, hints=hints, retired=retired
        )
        return parse_json(response), response

    async def post_json(
        self,
        url: str,
        body: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
        hints: Hints | None = None,
        idempotent: bool = False,
    ) -> tuple[Any, httpx.Response]:
        response = await self.request(
            "POST", url, json=body, headers=headers, hints=hints, idempotent=idempotent
        )
        return parse_json(response), response

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        ok_statuses: frozenset[int] = frozenset({200}),
        hints: Hints | None = None,
        retired: Callable[[httpx.Response], str | None] | None = None,
        idempotent: bool | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        """The response, after retries; or the ConnectorError that says what went wrong.

        `retired` recognises a platform's documented "this API is gone" answer and returns the
        reason, so it is reported as GoneError rather than a generic refusal. `idempotent` says
        whether sending the request twice is harmless; by default only for GET, HEAD, OPTIONS,
        PUT and DELETE. A request that is not is never sent twice when it may have got through;
        a POST or PATCH that may have got through without an answer raises OutcomeUnknownError.
        `auth` signs each attempt anew (OAuth 1.0a signatures carry a nonce and a time).
        """
        where = _describe(url)
        creates = method.upper() not in _IDEMPOTENT_METHODS
        safe = not creates if idempotent is None else idempotent
        last: RetriableError | None = None
        reached = False  # some attempt may have got through without our learning its outcome
        for attempt in range(self.retry.attempts):
            await self._respect_budget(where)
            try:
                self.requests_made += 1
                response = await self._send(method, url, params, headers, json, form, auth)
            except httpx.TimeoutException as exc:
                last = RetriableError(f"{where} did not answer in time")
                reached = reached or not isinstance(exc, _NEVER_SENT)
                delay = None
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise SourceNotFoundError(f"{where} is not a usable URL: {exc}") from exc
            except httpx.DecodingError as exc:  # e.g. a broken gzip body
                unreadable = MalformedResponseError(
                    f"{where} sent a body that cannot be decoded: {_first_line(exc)}"
                )
                raise (_outcome_unknown(unreadable, hints) if creates else unreadable) from exc
            except MalformedResponseError as exc:  # a body over the size limit
                if not creates:
                    raise
                raise _outcome_unknown(exc, hints) from exc
            except (httpx.TransportError, httpx.HTTPError) as exc:
                last = RetriableError(f"cannot reach {where}: {_first_line(exc)}")
                reached = reached or not isinstance(exc, _NEVER_SENT)
                delay = None
            else:
                self._note_rate_limit(response)
                if response.status_code in ok_statuses:
                    return response
                error = classify(response, where, retired=retired)
                if not isinstance(error, RetriableError):
                    raise with_hint(error, hints)
                last = error
                reached = reached or response.status_code not in _REFUSED_UNREAD
                delay = self._server_delay(response)
            if (reached and not safe) or attempt + 1 >= self.retry.attempts:
                break
            wait = delay if delay is not None else self._backoff(attempt)
            if wait > self.retry.max_wait:
                if creates and reached:
                    break
                raise RateLimitedError(
                    f"{last.reason}; trying again after {wait:.0f}s",
                    retry_at=utcnow() + timedelta(seconds=wait),
                )
            await self._sleep(wait)
        assert last is not None
        if creates and reached:
            raise _outcome_unknown(last, hints)
        raise with_hint(last, hints)

    async def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        json: Mapping[str, Any] | None,
        form: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.Response:
        # `form` is an application/x-www-form-urlencoded body (OAuth token endpoints want one).
        request = self._client.build_request(
            method, url, params=params, headers=headers, json=json, data=form
        )
        response = await self._client.send(request, stream=True, auth=auth)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self._max_body:
                    raise MalformedResponseError(
                        f"{_describe(url)} sent more than {self._max_body // 1_000_000} MB; "
                        "refusing to read it"
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        # A fresh response with the whole body, so callers use .content/.text as usual.
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=b"".join(chunks),
            request=request,
        )

    @asynccontextmanager
    async def open_stream(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        hints: Hints | None = None,
        read_timeout: float | None = None,
        refused: Callable[[httpx.Response], ConnectorError | None] | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A long-lived streaming GET, open while the block runs: the response once the
        platform accepted it (200), to read with `stream_lines`; a refusal as the usual error,
        or as `refused` reads it (a platform's own refusals, e.g. a connection limit).

        Never retried here: a stream's caller reconnects with its own backoff. A connection
        that cannot be made or breaks is StreamDroppedError. `read_timeout` (None: none) closes
        a connection that stays silent that long.
        """
        where = _describe(url)
        timeout = httpx.Timeout(self._client.timeout.connect or 10.0, read=read_timeout)
        request = self._client.build_request(
            "GET", url, params=params, headers=headers, timeout=timeout
        )
        self.requests_made += 1
        try:
            response = await self._client.send(request, stream=True)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise SourceNotFoundError(f"{where} is not a usable URL: {exc}") from exc
        except httpx.HTTPError as exc:
            raise StreamDroppedError(f"cannot reach {where}: {_first_line(exc)}") from exc
        try:
            self._note_rate_limit(response)
            if response.status_code != 200:
                try:
                    body = await response.aread()
                except httpx.HTTPError:
                    body = b""
                answer = httpx.Response(
                    response.status_code,
                    headers=response.headers,
                    content=body[:_MAX_STREAM_ERROR_BODY],
                    request=request,
                )
                error = (refused(answer) if refused else None) or classify(answer, where)
                raise with_hint(error, hints)
            yield response
        finally:
            await response.aclose()

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads retries of many sources so they do not hit the platform together.
        cap = min(self.retry.max_delay, self.retry.base_delay * 2**attempt)
        return random.uniform(cap / 2, cap)

    def _server_delay(self, response: httpx.Response) -> float | None:
        """Seconds the platform asked us to wait (Retry-After or rate-limit reset), if any."""
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            return retry_after
        if response.status_code == 429 and self.rate_limit.reset_at is not None:
            return max(0.0, (self.rate_limit.reset_at - utcnow()).total_seconds())
        return None

    def _note_rate_limit(self, response: httpx.Response) -> None:
        headers = response.headers

        def header(name: str) -> str | None:
            # X-RateLimit-* (Mastodon, Reddit), RateLimit-* (IETF draft), x-rate-limit-* (X).
            return (
                headers.get(f"X-RateLimit-{name}")
                or headers.get(f"RateLimit-{name}")
                or headers.get(f"x-rate-limit-{name}")
            )

        limit = _int(header("Limit"))
        remaining = _int(header("Remaining"))
        reset = parse_reset(header("Reset"))
        if limit is not None or remaining is not None or reset is not None:
            self.rate_limit = RateLimit(limit, remaining, reset)

    async def _respect_budget(self, where: str) -> None:
        budget = self.rate_limit
        if budget.remaining is None or budget.remaining > 0 or budget.reset_at is None:
            return
        wait = (budget.reset_at - utcnow()).total_seconds()
        if wait <= 0:
            return
        if wait > self.retry.max_wait:
            raise RateLimitedError(
                f"the request budget at {where} is used up until {budget.reset_at:%H:%M:%S} UTC",
                retry_at=budget.reset_at,
            )
        await self._sleep(wait)
        self.rate_limit = replace(budget, remaining=None)


async def with_token(
    token: Callable[[bool], Awaitable[str]], call: Callable[[str], Awaitable[T]]
) -> T:
    """`call` with a bearer token from `token(renew)`; when the platform refuses the token (401:
    it expired early or was revoked), once more with a new one. A 401 is a refusal before
    anything was done, so even a POST may be sent again."""
    try:
        return await call(await token(False))
    except AuthError as exc:
        if "(401)" not in exc.reason:
            raise
    return await call(await token(True))


def classify(
    response: httpx.Response,
    where: str,
    *,
    retired: Callable[[httpx.Response], str | None] | None = None,
) -> ConnectorError:
    """The error a non-success response stands for."""
    status = response.status_code
    said = platform_message(response)
    detail = f" ({said})" if said else ""
    if retired is not None:
        reason = retired(response)
        if reason:
            return GoneError(f"{where} says this API is retired: {reason}")
    if status == 429:
        return RateLimitedError(f"{where} is rate limiting us (429){detail}")
    if status in _RETRIABLE_STATUSES or status >= 500:
        return RetriableError(f"{where} failed with {status}{detail}; it may be down")
    if status in (401, 403):
        return AuthError(f"{where} refused the credentials ({status}){detail}")
    if status == 404:
        return SourceNotFoundError(f"{where} was not found (404){detail}")
    if status == 410:
        return GoneError(f"{where} is gone (410): the API or the resource was retired{detail}")
    return RequestRejectedError(f"{where} refused the request ({status}){detail}")


def platform_message(response: httpx.Response) -> str:
    """The platform's own words about an error, if its body carries any, shortened."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [
        str(body[key])
        for key in ("error", "message", "error_description", "detail")
        if isinstance(body.get(key), str | int) and str(body[key]).strip()
    ]
    # Problem JSON with the particulars in a list (X: {"detail": ..., "errors": [{"message"}]}).
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict) and isinstance(first.get("message"), str):
        parts.append(first["message"])
    text = ": ".join(dict.fromkeys(parts))
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


def loads(content: bytes | str) -> Any:
    """JSON as platforms send it; ValueError when it is not JSON.

    orjson refuses lone surrogates (`"\\ud800"`), which some platforms do send inside one
    item; the standard parser takes them, and they become U+FFFD so one bad item does not
    make the whole page (or stream message) unreadable.
    """
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        pass
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    return _scrub_surrogates(json.loads(text))


_SHOWN = 10_000  # characters of an unreadable stream message kept for the quarantine


def json_object(message: str | bytes, what: str) -> dict[str, Any] | Unreadable:
    """A stream message as a JSON object, or why it is not one (`what` names it, e.g. "a
    Jetstream message"), with its text shortened for the quarantine."""
    try:
        value = loads(message)
    except (ValueError, RecursionError) as exc:
        reason = f"{what} that is not JSON: {exc}"
    else:
        if isinstance(value, dict):
            return value
        reason = f"{what} that is not a JSON object"
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return Unreadable(reason, text[:_SHOWN])


def parse_json(response: httpx.Response) -> Any:
    try:
        return loads(response.content)
    except ValueError as exc:
        raise MalformedResponseError(
            f"{_describe(str(response.request.url))} answered with something that is not JSON "
            f"({response.headers.get('Content-Type', 'no content type')}): {exc}"
        ) from exc


def _scrub_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_scrub_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_scrub_surrogates(k): _scrub_surrogates(v) for k, v in value.items()}
    return value


def _outcome_unknown(error: ConnectorError, hints: Hints | None) -> ConnectorError:
    unknown = OutcomeUnknownError(
        f"{error.reason}; the request may have reached it, so whether it was done is unknown"
    )
    return with_hint(unknown, hints)


@dataclass(frozen=True, slots=True)
class OversizedLine:
    """A line of a stream longer than the reader accepts; its bytes were skipped."""

    size: int


async def stream_lines(
    response: httpx.Response, *, max_line_bytes: int = 4 * 1024 * 1024
) -> AsyncIterator[bytes | OversizedLine]:
    """The lines of a streaming response as they arrive (without their line ending; blank
    lines too, which streams send as keep-alives). A line over `max_line_bytes` is skipped and
    reported as OversizedLine, so one huge message cannot exhaust memory. A connection that
    breaks mid-way is StreamDroppedError; the stream ending normally ends the iteration."""
    where = _describe(str(response.request.url))
    pending = bytearray()
    skipping = 0  # bytes of an oversized line dropped so far (0: not skipping)
    try:
        async for chunk in response.aiter_bytes():
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                if skipping:
                    skipping += len(piece)
                elif len(pending) + len(piece) > max_line_bytes:
                    skipping = len(pending) + len(piece)
                    pending.clear()
                else:
                    pending += piece
                if end < 0:
                    break
                if skipping:
                    yield OversizedLine(skipping)
                    skipping = 0
                else:
                    yield bytes(pending.removesuffix(b"\r"))
                    pending.clear()
                start = end + 1
    except httpx.HTTPError as exc:
        raise StreamDroppedError(f"the stream from {where} broke off: {_first_line(exc)}") from exc
    if pending and not skipping:
        yield bytes(pending.removesuffix(b"\r"))


def with_hint(error: ConnectorError, hints: Hints | None) -> ConnectorError:
    """`error` with the first hint for its kind added to its reason."""
    for kind, hint in (hints or {}).items():
        if isinstance(error, kind):
            error.reason = f"{error.reason}. {hint}"
            error.args = (error.reason,)
            break
    return error


def _describe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" if parts.netloc else url.split("?")[0]


def describe_url(url: str) -> str:
    """How a URL is named in messages: host and path, never the query (it may hold a key)."""
    return _describe(url)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _int(value: str | None) -> int | None:
    """A header count; some platforms send it as a float ("598.0")."""
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())


def parse_reset(value: str | None) -> datetime | None:
    """A rate-limit reset: ISO-8601 (Mastodon), epoch seconds, or seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if number > 1_000_000_000:  # an epoch timestamp, not a delay
        return datetime.fromtimestamp(number, UTC)
    return utcnow() + timedelta(seconds=number)


# --- Pagination and cursors ------------------------------------------------------------------


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 `Link` header as {rel: url}: `<https://a?max_id=1>; rel="next"` -> next."""
    links: dict[str, str] = {}
    for part in (value or "").split(","):
        section = part.strip()
        if not section.startswith("<") or ">" not in section:
            continue
        url, _, params = section[1:].partition(">")
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "rel":
                for rel in val.strip().strip('"').split():
                    links[rel] = url
    return links


def query_param(url: str | None, name: str) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Walk:
    """A gapless way through a newest-first listing, kept as the source's cursor.

    `since` is the newest key already collected in full. A poll reads pages newest first down
    to `since`; `below` is where the next older page starts (a max_id, page number or opaque
    cursor) and `top` the newest key seen in this walk, which becomes `since` when the walk
    reaches the bottom. Saved after every page, so a restart continues the walk mid-way. The
    first run collects one page only (no deep backfill).
    """

    since: str | None = None
    below: str | None = None
    top: str | None = None

    @classmethod
    def from_cursor(cls, cursor: Cursor | None, key: str = "walk") -> Walk:
        data = (cursor or {}).get(key) or {}
        return cls(data.get("since"), data.get("below"), data.get("top"))

    def as_json(self) -> dict[str, str | None]:
        return {"since": self.since, "below": self.below, "top": self.top}

    def after_page(self, page_top: str | None, next_below: str | None) -> tuple[Walk, bool]:
        """The walk after reading a page; `next_below` None means the bottom was reached.

        Returns the new walk and whether another page should be read now.
        """
        top = self.top or page_top
        if self.since is None or next_below is None or page_top is None:
            return Walk(since=top or self.since), False
        return Walk(since=self.since, below=next_below, top=top), True


def newest_id(ids: list[str]) -> str | None:
    """The greatest of numeric string ids (Mastodon's), compared as numbers."""
    numeric = [i for i in ids if i.isdigit()]
    return max(numeric, key=lambda i: (len(i.lstrip("0")), i.lstrip("0"))) if numeric else None


def oldest_id(ids: list[str]) -> str | None:
    numeric = [i for i in ids if i.isdigit()]
    return min(numeric, key=lambda i: (len(i.lstrip("0")), i.lstrip("0"))) if numeric else None
