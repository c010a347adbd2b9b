"""What every connector is: a small declared class plus the typed records it hands around.

A connector fetches raw items from one platform, maps each to Lyssna's import record format, and
checks its own credentials. It knows nothing of storage or scheduling: `runner.py` does that.

Errors a connector raises, by what the runner should do:

    ConnectorError                 base; `reason` is a sentence the user can act on
    +-- RetriableError             429, 5xx, timeouts, connection errors: back off, try again
    |   +-- RateLimitedError       the platform said when to come back (`retry_at`)
    |   +-- OutcomeUnknownError    a request that creates something may have gone through
    |   +-- StreamDroppedError     a live stream's connection broke or went quiet: reconnect
    +-- StreamUnavailableError     the platform does not stream for this source: poll it instead
    +-- SourceConfigError          the source's settings are unusable (missing env var, bad URL)
    +-- AuthError                  401/403: the credential is missing, wrong or lacks a scope
    +-- SourceNotFoundError        404: the feed, instance or endpoint is not there
    +-- GoneError                  410 or a documented deprecation: the API version is retired
    +-- MalformedResponseError     the platform answered something we cannot read (bad JSON)
    +-- RequestRejectedError       another 4xx: the platform refused what we asked

Only RetriableError is worth retrying at once; the others mark the source unhealthy until the
user fixes it (the runner still tries again now and then, in case the platform recovers).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lyssna.core.errors import LyssnaError

if TYPE_CHECKING:
    from lyssna.connectors.http import HttpClient

# A cursor is whatever JSON object a connector needs to continue where it stopped.
Cursor = dict[str, Any]


class ConnectorError(LyssnaError):
    """A source could not be read; `reason` says why, in words the user can act on."""

    retriable: ClassVar[bool] = False

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class RetriableError(ConnectorError):
    retriable = True


class RateLimitedError(RetriableError):
    def __init__(self, reason: str, retry_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.retry_at = retry_at


class OutcomeUnknownError(RetriableError):
    """A request that creates something was sent, but no answer came back (a timeout, a dropped
    connection, a 5xx): it may have gone through. Ask `Sender.find_sent` before sending again."""


class SourceConfigError(ConnectorError):
    pass


class AuthError(ConnectorError):
    pass


class SourceNotFoundError(ConnectorError):
    pass


class GoneError(ConnectorError):
    pass


class MalformedResponseError(ConnectorError):
    pass


class RequestRejectedError(ConnectorError):
    pass


class StreamDroppedError(RetriableError):
    """A live stream's connection was lost, closed by the platform, or stalled (no data and no
    keep-alive for too long). Reconnecting soon is right: the network or the platform hiccuped."""


class StreamUnavailableError(ConnectorError):
    """The platform does not offer a stream for this source (streaming switched off on the
    server, or only for signed-in users); the runner polls the source instead."""


class SourceConfig(BaseModel):
    """Settings every source has; each connector extends it with its own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interval_seconds: int = Field(300, ge=10, le=7 * 24 * 3600)
    max_pages_per_poll: int = Field(10, ge=1, le=1000)

    # Field names holding secrets; shown redacted, never logged.
    secret_fields: ClassVar[tuple[str, ...]] = ()


class StreamingSourceConfig(SourceConfig):
    """Settings of a source whose connector can also stream (`Streamer`).

    `mode: stream` keeps a connection open and stores items as they come; `stall_seconds` is how
    long the stream may stay silent (no item, no keep-alive) before it is reconnected.
    """

    mode: Literal["poll", "stream"] = "poll"
    stall_seconds: float = Field(90.0, gt=0, le=3600)


def streams(config: SourceConfig) -> bool:
    """Whether this source is configured to stream rather than poll."""
    return isinstance(config, StreamingSourceConfig) and config.mode == "stream"


class EnvSecret(BaseModel):
    """A secret kept in an environment variable; stored as {"$env": NAME}."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    env: str = Field(alias="$env", min_length=1)

    @field_validator("env")
    @classmethod
    def _name(cls, value: str) -> str:
        if not all(c.isalnum() or c == "_" for c in value):
            raise ValueError("an environment variable name uses letters, digits and '_' only")
        return value


# A secret as configured: the value itself (discouraged) or a reference to the environment.
Secret = str | EnvSecret


def secret_to_json(secret: Secret | None) -> Any:
    if isinstance(secret, EnvSecret):
        return {"$env": secret.env}
    return secret


def resolve_secret(secret: Secret, what: str) -> str:
    """The secret's value, read from the environment when it is a reference."""
    if isinstance(secret, EnvSecret):
        value = os.environ.get(secret.env, "").strip()
        if not value:
            raise SourceConfigError(f"the {what} is read from ${secret.env}, which is not set")
        return value
    return secret


def redact(secret: Secret | None) -> str:
    """How a secret may be shown: the variable's name, or the first four characters."""
    if secret is None:
        return "-"
    if isinstance(secret, EnvSecret):
        return f"${secret.env}"
    return f"{secret[:4]}…" if len(secret) > 4 else "…"


@dataclass(frozen=True, slots=True)
class RawItem:
    """One item as the platform gave it. `payload` is JSON-safe and is never changed."""

    payload: dict[str, Any]
    source_url: str | None = None  # where it was fetched from (provenance)


@dataclass(frozen=True, slots=True)
class FetchResult:
    items: list[RawItem]
    next_cursor: Cursor
    more: bool = False  # another page is ready now (the runner asks again at once)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A stream message that could not be read; quarantined with `reason`, never fatal."""

    reason: str
    text: str  # the message as received, for the quarantine


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """What a live stream says, in the order it happened.

    `items` are raw items to store (mapped like polled ones); `cursor` is where to resume once
    everything yielded up to here is stored (None: unchanged); `unreadable` are messages that
    could not be read; `deleted` are external ids the platform says were deleted. An event with
    none of these is a sign of life (connected, a keep-alive), which keeps the stream from
    counting as stalled.
    """

    items: tuple[RawItem, ...] = ()
    cursor: Cursor | None = None
    unreadable: tuple[Unreadable, ...] = ()
    deleted: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MappedItem:
    """An item in Lyssna's import record format, or why it could not be mapped."""

    record: dict[str, Any] | None
    error: str | None = None
    unknown_fields: tuple[str, ...] = ()  # platform fields the mapper did not recognise


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of `check()`: can this source be read, and if not, why."""

    ok: bool
    message: str
    details: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A reply or a new post to send through a connector.

    `key` is unique per message and the same on every attempt to send it: platforms that take an
    idempotency key get it, and `find_sent` uses it (or the text and target) to learn whether an
    attempt that died mid-request reached the platform.
    """

    key: str
    text: str
    # The mention answered: its external id on the platform and its stored raw payload (some
    # platforms need more than the id to thread a reply, e.g. Bluesky's root and parent refs).
    # Both None for a new post.
    reply_to_id: str | None = None
    reply_to_raw: dict[str, Any] | None = None
    # When the first attempt to send it began (the caller's clock). `find_sent` looks through
    # the account's posts back to a little before then; without it, only a reply's target
    # bounds the search, and a new post on a busy account may be impossible to rule out.
    first_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """What the platform answered when it accepted a message: its id there, and a link."""

    external_id: str
    url: str | None = None


class SendingNotSupportedError(ConnectorError):
    """This connector (or this source's configuration) cannot reply or publish."""


@runtime_checkable
class Connector(Protocol):
    """The interface every connector implements. Construct with (config, http client)."""

    kind: ClassVar[str]  # also the channel of the mentions it collects
    version: ClassVar[str]  # bump when the mapping changes; stored as provenance
    config_model: ClassVar[type[SourceConfig]]
    can_reply: ClassVar[bool]
    can_publish: ClassVar[bool]
    needs_credentials: ClassVar[bool]

    def __init__(self, config: Any, http: HttpClient) -> None: ...

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        """The next page of items after `cursor` (None: first run), and the cursor after it."""
        ...

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        """The item as an import record. Pure: never changes `item`."""
        ...

    async def check(self) -> Verdict:
        """Whether the source is reachable and its credentials are accepted."""
        ...


@runtime_checkable
class Sender(Protocol):
    """What a connector that can reply or publish adds (`can_reply` / `can_publish` say which).

    Sending is at most once: the caller records an attempt before calling `send`; if it never
    learned the outcome (a crash, a timeout), it calls `find_sent` before trying again and only
    sends again when the platform certainly does not have the message.
    """

    async def send(self, message: Outgoing) -> Sent:
        """Post `message` (a reply in the thread when `reply_to_id` is set); may raise
        ConnectorError."""
        ...

    async def find_sent(self, message: Outgoing) -> Sent | None:
        """The message as the platform holds it, or None when it certainly does not have it.

        Raises ConnectorError when the platform cannot tell (the caller then asks a person)."""
        ...


class TopicFilter(Protocol):
    """The workspace's topics, for a stream that must choose for itself what to keep (a
    firehose of everything). Fields the stream cannot know yet (sentiment) never exclude."""

    def wanted(self, text: str, *, lang: str | None = None, author: str | None = None) -> bool: ...

    def __len__(self) -> int:
        """How many topics there are; 0 means nothing can be kept."""
        ...


@runtime_checkable
class Streamer(Protocol):
    """What a connector that can stream adds next to `fetch` (its config is a
    `StreamingSourceConfig`; the runner streams sources whose `mode` is `stream`).

    `stream` opens one connection and yields events until it ends: it returns when the platform
    closed the stream normally and raises ConnectorError otherwise (StreamDroppedError for a
    broken connection, AuthError for refused credentials, StreamUnavailableError when the
    platform offers no stream). Reconnecting, batching, storing and saving the cursor are the
    runner's: a stream only reads. It resumes after `cursor` where the platform allows, and
    catches up what was missed while disconnected where it can.
    """

    def stream(self, cursor: Cursor | None, topics: TopicFilter) -> AsyncIterator[StreamEvent]:
        """Events from one connection, starting after `cursor` (None: from now)."""
        ...


async def catch_up(
    fetch: Callable[[Cursor | None], Awaitable[FetchResult]], cursor: Cursor | None, pages: int
) -> AsyncIterator[StreamEvent]:
    """What a stream missed while it was away, read by polling (a connector's `fetch`) from
    `cursor` until the listing ends or `pages` pages were read; each page an event whose
    cursor is where it stopped."""
    for _ in range(pages):
        result = await fetch(cursor)
        cursor = result.next_cursor
        yield StreamEvent(items=tuple(result.items), cursor=cursor)
        if not result.more:
            return


def provenance(
    kind: str, version: str, retrieved_at: datetime, source_url: str | None
) -> dict[str, Any]:
    """Where a record came from; kept with it so a mapping fix can be replayed."""
    return {
        "kind": kind,
        "version": version,
        "retrieved_at": retrieved_at.isoformat(),
        "source_url": source_url,
    }


_LANG = re.compile(r"^[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*$")


def language_code(value: Any) -> str | None:
    """A language tag the pipeline accepts, or None (a feed saying "Swedish" is not one)."""
    if isinstance(value, str) and _LANG.match(value.strip().lower()):
        return value.strip()
    return None


def unknown_fields(payload: dict[str, Any], known: frozenset[str], prefix: str = "") -> list[str]:
    """Top-level keys of `payload` the mapper does not know, so API drift shows up."""
    return sorted(f"{prefix}{key}" for key in payload if key not in known)
