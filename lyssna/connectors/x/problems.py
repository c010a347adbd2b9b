"""X's problem JSON (RFC 7807 bodies of its refusals), read the same way by search and stream."""

from __future__ import annotations

from typing import Any

import httpx

from lyssna.connectors.http import loads


def problem(response: httpx.Response) -> dict[str, Any]:
    """The refusal's body as an object; empty when it is not one."""
    try:
        body = loads(response.content)
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}


def usage_capped(body: dict[str, Any]) -> bool:
    """Whether a 429 means the app's monthly post cap is used up (not a 15-minute window)."""
    return "usage-capped" in str(body.get("type")) or body.get("title") == "UsageCapExceeded"
