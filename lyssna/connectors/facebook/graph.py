"""Meta's Graph API as the Facebook and Instagram connectors use it.

Both platforms are read and answered through graph.facebook.com with one pinned API version.
This module holds what they share:

- `GraphClient`: requests with the access token in the `Authorization` header (never in a URL),
  Graph's error body turned into the error tree of lyssna.connectors.base, and the usage headers
  noted after every answer.
- Errors: Graph answers `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`,
  mostly with status 400. The code says what to do: 190 is an expired or invalid token, 10 and
  200-299 a missing permission, 4/17/32/613/80001-80009 a rate limit, 1 and 2 a passing fault.
- Usage: Graph sends no request budget, only how much of it is used, in percent:
  `X-App-Usage` / `X-Page-Usage` (`{"call_count": 28, "total_cputime": 5, "total_time": 9}`) and
  `X-Business-Use-Case-Usage` (`{"<id>": [{"type": "pages", "call_count": 97, ...,
  "estimated_time_to_regain_access": 12}]}`, minutes). At `NEAR_LIMIT` percent the shared
  client's budget is marked spent, so the next request waits (or the source is rescheduled)
  instead of earning a throttle that Meta may extend.
- Paging: every list is `{"data": [...], "paging": {"cursors": {...}, "next": URL}}`; no `next`
  means the last page. The next page is kept as `next`'s query without `access_token`, so a
  cursor stored in the database holds no credential, and the host and path stay our own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import orjson

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    FetchResult,
    GoneError,
    MalformedResponseError,
    MappedItem,
    RateLimitedError,
    RawItem,
    RequestRejectedError,
    RetriableError,
    Secret,
    SourceNotFoundError,
    provenance,
    redact,
    resolve_secret,
)
from lyssna.connectors.http import HttpClient, RateLimit, Walk, classify, parse_json
from lyssna.connectors.sending import unreadable_answer
from lyssna.core.clock import utcnow

GRAPH = "https://graph.facebook.com"
# The newest version when this was written (released 29 July 2026); Meta keeps a version for
# about two years. A source may pin another with `graph_version`.
GRAPH_VERSION = "v26.0"

TOKEN_CODES = frozenset({190, 102, 104})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80010)})
TRANSIENT_CODES = frozenset({1, 2})
DEPRECATED_CODES = frozenset({12})
NOT_FOUND_SUBCODES = frozenset({33})
NOT_FOUND_CODES = frozenset({803})
NEAR_LIMIT = 95  # percent of a usage budget at which Lyssna stops asking until it recovers
USAGE_PAUSE = timedelta(minutes=10)  # how long to wait when Meta gives no estimate
_REFUSALS = frozenset({200, 400, 401, 403, 404})
_PERMISSION = re.compile(r"\b((?:pages|instagram|business|read|publish|ads)_[a-z_]+)\b")
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class GraphError:
    """Graph's error body, as far as it was given."""

    message: str
    type: str | None = None
    code: int | None = None
    subcode: int | None = None
    fbtrace_id: str | None = None

    @property
    def label(self) -> str:
        code = f"{self.code}/{self.subcode}" if self.subcode else str(self.code)
        return f"Graph error {code}"


def graph_error(response: httpx.Response) -> GraphError | None:
    """The error in a Graph answer, or None when the body is not Graph's error shape."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    message = error.get("message")
    text = " ".join(message.split()) if isinstance(message, str) else ""
    return GraphError(
        message=text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…",
        type=error.get("type") if isinstance(error.get("type"), str) else None,
        code=_int(error.get("code")),
        subcode=_int(error.get("error_subcode")),
        fbtrace_id=error.get("fbtrace_id") if isinstance(error.get("fbtrace_id"), str) else None,
    )


@dataclass(frozen=True, slots=True)
class Usage:
    """The highest share of a Graph budget used, in percent, and Meta's estimate of when a
    throttled app may ask again."""

    percent: int
    regain_in: timedelta | None = None


def read_usage(headers: Mapping[str, str]) -> Usage | None:
    """What `X-App-Usage`, `X-Page-Usage` and `X-Business-Use-Case-Usage` say; None: nothing."""
    shares: list[dict[str, Any]] = []
    for name in ("X-App-Usage", "X-Page-Usage"):
        value = _json_header(headers.get(name))
        if isinstance(value, dict):
            shares.append(value)
    business = _json_header(headers.get("X-Business-Use-Case-Usage"))
    if isinstance(business, dict):
        for entries in business.values():
            shares += [e for e in entries or [] if isinstance(e, dict)]
    if not shares:
        return None
    percent = max(
        (
            _int(share.get(key)) or 0
            for share in shares
            for key in ("call_count", "total_cputime", "total_time")
        ),
        default=0,
    )
    minutes = max((_int(s.get("estimated_time_to_regain_access")) or 0 for s in shares), default=0)
    return Usage(percent, timedelta(minutes=minutes) if minutes else None)


def note_usage(http: HttpClient, response: httpx.Response) -> Usage | None:
    """Tell the shared client how much budget is left (in percent), so it waits when spent."""
    usage = read_usage(response.headers)
    if usage is None:
        return None
    if usage.percent >= NEAR_LIMIT:
        http.rate_limit = RateLimit(100, 0, utcnow() + (usage.regain_in or USAGE_PAUSE))
    else:
        http.rate_limit = RateLimit(100, 100 - usage.percent, None)
    return usage


@dataclass(frozen=True, slots=True)
class TokenHelp:
    """What to tell the user about the token when Graph refuses it."""

    what: str  # e.g. "Page access token"
    renew: str  # a sentence: how to get a new one
    permissions: str  # a sentence: where permissions are granted
    not_found: str  # a sentence: which configured id to check


class GraphClient:
    """Requests to one Graph host and version with one token; errors become ConnectorErrors."""

    def __init__(
        self, http: HttpClient, service: str, version: str, token: Secret, help: TokenHelp
    ) -> None:
        self.http = http
        self.base = f"{service}/{version}"
        self.token = token
        self.help = help
        self.usage: Usage | None = None

    @classmethod
    def for_source(cls, http: HttpClient, config: Any, help: TokenHelp) -> GraphClient:
        """The client of a source's settings (`GraphSourceConfig`: service, version, token)."""
        return cls(http, config.service, config.graph_version, config.token, help)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {resolve_secret(self.token, self.help.what)}"}

    async def get(self, path: str, params: Mapping[str, Any]) -> tuple[Any, str]:
        url = self.url(path)
        response = await self.http.request(
            "GET", url, params=params, headers=self._headers(), ok_statuses=_REFUSALS
        )
        return self._answer(response), url

    async def create(self, path: str, form: Mapping[str, str]) -> dict[str, Any]:
        """POST something new (a comment, a post): sent at most once (the shared client never
        repeats a POST that may have reached Meta); its id, or OutcomeUnknownError."""
        response = await self.http.request(
            "POST",
            self.url(path),
            form=form,
            headers=self._headers(),
            ok_statuses=_REFUSALS,
        )
        try:
            body = self._answer(response)
        except MalformedResponseError as exc:
            raise unreadable_answer(_where(response)) from exc
        if not isinstance(body, dict) or not isinstance(body.get("id"), str | int):
            raise unreadable_answer(_where(response))
        return body

    async def page(
        self, path: str, params: Mapping[str, Any], below: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None, str]:
        """One page of a list: its objects, the query of the next page (None: the last), URL."""
        query = dict(parse_qsl(below)) if below else dict(params)
        body, url = await self.get(path, query)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise MalformedResponseError(f"{_describe(url)} did not answer with a list (data)")
        found = [o for o in body["data"] if isinstance(o, dict) and o.get("id") is not None]
        return found, next_query(as_object(body.get("paging")).get("next")), url

    def _answer(self, response: httpx.Response) -> Any:
        self.usage = note_usage(self.http, response) or self.usage
        if response.status_code == 200:
            return parse_json(response)
        raise self.error(response)

    def error(self, response: httpx.Response) -> ConnectorError:
        where = _where(response)
        said = graph_error(response)
        if said is None or said.code is None:  # not Graph's shape: judge by the status
            error = classify(response, where)
            if isinstance(error, AuthError):
                error.reason = f"{error.reason}. Check the {self.help.what} in {self._named()}"
            elif isinstance(error, SourceNotFoundError):
                error.reason = f"{error.reason}. {self.help.not_found}"
            error.args = (error.reason,)
            return error
        code, text = said.code, f"{said.label}: {said.message}"
        if code in TOKEN_CODES:
            return AuthError(
                f"{where} refused the {self.help.what} in {self._named()} ({text}). "
                f"{self.help.renew}"
            )
        if code in PERMISSION_CODES:
            found = _PERMISSION.search(said.message)
            missing = f"the permission {found.group(1)}" if found else "a permission"
            return AuthError(
                f"{where}: the {self.help.what} in {self._named()} lacks {missing} ({text}). "
                f"{self.help.permissions}"
            )
        if code in RATE_LIMIT_CODES:
            regain = self.usage.regain_in if self.usage else None
            retry_at = utcnow() + regain if regain else None
            return RateLimitedError(f"{where} is rate limiting this app ({text})", retry_at)
        if code in TRANSIENT_CODES:
            return RetriableError(f"{where} failed for a moment ({text})")
        if code in DEPRECATED_CODES:
            return GoneError(f"{where} says this is retired ({text})")
        if code in NOT_FOUND_CODES or said.subcode in NOT_FOUND_SUBCODES:
            return SourceNotFoundError(f"{where} does not know it ({text}). {self.help.not_found}")
        return RequestRejectedError(f"{where} refused the request ({text})")

    def _named(self) -> str:
        return redact(self.token)


# --- Newest-first lists -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stream:
    """One newest-first Graph list read with a `Walk`: a page's feed, a post's comments."""

    name: str  # its key in the cursor
    path: str
    params: Mapping[str, Any]
    stamp: str  # the field holding each object's time (created_time, timestamp)
    since_param: bool = False  # the list takes `since` (unix seconds) to skip older objects


@dataclass(frozen=True, slots=True)
class PageRead:
    found: list[dict[str, Any]]  # every object on the page
    fresh: list[dict[str, Any]]  # those not older than what the walk had collected
    since: datetime | None  # what the walk had collected up to, before this page
    url: str
    walk: Walk
    more: bool


async def read_stream(graph: GraphClient, stream: Stream, walk: Walk) -> PageRead:
    """The next page of `stream` after `walk`; the walk ends at the page reaching its `since`."""
    params = dict(stream.params)
    since = graph_time(walk.since)
    if since is not None and stream.since_param:
        params["since"] = int(since.timestamp())
    found, next_page, url = await graph.page(stream.path, params, walk.below)
    stamps = [graph_time(o.get(stream.stamp)) for o in found]
    fresh = [
        o for o, s in zip(found, stamps, strict=True) if since is None or s is None or s >= since
    ]
    known = [s for s in stamps if s is not None]
    page_top = max(known).isoformat() if known else None
    reached = since is not None and bool(known) and min(known) <= since
    walk, more = walk.after_page(page_top, next_page if found and not reached else None)
    return PageRead(found, fresh, since, url, walk, more)


class StreamReader:
    """One fetch over several streams: their walks from the cursor, the items found (each id
    once), and whether to come back at once.

    When some walk is mid-way (a busy list needs more pages), only those walks are read: a
    poll that pages on does not re-read every other list.
    """

    def __init__(self, graph: GraphClient, cursor: Cursor | None) -> None:
        self.graph = graph
        self.first_run = cursor is None
        self.walks: dict[str, Any] = dict((cursor or {}).get("streams") or {})
        self.continuing = {
            n for n, w in self.walks.items() if isinstance(w, dict) and w.get("below")
        }
        self.items: dict[str, RawItem] = {}
        self.more = False

    def skips(self, name: str) -> bool:
        return bool(self.continuing) and name not in self.continuing

    async def read(
        self, stream: Stream, wrap: Callable[[dict[str, Any]], dict[str, Any]], start: Any = None
    ) -> PageRead:
        """A page of `stream`; its fresh objects become items (`wrap` makes the raw payload).

        `start` is the oldest an object of a list first seen after the first poll can be (a
        post's comments are newer than the post): such a list is read back to it in full.
        """
        walk = Walk.from_cursor(self.walks, stream.name)
        if walk.since is None and walk.below is None and not self.first_run and start:
            walk = Walk(since=start)
        page = await read_stream(self.graph, stream, walk)
        self.walks[stream.name] = page.walk.as_json()
        self.more = self.more or page.more
        for obj in page.fresh:
            self.add(obj["id"], wrap(obj), page.url)
        return page

    def add(self, key: Any, payload: dict[str, Any], url: str) -> None:
        self.items.setdefault(str(key), RawItem(payload, url))

    def keep_only(self, prefix: str, names: set[str]) -> None:
        """Forget the walks of streams under `prefix` no longer read (posts too old to watch)."""
        self.walks = {n: w for n, w in self.walks.items() if not n.startswith(prefix) or n in names}

    def result(self, **state: Any) -> FetchResult:
        return FetchResult(list(self.items.values()), {"streams": self.walks, **state}, self.more)


def next_query(next_url: Any) -> str | None:
    """The query of a `paging.next` URL without the access token, or None on the last page."""
    if not isinstance(next_url, str) or not next_url:
        return None
    pairs = [(k, v) for k, v in parse_qsl(urlsplit(next_url).query) if k != "access_token"]
    return urlencode(pairs) if pairs else None


# --- Small shared helpers -----------------------------------------------------------------


def graph_time(value: Any) -> datetime | None:
    """Graph's `2026-11-20T08:01:00+0000` (or ISO-8601 proper) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if re.search(r"[+-]\d{4}$", text):
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_time(value: Any) -> str | None:
    parsed = graph_time(value)
    return parsed.isoformat() if parsed else None


def newest(entries: list[tuple[str, ...]], keep: int) -> list[tuple[str, ...]]:
    """The `keep` newest of (id, ISO time, ...) entries, each id once (its latest), newest first."""
    latest = {entry[0]: entry for entry in sorted(entries, key=lambda e: e[1])}
    return sorted(latest.values(), key=lambda e: e[1], reverse=True)[:keep]


def as_object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- What both Meta mappings share (pure) ----------------------------------------------------


def graph_id(value: Any) -> str | None:
    """A Graph id (sent as a string, sometimes as a number), or None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def graph_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def graph_count(value: Any) -> int | None:
    """A count, or None when Meta did not give one (it leaves hidden like counts out)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def graph_record(
    kind: str,
    version: str,
    item: RawItem,
    retrieved_at: datetime,
    *,
    identifier: str,
    text: str,
    created_at: str | None,
    author: dict[str, Any] | None,
    url: Any,
    reply_to: str | None,
    metrics: dict[str, int | None],
) -> dict[str, Any]:
    """An import record of a Graph object; neither platform says the language."""
    return {
        "id": identifier,
        "channel": kind,
        "text": text,
        "created_at": created_at,
        "author": author,
        "url": url if isinstance(url, str) and url else None,
        "lang": None,
        "reply_to": reply_to,
        "metrics": metrics,
        "connector": provenance(kind, version, retrieved_at, item.source_url),
        "payload": item.payload,
    }


def with_unknown(record: dict[str, Any], unknown: list[str]) -> MappedItem:
    if unknown:
        record["connector"]["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _where(response: httpx.Response) -> str:
    return _describe(str(response.request.url))


def _describe(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"
