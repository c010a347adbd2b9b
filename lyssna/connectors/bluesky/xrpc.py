"""Calling a Bluesky server's XRPC methods, with an account's session when there is one.

A session comes from `com.atproto.server.createSession` with the account's app password. It is
shared by the polls of this process (signing in is rate limited, a few hundred times a day, and
an access token lasts for hours), and renewed once when the server says the token expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    redact,
    resolve_secret,
)
from lyssna.connectors.bluesky.config import BlueskyConfig
from lyssna.connectors.http import Hints, HttpClient, parse_json, platform_message

CREATE_SESSION = "com.atproto.server.createSession"
_EXPIRED = ("ExpiredToken", "InvalidToken")


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    did: str  # the account's repository
    handle: str


# Sessions by (server, account).
_sessions: dict[tuple[str, str], Session] = {}


def retired(response: httpx.Response) -> str | None:
    # XRPC answers MethodNotImplemented when a server no longer (or never) offers a method.
    if "MethodNotImplemented" in platform_message(response):
        return platform_message(response)
    return None


class Xrpc:
    def __init__(self, config: BlueskyConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self._key = (config.base_url, config.identifier or "")
        secret = redact(config.app_password) if config.app_password else "an app password"
        self.hints: Hints = {
            AuthError: (
                f"Check the app password in {secret} and the identifier"
                if config.identifier
                else "This server wants an account: add --identifier and --password-env"
            )
        }

    @property
    def session(self) -> Session | None:
        return _sessions.get(self._key)

    async def login(self) -> Session:
        assert self.config.identifier and self.config.app_password
        body, _ = await self.http.post_json(
            f"{self.config.base_url}/xrpc/{CREATE_SESSION}",
            {
                "identifier": self.config.identifier,
                "password": resolve_secret(self.config.app_password, "app password"),
            },
            hints=self.hints,
            idempotent=True,  # a second session does no harm
        )
        body = body if isinstance(body, dict) else {}
        token, did = body.get("accessJwt"), body.get("did")
        if not isinstance(token, str) or not isinstance(did, str):
            raise MalformedResponseError("the Bluesky server's session answer has no accessJwt")
        handle = str(body.get("handle") or did)
        session = _sessions[self._key] = Session(token, did, handle)
        return session

    async def account(self) -> Session:
        """The signed-in account's session (signing in when there is none yet)."""
        return self.session or await self.login()

    async def call(
        self,
        nsid: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        hints: Hints | None = None,
    ) -> Any:
        """A query (GET with `params`) or a procedure (POST with `body`); its JSON answer.

        A procedure is sent at most once unless the server certainly did not take it (an
        expired token is refused before anything is written).
        """
        if self.config.identifier and self.session is None:
            await self.login()
        url = f"{self.config.base_url}/xrpc/{nsid}"
        for renewed in (False, True):
            session = self.session
            headers = {"Authorization": f"Bearer {session.token}"} if session else {}
            try:
                response = await self.http.request(
                    "GET" if body is None else "POST",
                    url,
                    params=params,
                    json=body,
                    headers=headers,
                    hints=hints or self.hints,
                    retired=retired,
                )
                return parse_json(response)
            except ConnectorError as exc:
                expired = any(code in exc.reason for code in _EXPIRED)
                if renewed or not expired or not self.config.identifier:
                    raise
                await self.login()
        raise AssertionError("unreachable")
