"""X's filtered stream: the source's queries as stream rules, posts as they are written.

Rules: X keeps one set of rules per app, shared by every connection to its stream. Lyssna tags
the rules it makes `lyssna` and, before each connection, makes them agree with the source's
queries (`POST /2/tweets/search/stream/rules`, `add` and `delete`): it adds the queries that
have no rule, deletes its own rules no query asks for, and leaves rules with other tags alone
(another program's); posts that match only those are not stored. A query X refuses as a rule
(its syntax, its length, the app's rule cap) makes the source unhealthy with X's words.
`dry_run` checks the rules without changing them (`lyssna sources test`).

Stream: `GET /2/tweets/search/stream` with the fields and expansions recent search asks for,
one JSON object per line, a blank line every 20 seconds to keep the connection alive. An
`errors` object without `data` is X closing the stream (`operational-disconnect`): the runner
reconnects. A refused connection is read here: 429 `TooManyConnections` (the app's connection
is taken), the monthly cap, or the request budget with its reset time.

Catching up: after each connection, recent search reads what was written from each query's
cursor on (the polling walks, `CATCH_UP_PAGES` pages at most), so a reconnect or a restart
misses nothing that search still has (seven days); `catch_up: false` saves those reads. When
search fails (its own budget, an access level without it) the stream goes on live, with a
warning in the log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx

from lyssna.connectors.base import (
    AuthError,
    ConnectorError,
    Cursor,
    MalformedResponseError,
    RateLimitedError,
    RawItem,
    SourceConfigError,
    StreamDroppedError,
    StreamEvent,
    Unreadable,
    catch_up,
)
from lyssna.connectors.http import (
    OversizedLine,
    Walk,
    describe_url,
    json_object,
    newest_id,
    parse_reset,
    parse_retry_after,
    stream_lines,
)
from lyssna.connectors.x import problems
from lyssna.core.clock import utcnow

if TYPE_CHECKING:
    from lyssna.connectors.x.client import XConnector

log = logging.getLogger(__name__)

STREAM = "/2/tweets/search/stream"
RULES = "/2/tweets/search/stream/rules"
RULE_TAG = "lyssna"
CATCH_UP_PAGES = 10  # 100 posts each


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    value: str
    tag: str | None = None


# --- rules ------------------------------------------------------------------------------------


async def current_rules(connector: XConnector) -> list[Rule]:
    url = f"{connector.config.service}{RULES}"
    body, _ = await connector.http.get_json(
        url, headers=connector.bearer_headers(), hints=connector.stream_hints
    )
    if not isinstance(body, dict):
        raise MalformedResponseError(f"{describe_url(url)} did not answer with rules")
    return [_rule(r) for r in body.get("data") or [] if isinstance(r, dict) and r.get("id")]


async def change_rules(
    connector: XConnector,
    *,
    add: Sequence[str] = (),
    delete: Sequence[str] = (),
    dry_run: bool = False,
) -> list[Rule]:
    """Add (tagged `lyssna`) and delete rules by id; the rules created or already there.

    X takes either `add` or `delete` in one request, so they go in two. Adding a rule that
    exists is harmless (X answers DuplicateRule), so a request whose answer was lost is sent
    again safely.
    """
    url = f"{connector.config.service}{RULES}" + ("?dry_run=true" if dry_run else "")
    rules: list[Rule] = []
    for body in (
        {"delete": {"ids": list(delete)}} if delete else None,
        {"add": [{"value": v, "tag": RULE_TAG} for v in add]} if add else None,
    ):
        if body is None:
            continue
        answer, _ = await connector.http.post_json(
            url,
            body,
            headers=connector.bearer_headers(),
            hints=connector.stream_hints,
            idempotent=True,
        )
        if not isinstance(answer, dict):
            raise MalformedResponseError(f"{describe_url(url)} did not answer with rules")
        rules += [_rule(r) for r in answer.get("data") or [] if isinstance(r, dict)]
        rules += _refusals(answer.get("errors"))
    return rules


def _refusals(errors: Any) -> list[Rule]:
    """The rules X says exist already; raises for a rule it refused."""
    existing: list[Rule] = []
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        title = str(error.get("title") or "")
        if title == "DuplicateRule" and error.get("id"):
            existing.append(Rule(str(error["id"]), str(error.get("value") or "")))
            continue
        details = error.get("details")
        said = "; ".join(str(d) for d in details) if isinstance(details, list) else ""
        said = said or str(error.get("detail") or error.get("message") or "")
        value = error.get("value")
        which = f"the query {value!r} as a stream rule" if value else "the stream rules"
        raise SourceConfigError(
            f"X refused {which}: {title or 'refused'}{f' ({said})' if said else ''}. Rules are "
            "at most 1,024 characters (2,048 on Enterprise), 1,000 per app (25,000 on "
            "Enterprise); change the --query"
        )
    return existing


async def sync_rules(connector: XConnector) -> dict[str, str]:
    """Make the app's `lyssna` rules agree with the queries; {rule id: query} for them."""
    wanted = connector.config.queries
    rules = await current_rules(connector)
    stale = [r.id for r in rules if r.tag == RULE_TAG and r.value not in wanted]
    have = {r.value for r in rules}
    missing = [q for q in wanted if q not in have]
    changed = await change_rules(connector, add=missing, delete=stale)
    ours = {r.id: r.value for r in [*rules, *changed] if r.value in wanted and r.id not in stale}
    absent = set(wanted) - set(ours.values())
    if absent:
        raise MalformedResponseError(
            f"X did not confirm stream rules for {', '.join(sorted(absent))}"
        )
    return ours


def _rule(data: dict[str, Any]) -> Rule:
    tag = data.get("tag")
    return Rule(str(data.get("id")), str(data.get("value") or ""), str(tag) if tag else None)


# --- the stream -------------------------------------------------------------------------------


async def stream_posts(connector: XConnector, cursor: Cursor | None) -> AsyncIterator[StreamEvent]:
    """Events from one connection: caught-up and live posts, keep-alives."""
    from lyssna.connectors.x.client import TWEET_FIELDS, USER_FIELDS

    config = connector.config
    rules = await sync_rules(connector)
    url = f"{config.service}{STREAM}"
    params = {"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS}
    async with connector.http.open_stream(
        url,
        params=params,
        headers=connector.bearer_headers(),
        hints=connector.stream_hints,
        read_timeout=config.stall_seconds * 2,
        refused=refused,
    ) as response:
        yield StreamEvent()  # connected
        if config.catch_up:
            try:
                async for caught in catch_up(connector.fetch, cursor, CATCH_UP_PAGES):
                    cursor = caught.cursor
                    yield caught
            except ConnectorError as exc:
                # The stream works; only search does not (its budget, or an access level
                # without it): go on live, and say what may be missing.
                log.warning(
                    "X stream: could not catch up through recent search (%s); posts written "
                    "while the stream was down may be missing",
                    exc.reason,
                )
        reader = _Reader(url, rules, dict((cursor or {}).get("streams") or {}))
        async for line in stream_lines(response):
            yield reader.read(line)


def refused(response: httpx.Response) -> ConnectorError | None:
    """X's own refusals of a stream connection; None: the usual reading."""
    where = describe_url(str(response.request.url))
    problem = problems.problem(response)
    said = str(problem.get("detail") or problem.get("title") or "")
    if response.status_code == 429:
        if problem.get("connection_issue") == "TooManyConnections" or (
            problem.get("title") == "ConnectionException"
        ):
            return RateLimitedError(
                f"{where} allows no more connections for this app ({said or 'too many'}): "
                "another program, or another Lyssna source with the same app, holds the "
                "stream; the access level decides how many may be open (one on pay-per-use)"
            )
        if problems.usage_capped(problem):
            return RateLimitedError(
                f"{where} says the app's monthly post cap is used up (429): "
                f"{said or 'usage cap exceeded'}; it comes back with the next billing period"
            )
        wait = parse_retry_after(response.headers.get("Retry-After"))
        reset = parse_reset(response.headers.get("x-rate-limit-reset"))
        if wait is not None:
            reset = utcnow() + timedelta(seconds=wait)
        return RateLimitedError(
            f"{where} is rate limiting stream connections (429){f' ({said})' if said else ''}",
            retry_at=reset,
        )
    if response.status_code == 403 and "client" in str(problem.get("type")):
        return AuthError(
            f"{where} refused the app (403): {said or 'forbidden'}; its access level must "
            "include the filtered stream"
        )
    return None


class _Reader:
    """Reads the stream's lines: posts our rules matched, the queries' walks moved on."""

    def __init__(self, url: str, rules: dict[str, str], walks: dict[str, Any]) -> None:
        self.url = url
        self.where = describe_url(url)
        self.rules = rules
        self.walks = walks

    def read(self, line: bytes | OversizedLine) -> StreamEvent:
        if isinstance(line, OversizedLine):
            reason = f"a stream message of {line.size:,} bytes, over the limit"
            return StreamEvent(unreadable=(Unreadable(reason, ""),))
        if not line.strip():
            return StreamEvent()  # keep-alive
        message = json_object(line, "a stream message")
        if isinstance(message, Unreadable):
            return StreamEvent(unreadable=(message,))
        tweet = message.get("data")
        if tweet is None:
            self._closing(message)
            return StreamEvent()
        if not isinstance(tweet, dict) or not isinstance(tweet.get("id"), str):
            text = line.decode("utf-8", "replace")[:1000]
            return StreamEvent(unreadable=(Unreadable("a streamed post without an id", text),))
        matched = [r for r in message.get("matching_rules") or [] if isinstance(r, dict)]
        queries = [self.rules[str(r.get("id"))] for r in matched if str(r.get("id")) in self.rules]
        if not queries:
            return StreamEvent()  # matched only another program's rules
        includes = message.get("includes") if isinstance(message.get("includes"), dict) else {}
        users = {
            str(u.get("id")): u
            for u in (includes or {}).get("users") or []
            if isinstance(u, dict) and u.get("id")
        }
        author = users.get(str(tweet.get("author_id")))
        item = RawItem({"tweet": tweet, "author": author, "matching_rules": matched}, self.url)
        return StreamEvent(items=(item,), cursor=self._moved(queries, tweet["id"]))

    def _moved(self, queries: list[str], tweet_id: str) -> Cursor | None:
        moved = False
        for query in queries:
            walk = Walk.from_cursor(self.walks, query)
            if walk.below is not None:  # a catch-up walk still in progress moves on by search
                continue
            since = newest_id([i for i in (walk.since, tweet_id) if i])
            self.walks[query] = Walk(since=since).as_json()
            moved = True
        return {"streams": dict(self.walks)} if moved else None

    def _closing(self, message: dict[str, Any]) -> None:
        """An error object in the stream: X closing it, or a notice worth a log line."""
        errors = message.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else message
        first = first if isinstance(first, dict) else {}
        title = str(first.get("title") or "")
        detail = str(first.get("detail") or first.get("message") or "")
        if title == "operational-disconnect" or first.get("disconnect_type"):
            raise StreamDroppedError(f"{self.where} closed the stream: {detail or title}")
        if title == "ConnectionException" or first.get("connection_issue"):
            raise RateLimitedError(f"{self.where} closed the stream: {detail or title}")
        log.info("X's stream reported: %s %s", title, detail)
