"""What the connectors that reply and publish share: missing credentials, matching a sent post
to the message, and how far back `find_sent` has to look.

`find_sent` answers "certainly not sent" only when it has seen every post of the account that
could be the message: everything since a little before the first attempt (the caller's clock,
`Outgoing.first_attempt_at`), or, for a reply, everything since the post it answers. When
neither bounds the search, or the account posted more than a few pages since, it cannot tell.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

from lyssna.connectors.base import (
    ConnectorError,
    OutcomeUnknownError,
    Outgoing,
    RequestRejectedError,
    SendingNotSupportedError,
)

# Clocks differ and platforms stamp a post when they store it, not when it was sent.
CLOCK_MARGIN = timedelta(minutes=15)
# Pages of the account's own posts `find_sent` reads before it gives up.
MAX_PAGES = 10


def not_configured(kind: str, setting: str, how: str) -> SendingNotSupportedError:
    """The error of a source that could send, but has no write credential."""
    return SendingNotSupportedError(
        f"this {kind} source has no {setting}, so Lyssna cannot post with it: {how} "
        f"(see docs/connectors.md, {kind})"
    )


def cannot_publish(kind: str, why: str) -> SendingNotSupportedError:
    return SendingNotSupportedError(f"{kind} sources cannot publish new posts: {why}")


def normalised(text: str) -> str:
    """Text as platforms give it back: same characters, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def same_text(posted: str, wanted: str) -> bool:
    return normalised(posted) == normalised(wanted)


def floor(message: Outgoing, target_time: datetime | None = None) -> datetime | None:
    """The oldest a post of `message` can be on the platform; None when nothing says."""
    candidates = []
    if message.first_attempt_at is not None:
        candidates.append(message.first_attempt_at - CLOCK_MARGIN)
    if target_time is not None:
        candidates.append(target_time)  # a reply is newer than what it answers
    return max(candidates) if candidates else None


def cannot_tell(where: str, since: datetime | None) -> ConnectorError:
    """The error `find_sent` raises when it read as far as it may and found nothing."""
    if since is None:
        return ConnectorError(
            f"cannot tell whether {where} has the message: without the time of the first "
            "attempt, Lyssna cannot know how far back to look. Check the account on the "
            "platform before sending it again"
        )
    return ConnectorError(
        f"cannot tell whether {where} has the message: the account posted more than "
        f"{MAX_PAGES} pages since {since:%Y-%m-%d %H:%M} UTC. Check the account on the platform "
        "before sending it again"
    )


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 time from a platform ("...Z" included), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def unreadable_answer(where: str) -> OutcomeUnknownError:
    """A post was accepted, but the answer saying where it is cannot be read."""
    return OutcomeUnknownError(
        f"{where} accepted the message but its answer cannot be read; it has probably been "
        "posted, so check before sending it again"
    )


def checked_text(text: str, limit: int, platform: str) -> str:
    """The message's text, trimmed, if the platform takes it: refused before anything is sent
    when it is empty or longer than the platform's `limit` characters."""
    text = text.strip()
    if not text:
        raise RequestRejectedError("there is nothing to send: the message is empty")
    if len(text) > limit:
        raise RequestRejectedError(
            f"{platform} takes at most {limit:,} characters here; the message has {len(text):,}"
        )
    return text
