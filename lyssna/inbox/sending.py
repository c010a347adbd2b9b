"""Sending inbox replies through the channel's connector, at most once.

Every attempt is put on record ("sending", committed) before the platform hears of it. Whatever
happens next, the reply's state says what is known:

- the platform accepted it: `sent`, with its id and link there;
- the platform refused it (credentials, a rejected text, a connector that cannot send):
  `failed`, with the platform's reason, for a person to fix or drop;
- it certainly did not get through (429, no connection): retried with backoff;
- it may have got through (OutcomeUnknownError: a timeout or a 5xx after the request left, an
  unreadable answer): retried with backoff, and before the retry the connector's `find_sent` is
  asked whether it arrived after all; only "certainly not" leads to sending again;
- nobody can tell (the platform cannot say, or the retries ran out after such an attempt):
  `unknown`, and a person decides (it is there / send it again / drop it).

A process that dies mid-send leaves the reply in `sending`. `recover` finds those once their
lease (SEND_LEASE) has passed and asks the platform the same way.

The connector is the source that collected the answered mention. The shared HTTP client never
repeats a request that creates something when it may have got through (lyssna.connectors.http);
here it also gives up waiting quickly, so a person's click is answered in seconds and longer
waits become this module's backoff.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from lyssna.connectors.base import (
    ConnectorError,
    MalformedResponseError,
    OutcomeUnknownError,
    Outgoing,
    RateLimitedError,
    RetriableError,
    Sender,
    SendingNotSupportedError,
    Sent,
)
from lyssna.connectors.http import HttpClient, RetryPolicy
from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.inbox.answerers import may_answer, workspace_strategy
from lyssna.storage import accounts
from lyssna.storage import connector_state as source_store
from lyssna.storage import inbox as item_store
from lyssna.storage import inbox_replies as store
from lyssna.storage.connector_state import SourceRecord
from lyssna.storage.database import write_transaction
from lyssna.storage.inbox_replies import Reply
from lyssna.storage.schema import mentions, sources
from lyssna.storage.search import by_external_id
from lyssna.workspace import WorkspaceContext

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_FIRST = timedelta(seconds=30)  # then x4 per attempt: 30 s, 2 min, 8 min, 32 min
RETRY_CAP = timedelta(hours=1)
# An attempt still "sending" after this long belongs to a process that died or hangs. Well above
# the longest an attempt can take (two requests of SEND_TIMEOUT each).
SEND_LEASE = timedelta(minutes=5)
SEND_TIMEOUT = 20.0

HttpFactory = Callable[[], HttpClient]


def sending_http() -> HttpClient:
    """Short waits: a platform asking for more than a few seconds is tried again later."""
    return HttpClient(
        timeout=SEND_TIMEOUT, retry=RetryPolicy(attempts=3, max_delay=4.0, max_wait=8.0)
    )


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how one reply goes: the answered mention on its source's connector."""

    channel: str
    source: SourceRecord | None
    message: Outgoing


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt learned."""

    sent: Sent | None = None
    # "retry": try again later (ask first when `ambiguous`); "failed": refused; "unknown".
    verdict: str = "sent"
    reason: str | None = None
    ambiguous: bool = False  # the message may have reached the platform
    checked: bool = False  # the platform said it does not have the message (before this try)
    retry_at: datetime | None = None


# --- where a reply goes -----------------------------------------------------------------------


def _source_of(conn: Connection, workspace_id: int, mention_id: int) -> SourceRecord | None:
    name = conn.execute(
        select(sources.c.name)
        .join(mentions, mentions.c.source_id == sources.c.id)
        .where(mentions.c.id == mention_id, mentions.c.workspace_id == workspace_id)
    ).scalar()
    return source_store.get(conn, workspace_id, name) if name is not None else None


def why_cannot_send(conn: Connection, workspace_id: int, item: item_store.Item) -> str | None:
    """Why replies to this item cannot go out through Lyssna (None: they can, as far as the
    source's settings tell; the platform has the last word)."""
    from lyssna.connectors import registry

    source = _source_of(conn, workspace_id, item.mention_id)
    if source is None:
        return (
            "this mention came from a file import or from a source that was removed, so Lyssna "
            "does not know where to send a reply; answer it on the platform"
        )
    if source.kind not in registry.kinds():
        return (
            f"this mention was imported ({source.name}), not collected by a connector, so "
            "Lyssna cannot send a reply to it; answer it on the platform"
        )
    if not getattr(registry.get(source.kind), "can_reply", False):
        return f"the {source.kind} connector cannot send replies yet; answer on the platform"
    return None


def _target(conn: Connection, workspace_id: int, reply: Reply) -> Target:
    item = item_store.get(conn, workspace_id, reply.item_id)
    row = conn.execute(
        select(mentions.c.channel, mentions.c.external_id, mentions.c.raw).where(
            mentions.c.id == item.mention_id
        )
    ).one()
    raw = row.raw if isinstance(row.raw, dict) else None
    # The import record keeps the platform's own object under "payload" (connectors put it there).
    payload = raw.get("payload") if raw and isinstance(raw.get("payload"), dict) else raw
    message = Outgoing(
        key=reply.key,
        text=reply.text,
        reply_to_id=row.external_id,
        reply_to_raw=payload,
        first_attempt_at=reply.first_attempt_at,
    )
    return Target(row.channel, _source_of(conn, workspace_id, item.mention_id), message)


def _connector(target: Target, http: HttpClient) -> Sender:
    """The source's connector, as a Sender; ConnectorError/UserError when it cannot be one."""
    from lyssna.connectors.runner import build_config

    if target.source is None:
        raise SendingNotSupportedError(
            "the answered mention has no source any more (imported, or the source was removed)"
        )
    connector_cls, config = build_config(target.source)
    connector = connector_cls(config, http)
    if not getattr(connector_cls, "can_reply", False) or not isinstance(connector, Sender):
        raise SendingNotSupportedError(f"the {target.source.kind} connector cannot send replies")
    return connector


# --- one attempt ------------------------------------------------------------------------------


async def _attempt(target: Target, check_first: bool, http_factory: HttpFactory) -> Outcome:
    kind = target.source.kind if target.source else target.channel
    checked = False
    try:
        async with http_factory() as http:
            connector = _connector(target, http)
            if check_first:
                outcome = await _ask(connector, target.message, kind)
                if outcome is not None:
                    return outcome
                checked = True
            sent = await connector.send(target.message)
            return Outcome(sent=sent)
    except (OutcomeUnknownError, MalformedResponseError) as exc:  # it may have arrived
        return Outcome(verdict="retry", reason=exc.reason, ambiguous=True, checked=checked)
    except RetriableError as exc:  # 429, no connection: it did not get through
        retry_at = exc.retry_at if isinstance(exc, RateLimitedError) else None
        return Outcome(verdict="retry", reason=exc.reason, checked=checked, retry_at=retry_at)
    except ConnectorError as exc:  # refused: credentials, a rejected text, cannot send
        return Outcome(verdict="failed", reason=exc.reason, checked=checked)
    except UserError as exc:  # the source's settings are invalid
        return Outcome(verdict="failed", reason=str(exc), checked=checked)
    except Exception as exc:  # a connector bug, maybe after posting: a person must look
        log.exception("sending a reply through %s failed unexpectedly", kind)
        return Outcome(
            verdict="unknown",
            reason=f"internal error in the {kind} connector ({type(exc).__name__}: {exc}); "
            "please report it",
        )


async def _ask(connector: Sender, message: Outgoing, kind: str) -> Outcome | None:
    """Whether an earlier attempt arrived: an Outcome when that settles it, None to send."""
    try:
        found = await connector.find_sent(message)
    except RetriableError as exc:
        return Outcome(verdict="retry", reason=exc.reason, ambiguous=True)
    except ConnectorError as exc:
        return Outcome(
            verdict="unknown",
            reason=f"{kind} cannot tell whether an earlier attempt arrived: {exc.reason}",
        )
    return Outcome(sent=found) if found is not None else None


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt `attempts + 1`: x4 each time from RETRY_FIRST, jittered."""
    seconds = min(RETRY_CAP.total_seconds(), RETRY_FIRST.total_seconds() * 4 ** (attempts - 1))
    return timedelta(seconds=random.uniform(seconds * 0.8, seconds))


# --- recording outcomes -----------------------------------------------------------------------


def record_sent(
    conn: Connection,
    workspace_id: int,
    reply: Reply,
    sent: Sent | None,
    at: datetime,
    *,
    from_states: tuple[str, ...] = ("sending",),
    by: int | None = None,
    action: str = "reply_sent",
) -> bool:
    """The reply is on the platform: store its id and link, and count it as a response.

    `sent` is None when a person confirms it without the platform's id.
    """
    done = store.move(
        conn,
        reply.id,
        from_states,
        "sent",
        at,
        external_id=sent.external_id if sent else None,
        url=sent.url if sent else None,
        sent_at=at,
        sending_since=None,
        next_attempt_at=None,
        last_error=None,
    )
    if not done:
        return False
    item = item_store.get(conn, workspace_id, reply.item_id)
    if item.first_response_at is None or at < item.first_response_at:
        item_store.set_first_response(conn, item.id, at)
    detail = reply.text[:500] if sent is None else f"{reply.text[:500]}\n({sent.external_id})"
    item_store.record(conn, item.id, by if by is not None else reply.author_id, action, detail, at)
    if sent is not None:
        _absorb_collected_copy(conn, workspace_id, item, sent)
    return True


def _absorb_collected_copy(
    conn: Connection, workspace_id: int, item: item_store.Item, sent: Sent
) -> None:
    """A source may have collected the reply before it was recorded as sent; if that copy was
    triaged into the inbox, it is the company's own answer and leaves it."""
    row = conn.execute(select(mentions.c.channel).where(mentions.c.id == item.mention_id)).one()
    copy = by_external_id(conn, workspace_id, row.channel, sent.external_id)
    if copy is None and sent.url:
        found = conn.execute(
            select(mentions.c.external_id).where(
                mentions.c.workspace_id == workspace_id,
                mentions.c.channel == row.channel,
                mentions.c.url == sent.url,
            )
        ).first()
        copy = by_external_id(conn, workspace_id, row.channel, found[0]) if found else None
    if copy is not None:
        item_store.remove_for_mention(conn, workspace_id, copy.id)


def _record(
    conn: Connection, workspace_id: int, reply: Reply, outcome: Outcome, at: datetime
) -> None:
    """Store what the attempt learned, unless another process took the attempt over."""
    owned = reply.sending_since
    if outcome.sent is not None:
        # The platform has it: that wins even over a recovery that took the attempt over.
        record_sent(conn, workspace_id, reply, outcome.sent, at, from_states=("sending", "unknown"))
        return
    verdict = outcome.verdict
    # Ask before the next try when this one may have arrived, or an earlier one may have and
    # the platform has not said since that it does not have it.
    check_first = outcome.ambiguous or (reply.check_first and not outcome.checked)
    if verdict == "retry" and reply.attempts >= MAX_ATTEMPTS:
        verdict = "unknown" if check_first else "failed"
    reason = outcome.reason or ""
    if verdict == "retry":
        wait = retry_delay(reply.attempts)
        next_at = max(outcome.retry_at or at + wait, at + timedelta(seconds=1))
        store.move(
            conn, reply.id, ("sending",), "queued", at, only_attempt=owned,
            next_attempt_at=next_at, check_first=check_first,
            last_error=reason,
        )  # fmt: skip
        return
    if outcome.verdict == "retry":  # out of attempts
        reason = f"gave up after {reply.attempts} attempts: {reason}"
    moved = store.move(
        conn, reply.id, ("sending",), verdict, at, only_attempt=owned,  # type: ignore[arg-type]
        next_attempt_at=None, check_first=verdict == "unknown", last_error=reason,
    )  # fmt: skip
    if moved:
        item_store.record(conn, reply.item_id, None, f"reply_{verdict}", reason[:1000], at)


# --- sending, draining, recovering ------------------------------------------------------------


def _author_may_answer(conn: Connection, ctx: WorkspaceContext, reply: Reply, channel: str) -> str:
    """'' when the strategy lets the reply's author answer on `channel`, else the reason."""
    strategy = workspace_strategy(ctx.settings.home, ctx.workspace.slug)
    author = accounts.user_by_id(conn, reply.author_id) if reply.author_id else None
    if author is None:
        return ""
    verdict = may_answer(strategy, channel, name=author.name, email=author.email)
    return "" if verdict.allowed else verdict.reason


async def send_reply(
    ctx: WorkspaceContext,
    reply_id: int,
    *,
    http_factory: HttpFactory = sending_http,
    due_only: bool = False,
) -> Reply:
    """One attempt to send a queued reply. Returns the reply as it stands afterwards (untouched
    when it was not queued, or, with `due_only`, not due yet)."""
    engine, workspace_id = ctx.engine, ctx.workspace.id
    now = utcnow()
    with write_transaction(engine) as conn:
        store.get(conn, workspace_id, reply_id)  # NotFoundError for another workspace's reply
        if not store.claim(conn, reply_id, now, due_only=due_only):
            return store.get(conn, workspace_id, reply_id)
        reply = store.get(conn, workspace_id, reply_id)
        target = _target(conn, workspace_id, reply)
        refusal = _author_may_answer(conn, ctx, reply, target.channel)
    # Committed: the attempt is on record before the platform hears of it.
    if refusal:
        outcome = Outcome(verdict="failed", reason=refusal)
    else:
        outcome = await _attempt(target, reply.check_first, http_factory)
    with write_transaction(engine) as conn:
        _record(conn, workspace_id, reply, outcome, utcnow())
        return store.get(conn, workspace_id, reply_id)


async def recover(
    ctx: WorkspaceContext, *, http_factory: HttpFactory = sending_http, now: datetime | None = None
) -> list[Reply]:
    """Replies left in `sending` by a process that died: ask the platform before anything else.

    Found there: sent. Certainly not there: queued again (sent by the next drain). The platform
    cannot tell: unknown, for a person to decide.
    """
    engine, workspace_id = ctx.engine, ctx.workspace.id
    now = now or utcnow()
    recovered = []
    with engine.connect() as conn:
        stale = store.stale_sending(conn, workspace_id, now - SEND_LEASE)
    for old in stale:
        at = utcnow()
        with write_transaction(engine) as conn:
            if old.sending_since is None or not store.take_over(
                conn, old.id, old.sending_since, at
            ):
                continue  # another process recovers it
            reply = store.get(conn, workspace_id, old.id)
            target = _target(conn, workspace_id, reply)
        outcome = await _recovery_check(target, http_factory)
        with write_transaction(engine) as conn:
            if outcome is None:  # certainly not on the platform: send it again
                store.move(
                    conn, reply.id, ("sending",), "queued", utcnow(), only_attempt=at,
                    next_attempt_at=utcnow(), check_first=False,
                    last_error="an attempt was interrupted before it reached the platform",
                )  # fmt: skip
            else:
                _record(conn, workspace_id, reply, outcome, utcnow())
            recovered.append(store.get(conn, workspace_id, reply.id))
    return recovered


async def _recovery_check(target: Target, http_factory: HttpFactory) -> Outcome | None:
    kind = target.source.kind if target.source else target.channel
    try:
        async with http_factory() as http:
            connector = _connector(target, http)
            return await _ask(connector, target.message, kind)
    except (ConnectorError, UserError) as exc:
        reason = exc.reason if isinstance(exc, ConnectorError) else str(exc)
        return Outcome(
            verdict="unknown",
            reason=f"an attempt was interrupted and {kind} cannot be asked about it: {reason}",
        )


@dataclass(frozen=True, slots=True)
class DrainReport:
    recovered: list[Reply]
    attempted: list[Reply]

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.attempted + self.recovered)


async def drain(
    ctx: WorkspaceContext,
    *,
    http_factory: HttpFactory = sending_http,
    limit: int = 100,
) -> DrainReport:
    """Recover interrupted attempts, then send every queued reply that is due."""
    recovered = await recover(ctx, http_factory=http_factory)
    with ctx.engine.connect() as conn:
        due = store.due(conn, ctx.workspace.id, utcnow(), limit=limit)
    attempted = [await send_reply(ctx, r.id, http_factory=http_factory, due_only=True) for r in due]
    return DrainReport(recovered, attempted)


def pending_work(engine: Engine, workspace_id: int) -> bool:
    """Whether a drain has anything to do now (cheap; `lyssna listen` asks every few seconds)."""
    now = utcnow()
    with engine.connect() as conn:
        return bool(
            store.due(conn, workspace_id, now, limit=1)
            or store.stale_sending(conn, workspace_id, now - SEND_LEASE, limit=1)
        )
