"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1), as X's user-context endpoints take it.

Each request is signed on its own, every time it is sent (a retry gets a new nonce and time): the
signature covers the method, the URL without its query, and every parameter of the query and of
a form body, with the app's and the account's secrets as the key. A JSON body is not signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator
from urllib.parse import parse_qsl, quote

import httpx


def encode(value: str) -> str:
    """RFC 3986 percent-encoding: everything but letters, digits and -._~."""
    return quote(value, safe="~")


def signature(
    method: str,
    base_url: str,
    params: list[tuple[str, str]],
    consumer_secret: str,
    token_secret: str,
) -> str:
    """The HMAC-SHA1 signature of a request, base64-encoded."""
    pairs = sorted((encode(k), encode(v)) for k, v in params)
    normalised = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), encode(base_url), encode(normalised)))
    key = f"{encode(consumer_secret)}&{encode(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class OAuth1(httpx.Auth):
    """Signs every request sent with it as the app (consumer) acting for the account (token)."""

    requires_request_body = True  # a form body's parameters are signed

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        token: str,
        token_secret: str,
        *,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._consumer = (consumer_key, consumer_secret)
        self._token = (token, token_secret)
        self._nonce = nonce
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.header(request)
        yield request

    def header(self, request: httpx.Request) -> str:
        oauth = {
            "oauth_consumer_key": self._consumer[0],
            "oauth_nonce": self._nonce(),
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": str(int(self._clock())),
            "oauth_token": self._token[0],
            "oauth_version": "1.0",
        }
        url = request.url
        port = f":{url.port}" if url.port is not None else ""
        path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        base_url = f"{url.scheme}://{url.host}{port}{path}"
        params = list(url.params.multi_items())
        if request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(request.content.decode("utf-8"), keep_blank_values=True)
        params += list(oauth.items())
        oauth["oauth_signature"] = signature(
            request.method, base_url, params, self._consumer[1], self._token[1]
        )
        return "OAuth " + ", ".join(f'{encode(k)}="{encode(v)}"' for k, v in oauth.items())
