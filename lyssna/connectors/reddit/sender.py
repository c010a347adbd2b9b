"""Replies and new posts on Reddit, at most once, as the account that owns the "script" app.

A reply is `POST /api/comment` (`thing_id`: the fullname of the post or comment answered, the
mention's id); a new post is a text post, `POST /api/submit` (`kind=self`) in the configured
subreddit, its title the text's first line and its body the rest. Reddit takes no idempotency
key, so a request that may have got through is not sent again (the shared client's rule), and
`find_sent` reads the account's own comments or posts, newest first, back to the floor.

Reddit refuses inside a 200 answer: `{"json": {"errors": [["RATELIMIT", "...", "ratelimit"]]}}`;
those become errors that say why (a RATELIMIT says when to come back).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeGuard
from urllib.parse import quote

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    MalformedResponseError,
    Outgoing,
    RateLimitedError,
    RequestRejectedError,
    Sent,
    redact,
)
from lyssna.connectors.http import Hints, HttpClient, parse_json, with_token
from lyssna.connectors.reddit import api
from lyssna.connectors.reddit.config import RedditConfig
from lyssna.connectors.reddit.mapping import WEB
from lyssna.connectors.sending import (
    MAX_PAGES,
    cannot_tell,
    floor,
    not_configured,
    same_text,
    unreadable_answer,
)
from lyssna.core.clock import utcnow


class RedditSender:
    def __init__(self, config: RedditConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.hints: Hints = {
            AuthError: (
                f"Check the password of /u/{config.username} in {redact(config.password)}, and "
                "that the app is a 'script' app of that account (an account with two-factor "
                "authentication cannot sign in this way)"
            )
        }

    async def describe(self) -> str:
        """What this source can send, for `check()`."""
        if self.config.password is None:
            return "account: no password (cannot reply or post)"
        await api.token(self.http, self.config, self.hints, user=True, renew=True)
        where = (
            f"posts go to r/{self.config.publish_subreddit}"
            if self.config.publish_subreddit
            else "no subreddit to post in"
        )
        return f"account /u/{self.config.username}: signed in (can reply; {where})"

    async def send(self, message: Outgoing) -> Sent:
        if message.reply_to_id is not None:
            if not message.reply_to_id.startswith(("t1_", "t3_")):
                raise RequestRejectedError(
                    f"cannot answer {message.reply_to_id} on Reddit: only posts (t3_…) and "
                    "comments (t1_…) take replies"
                )
            data = await self._write(
                "/api/comment", {"thing_id": message.reply_to_id, "text": message.text}
            )
            things = data.get("things")
            thing = things[0] if isinstance(things, list) and things else None
            fields = thing.get("data") if isinstance(thing, dict) else None
            if not isinstance(fields, dict) or not isinstance(fields.get("name"), str):
                raise unreadable_answer(f"{self.config.service}/api/comment")
            return _sent(fields)
        subreddit = self._subreddit()
        title, body = title_and_body(message.text)
        data = await self._write(
            "/api/submit",
            {"sr": subreddit, "kind": "self", "title": title, "text": body, "sendreplies": "true"},
        )
        if not isinstance(data.get("name"), str):
            raise unreadable_answer(f"{self.config.service}/api/submit")
        return Sent(data["name"], data.get("url") if isinstance(data.get("url"), str) else None)

    async def find_sent(self, message: Outgoing) -> Sent | None:
        self._account()
        user = quote(str(self.config.username), safe="")
        if message.reply_to_id is not None:
            path = f"/user/{user}/comments"
            raw = (message.reply_to_raw or {}).get("data")
            created = raw.get("created_utc") if isinstance(raw, dict) else None
            target = datetime.fromtimestamp(created, UTC) if _number(created) else None
            since = floor(message, target)
        else:
            path = f"/user/{user}/submitted"
            subreddit = self._subreddit().lower()
            title, body = title_and_body(message.text)
            since = floor(message)
        params: dict[str, Any] = {"sort": "new", "limit": 100, "raw_json": 1}
        for _ in range(MAX_PAGES):
            url = f"{self.config.service}{path}"
            children, after = api.listing(await self._call("GET", path, params=params), url)
            for child in children:
                data = child["data"]
                if message.reply_to_id is not None:
                    found = data.get("parent_id") == message.reply_to_id and same_text(
                        str(data.get("body") or ""), message.text
                    )
                else:
                    found = (
                        str(data.get("subreddit") or "").lower() == subreddit
                        and same_text(str(data.get("title") or ""), title)
                        and same_text(str(data.get("selftext") or ""), body)
                    )
                if found:
                    return _sent(data)
            times = [c["data"].get("created_utc") for c in children]
            oldest = min((t for t in times if _number(t)), default=None)
            if since is not None and oldest is not None and oldest < since.timestamp():
                return None  # read back past the floor
            if after is None:
                return None  # the account's first
            params["after"] = after
        raise cannot_tell(f"/u/{self.config.username}", since)

    def _account(self) -> None:
        if self.config.password is None or self.config.username is None:
            raise not_configured(
                "reddit",
                "account password",
                "give --username and the password of the account that owns the 'script' app",
            )

    def _subreddit(self) -> str:
        if self.config.publish_subreddit is None:
            raise not_configured(
                "reddit",
                "subreddit to post in",
                "set publish_subreddit (replies work without it)",
            )
        return self.config.publish_subreddit

    async def _write(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        """The `json.data` of a write, or the error Reddit's `json.errors` stand for."""
        url = f"{self.config.service}{path}"
        try:
            body = await self._call("POST", path, form={**form, "api_type": "json"})
        except MalformedResponseError as exc:
            raise unreadable_answer(url) from exc
        answer = body.get("json") if isinstance(body, dict) else None
        if not isinstance(answer, dict):
            raise unreadable_answer(url)
        errors = [e for e in answer.get("errors") or [] if isinstance(e, list) and e]
        if errors:
            raise _refusal(url, errors, answer.get("ratelimit"))
        data = answer.get("data")
        if not isinstance(data, dict):
            raise unreadable_answer(url)
        return data

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """A request as the account; a refused (401) token is renewed once."""
        self._account()

        async def token(renew: bool) -> str:
            return await api.token(self.http, self.config, self.hints, user=True, renew=renew)

        async def call(bearer: str) -> Any:
            response = await self.http.request(
                method,
                f"{self.config.service}{path}",
                params=params,
                form=form,
                headers={
                    "Authorization": f"Bearer {bearer}",
                    "User-Agent": api.user_agent(self.config),
                },
                hints=self.hints,
            )
            return parse_json(response)

        return await with_token(token, call)


def title_and_body(text: str) -> tuple[str, str]:
    """A text post's title (the first line) and body (the rest)."""
    first, _, rest = text.strip().partition("\n")
    return first.strip(), rest.strip()


def _refusal(url: str, errors: list[list[Any]], ratelimit: Any) -> ConnectorError:
    said = "; ".join(
        f"{e[0]}{f' ({e[2]})' if len(e) > 2 and e[2] else ''}: {e[1]}" if len(e) > 1 else str(e[0])
        for e in errors
    )
    if any(e[0] == "RATELIMIT" for e in errors):
        wait = float(ratelimit) if _number(ratelimit) else None
        return RateLimitedError(
            f"{url} says the account posts too often ({said})",
            retry_at=utcnow() + timedelta(seconds=wait) if wait is not None else None,
        )
    return RequestRejectedError(f"{url} refused it ({said})")


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sent(data: dict[str, Any]) -> Sent:
    permalink = data.get("permalink")
    url = f"{WEB}{permalink}" if isinstance(permalink, str) and permalink else None
    return Sent(str(data.get("name")), url)
