"""A connector that can reply, talking to an in-memory platform whose failures a test scripts.

The platform keeps what arrived, so a test can prove a reply arrived once and only once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from lyssna.connectors import registry
from lyssna.connectors.base import (
    ConnectorError,
    Cursor,
    FetchResult,
    MappedItem,
    OutcomeUnknownError,
    Outgoing,
    RawItem,
    Sent,
    SourceConfig,
    Verdict,
)

ARRIVE_THEN_TIMEOUT = "arrive, then time out"  # the platform stores it, we never hear back


@dataclass
class Platform:
    posts: list[Outgoing] = field(default_factory=list)
    send_script: list[Any] = field(default_factory=list)  # exceptions or ARRIVE_THEN_TIMEOUT
    find_script: list[Exception] = field(default_factory=list)
    sends: int = 0
    finds: int = 0

    def by_key(self, key: str) -> int | None:
        return next((i for i, p in enumerate(self.posts) if p.key == key), None)


PLATFORM = Platform()


class ChatConfig(SourceConfig):
    room: str = "main"


@registry.register
class ChatConnector:
    kind: ClassVar[str] = "chat"
    version: ClassVar[str] = "1"
    config_model: ClassVar[type[ChatConfig]] = ChatConfig
    can_reply: ClassVar[bool] = True
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = False

    def __init__(self, config: ChatConfig, http: Any) -> None:
        self.config = config

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        return FetchResult([], {})

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return MappedItem(item.payload)

    async def check(self) -> Verdict:
        return Verdict(True, "fine")

    async def send(self, message: Outgoing) -> Sent:
        PLATFORM.sends += 1
        step = PLATFORM.send_script.pop(0) if PLATFORM.send_script else None
        if isinstance(step, Exception):
            raise step
        PLATFORM.posts.append(message)
        number = len(PLATFORM.posts)
        if step == ARRIVE_THEN_TIMEOUT:
            raise OutcomeUnknownError("chat.example did not answer in time")
        return Sent(f"post-{number}", f"https://chat.example/p/{number}")

    async def find_sent(self, message: Outgoing) -> Sent | None:
        PLATFORM.finds += 1
        if PLATFORM.find_script:
            raise PLATFORM.find_script.pop(0)
        index = PLATFORM.by_key(message.key)
        if index is None:
            return None
        return Sent(f"post-{index + 1}", f"https://chat.example/p/{index + 1}")


class CannotTell(ConnectorError):
    """find_sent: the platform has no way to look the message up."""
