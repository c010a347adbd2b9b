"""What every call to Reddit's API needs: a descriptive User-Agent, an OAuth token (the app's own
for reading, the account's for posting), and reading a listing.

Tokens come from www.reddit.com's token endpoint with the app's client id and secret as HTTP basic
credentials: `grant_type=client_credentials` for the app alone, `grant_type=password` with the
account's username and password for a "script" app acting as that account. A token lasts a day
(an hour for some); it is kept for the process and fetched again when it expires or is refused.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from lyssna import __version__
from lyssna.connectors.base import AuthError, MalformedResponseError, resolve_secret
from lyssna.connectors.http import Hints, HttpClient, parse_json, with_hint
from lyssna.connectors.reddit.config import RedditConfig
from lyssna.core.clock import utcnow

TOKEN_PATH = "/api/v1/access_token"

# Tokens by (auth server, client id, account or "" for the app alone).
_tokens: dict[tuple[str, str, str], tuple[str, datetime]] = {}


def user_agent(config: RedditConfig) -> str:
    """The descriptive User-Agent Reddit asks every client for."""
    who = f"by /u/{config.username}" if config.username else "+https://github.com/lyssna/lyssna"
    return f"python:lyssna:{__version__} ({who})"


async def token(
    http: HttpClient, config: RedditConfig, hints: Hints, *, user: bool, renew: bool = False
) -> str:
    """A bearer token for the app alone, or (`user`) for the configured account."""
    client_id = resolve_secret(config.client_id, "client id")
    key = (config.auth_service, client_id, (config.username or "") if user else "")
    cached = _tokens.get(key)
    if cached and not renew and cached[1] > utcnow():
        return cached[0]
    secret = resolve_secret(config.client_secret, "client secret")
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
    form = {"grant_type": "client_credentials"}
    if user:
        assert config.username and config.password
        form = {
            "grant_type": "password",
            "username": config.username,
            "password": resolve_secret(config.password, "Reddit password"),
        }
    response = await http.request(
        "POST",
        f"{config.auth_service}{TOKEN_PATH}",
        form=form,
        headers={"Authorization": f"Basic {basic}", "User-Agent": user_agent(config)},
        hints=hints,
        idempotent=True,  # a token request creates nothing
    )
    body = parse_json(response)
    value = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        said = body.get("error") if isinstance(body, dict) else None
        if said:  # Reddit answers 200 {"error": "invalid_grant"} to some refusals
            whose = f"the password of /u/{config.username}" if user else "the app"
            raise with_hint(AuthError(f"{config.auth_service} refused {whose} ({said})"), hints)
        raise MalformedResponseError(f"{config.auth_service} sent no access_token")
    lifetime = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 3600
    _tokens[key] = (value, utcnow() + timedelta(seconds=max(60, lifetime - 60)))
    return value


def listing(body: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    """A listing's children (things with their data) and the `after` of the next page."""
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise MalformedResponseError(f"{url} did not answer with a Reddit listing")
    children = [
        c for c in data["children"] if isinstance(c, dict) and isinstance(c.get("data"), dict)
    ]
    after = data.get("after")
    return children, after if isinstance(after, str) and after else None
