"""What every call to the YouTube Data API needs: reading Google's refusals and the quota.

Google's refusals say why in `error.errors[].reason`: a used-up daily quota (`quotaExceeded`, a
403) is not a bad credential, and is rescheduled for midnight Pacific time, when the quota resets.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    RateLimitedError,
    RequestRejectedError,
)
from lyssna.connectors.http import Hints, classify, parse_json, with_hint
from lyssna.core.clock import utcnow

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
SHORT_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
KEY_REASONS = frozenset(
    {
        "keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "accessNotConfigured",
        "SERVICE_DISABLED", "ipRefererBlocked", "API_KEY_SERVICE_BLOCKED", "forbidden",
    }
)  # fmt: skip
# Answers YouTube explains in its body: read by `refusal`, not by the shared client.
REFUSALS = frozenset({200, 400, 403, 404})


def quota_reset(now: datetime) -> datetime:
    """The next midnight Pacific time (when YouTube's daily quota resets), in UTC."""
    try:
        pacific: Any = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no time zone database: standard time is close enough
        pacific = timezone(timedelta(hours=-8))
    local = now.astimezone(pacific)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=pacific)
    return midnight.astimezone(UTC)


def refusal(response: httpx.Response, hints: Hints, credential: str = "API key") -> ConnectorError:
    """The error a YouTube refusal stands for, in its own words; `credential` names what was
    used (the API key, or the account's authorisation)."""
    parts = urlsplit(str(response.request.url))
    where = f"{parts.netloc}{parts.path}"
    status = response.status_code
    reasons, message = google_error(response)
    said = f": {message}" if message else ""
    error: ConnectorError
    if reasons & QUOTA_REASONS:
        reset = quota_reset(utcnow())
        error = RateLimitedError(
            f"{where} says the daily YouTube API quota is used up ({status}){said}; it "
            f"resets at midnight Pacific time ({reset:%Y-%m-%d %H:%M} UTC)",
            retry_at=reset,
        )
    elif reasons & SHORT_LIMIT_REASONS:
        error = RateLimitedError(f"{where} is rate limiting us ({status}){said}")
    elif reasons & KEY_REASONS:
        error = AuthError(f"{where} refused the {credential} ({status}){said}")
    elif "commentsDisabled" in reasons:
        error = RequestRejectedError(f"{where}: comments are turned off there ({status})")
    else:
        error = classify(response, where)
        error.reason = f"{error.reason}{said}"
        error.args = (error.reason,)
    return with_hint(error, hints)


def google_error(response: httpx.Response) -> tuple[set[str], str]:
    """The reasons and message of Google's error body: {"error": {"message", "errors": [...]}}."""
    try:
        body = parse_json(response)
    except MalformedResponseError:
        return set(), ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set(), ""
    reasons = {
        str(e["reason"])
        for e in error.get("errors") or []
        if isinstance(e, dict) and e.get("reason")
    }
    reasons |= {
        str(d["reason"])
        for d in error.get("details") or []
        if isinstance(d, dict) and d.get("reason")
    }
    message = error.get("message")
    text = message.strip() if isinstance(message, str) else ""
    return reasons, text[:200]
