"""A websocket server on 127.0.0.1 in its own thread and event loop, for the streaming fakes.

Tests drive it from their own thread: `call` runs a coroutine function on the server's loop.
Real sockets, so handshakes, pings, close codes and dropped connections behave as in production.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

Handler = Callable[[ServerConnection], Awaitable[None]]
Refusal = Callable[[ServerConnection, Request], Response | None]


class WebsocketServer:
    def __init__(self, handler: Handler, process_request: Refusal | None = None) -> None:
        self._handler = handler
        self._process_request = process_request
        self.loop = asyncio.new_event_loop()
        self._server: Server | None = None
        self.connections: set[ServerConnection] = set()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> WebsocketServer:
        self._thread.start()
        self._server = self.call(self._open)
        return self

    async def _open(self) -> Server:
        return await serve(
            self._track, "127.0.0.1", 0, process_request=self._process_request, ping_interval=None
        )

    async def _track(self, connection: ServerConnection) -> None:
        self.connections.add(connection)
        try:
            await self._handler(connection)
        finally:
            self.connections.discard(connection)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    def call(self, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run `action()` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(action(), self.loop).result(timeout=10)

    def drop_all(self) -> None:
        """Cut every open connection without a closing handshake (a network failure)."""

        async def drop() -> None:
            for connection in list(self.connections):
                connection.transport.abort()

        self.call(drop)

    def freeze_all(self) -> None:
        """Stop reading from every open connection: pings go unanswered, nothing is sent."""

        async def freeze() -> None:
            for connection in list(self.connections):
                connection.transport.pause_reading()

        self.call(freeze)

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for connection in list(self.connections):
                connection.transport.abort()
            await self._server.wait_closed()

        try:
            self.call(close)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
