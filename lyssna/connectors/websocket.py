"""Websocket plumbing the streaming connectors share (Bluesky Jetstream, Mastodon streaming).

- `connect` opens a connection with Lyssna's User-Agent; a refused handshake becomes the same
  error a refused HTTP request would (401/403 AuthError, 404 SourceNotFoundError, 429
  RateLimitedError, 5xx RetriableError), a connection that cannot be made StreamDroppedError.
- `messages` yields what arrives, and while the connection is quiet it pings the platform and
  yields None when the answer comes: a quiet hashtag is not a dead connection, and the runner
  (which reconnects a stream that says nothing for too long) can tell the two apart.
- A connection that breaks is StreamDroppedError; one the platform closes normally ends the
  iteration (the runner reconnects at once). URLs in messages lose their query string.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from lyssna.connectors.base import AuthError, SourceNotFoundError, StreamDroppedError
from lyssna.connectors.http import USER_AGENT, Hints, classify, describe_url, with_hint

# Close codes that say the platform refused us rather than the network failing.
_POLICY_VIOLATION = 1008


@asynccontextmanager
async def connect(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    hints: Hints | None = None,
    max_message_bytes: int = 4 * 1024 * 1024,
    open_timeout: float = 10.0,
    close_timeout: float = 2.0,
) -> AsyncIterator[ClientConnection]:
    """An open websocket for the block's duration; refusals as connector errors.

    `close_timeout` bounds the wait for the platform to answer our close: a live peer answers
    at once, and a stalled one (the usual reason to close) never does; the library's 10 s
    default held up every reconnection after a stall, and stopping `lyssna listen`."""
    where = describe_url(url)
    try:
        connection = await ws_connect(
            url,
            additional_headers=dict(headers or {}),
            user_agent_header=USER_AGENT,
            open_timeout=open_timeout,
            close_timeout=close_timeout,
            ping_interval=None,  # `messages` pings, so that an answered ping is visible
            max_size=max_message_bytes,
        )
    except InvalidStatus as exc:
        answer = httpx.Response(
            exc.response.status_code,
            headers=list(exc.response.headers.raw_items()),
            content=bytes(exc.response.body or b"")[:65536],
        )
        raise with_hint(classify(answer, where), hints) from exc
    except InvalidURI as exc:
        raise SourceNotFoundError(f"{where} is not a usable websocket URL: {exc}") from exc
    except InvalidHandshake as exc:
        raise StreamDroppedError(f"{where} did not accept a websocket connection: {exc}") from exc
    except (OSError, TimeoutError) as exc:
        raise StreamDroppedError(f"cannot reach {where}: {exc or type(exc).__name__}") from exc
    try:
        yield connection
    finally:
        await connection.close()


async def messages(
    connection: ClientConnection, *, where: str, ping_every: float
) -> AsyncIterator[str | bytes | None]:
    """Messages as they arrive; None each time the platform answered a ping while quiet."""
    while True:
        try:
            message = await asyncio.wait_for(connection.recv(), timeout=ping_every)
        except TimeoutError:
            try:
                pong = await connection.ping()
                await asyncio.wait_for(pong, timeout=ping_every)
            except TimeoutError:
                raise StreamDroppedError(f"{where} stopped answering pings") from None
            except ConnectionClosed as exc:
                _closed(exc, where)
                return
            yield None
            continue
        except ConnectionClosed as exc:
            _closed(exc, where)
            return
        yield message


def _closed(exc: ConnectionClosed, where: str) -> None:
    """Return when the platform closed the connection normally; raise otherwise."""
    if isinstance(exc, ConnectionClosedOK):
        return
    close = exc.rcvd
    said = f" ({close.code}: {close.reason})" if close and close.reason else ""
    if close is not None and close.code == _POLICY_VIOLATION:
        raise AuthError(f"{where} closed the stream as not allowed{said}") from exc
    code = f" with code {close.code}" if close is not None else ""
    raise StreamDroppedError(f"the stream from {where} broke off{code}{said}") from exc
