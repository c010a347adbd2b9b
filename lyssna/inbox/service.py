"""Inbox operations for the CLI, the web app and the API: fill it from the event outbox, list,
open an item in its conversation, assign, change status, add notes. Every change is recorded
(who, what, when) and names the item version it saw, so two people cannot overwrite each other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.inbox import teams
from lyssna.inbox.answerers import may_answer
from lyssna.inbox.replies import ReplyView, reply_views
from lyssna.inbox.triage import Decision, Facts, triage
from lyssna.query import parse
from lyssna.query.parser import Not, Query, Term
from lyssna.query.tokens import TokenKind
from lyssna.storage import accounts, events
from lyssna.storage import inbox as store
from lyssna.storage import inbox_replies as reply_store
from lyssna.storage import inbox_teams as team_store
from lyssna.storage import topics as topic_store
from lyssna.storage.database import write_transaction
from lyssna.storage.schema import mention_topics
from lyssna.storage.search import StoredMention, by_external_id, mentions_by_id, replies_to
from lyssna.strategy.schema import Strategy

_EVENT_PAGE = 2000
# An author writing again within this long of their open item adds to it; later, it is a new
# matter with its own item (and its own response time).
SAME_MATTER = timedelta(days=7)


def _mention_terms(node: Any) -> Iterator[str]:
    """@handles a query asks for positively (not under NOT)."""
    if isinstance(node, Term):
        if node.kind == TokenKind.MENTION and not node.prefix:
            yield node.text
        return
    if isinstance(node, Not):
        return
    if dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for child in value if isinstance(value, tuple) else (value,):
                if dataclasses.is_dataclass(child):
                    yield from _mention_terms(child)


def company_handles(conn: Connection, workspace_id: int) -> frozenset[str]:
    """The company's own handles: the @handles its brand topics listen for."""
    handles: set[str] = set()
    for topic in topic_store.list_all(conn, workspace_id):
        if topic.kind == "brand":
            query: Query = parse(topic.query)
            handles.update(h.lower() for h in _mention_terms(query.root))
    return frozenset(handles)


def _facts(m: StoredMention, about_us: bool) -> Facts:
    return Facts(
        text=m.text,
        sentiment=m.sentiment,
        sentiment_score=m.sentiment_score,
        author_handle=m.author.handle if m.author else None,
        followers=m.author.followers if m.author else None,
        near_duplicate=m.near_duplicate,
        about_us=about_us,
        channel=m.channel,
    )


def _about_us(conn: Connection, workspace_id: int, mention_ids: list[int]) -> set[int] | None:
    """Which of the mentions match a brand topic; None when the workspace has no brand topic
    (then nothing tells, and every mention counts as about the company)."""
    brands = [t.id for t in topic_store.list_all(conn, workspace_id) if t.kind == "brand"]
    if not brands:
        return None
    found: set[int] = set()
    for start in range(0, len(mention_ids), 500):
        rows = conn.execute(
            select(mention_topics.c.mention_id).where(
                mention_topics.c.topic_id.in_(brands),
                mention_topics.c.mention_id.in_(mention_ids[start : start + 500]),
            )
        )
        found.update(r.mention_id for r in rows)
    return found


def sync(engine: Engine, workspace_id: int) -> int:
    """Triage every mention that arrived since the last sync; returns how many entered."""
    with engine.connect() as conn:  # most calls find nothing new: no write lock for them
        if not events.read_after(conn, workspace_id, store.cursor(conn, workspace_id), limit=1):
            return 0
    entered = 0
    while True:
        with write_transaction(engine) as conn:
            after = store.cursor(conn, workspace_id)
            page = events.read_after(conn, workspace_id, after, limit=_EVENT_PAGE)
            if not page:
                return entered
            ids = [e.subject_id for e in page if e.kind == events.MENTION_NEW and e.subject_id]
            handles = company_handles(conn, workspace_id)
            found = mentions_by_id(conn, workspace_id, ids)
            now = utcnow()
            rows: list[dict[str, Any]] = []
            company_replies = []
            ours = _sent_from_inbox(conn, workspace_id, list(found.values()))
            about = _about_us(conn, workspace_id, list(found))
            authors = {m.author.handle for m in found.values() if m.author}
            open_items = store.open_by_author(conn, workspace_id, sorted(authors))
            # An author with an open item who writes again adds to it: one conversation, one
            # item, not a pile of them. The target is the open item, or the mention that
            # opened one earlier in this page.
            follow_ups: list[tuple[store.Item | int, StoredMention, Decision]] = []
            opened: dict[str, StoredMention] = {}
            for mention_id in ids:
                mention = found.get(mention_id)
                if mention is None:
                    continue
                if mention.external_id in ours or (mention.url and mention.url in ours):
                    continue  # a reply sent from the inbox: recorded as a response when sent
                if _is_company_reply(mention, handles):
                    company_replies.append(mention)
                    continue
                about_us = about is None or mention_id in about
                decision = triage(_facts(mention, about_us), handles)
                if not decision.enters:
                    continue
                author = mention.author.handle if mention.author else ""
                earlier = opened.get(author)
                current = open_items.get(author)
                if earlier is not None and _same_matter(earlier.created_at, mention):
                    follow_ups.append((earlier.id, mention, decision))
                elif current is not None and _same_matter(current.created_at, mention):
                    follow_ups.append((current, mention, decision))
                else:
                    if author:
                        opened[author] = mention
                    rows.append(
                        {
                            "workspace_id": workspace_id,
                            "mention_id": mention_id,
                            "status": "new",
                            "priority": decision.priority,
                            "reasons": list(decision.reasons),
                            "author_handle": author or None,
                            "created_at": mention.created_at,
                            "updated_at": now,
                            "version": 1,
                        }
                    )
            routed = teams.route(conn, workspace_id, [found[r["mention_id"]] for r in rows])
            for row in rows:
                rule = routed.get(row["mention_id"])
                row["team_id"] = rule.team_id if rule else None
                row["assignee_id"] = rule.assignee_id if rule else None
                if row["assignee_id"] is not None:
                    row["status"] = "assigned"
            store.add_items(conn, rows)
            if routed:
                names = teams.Names.of(conn, workspace_id)
                for mention_id, rule in routed.items():
                    item = store.item_for_mention(conn, workspace_id, mention_id)
                    if item is not None:
                        teams.record_routing(conn, item.id, rule, now, names)
            # After the items, so an answer in the same page finds the item it answers.
            for reply in company_replies:
                _record_response(conn, workspace_id, reply)
            for target, mention, decision in follow_ups:
                item = (
                    store.item_for_mention(conn, workspace_id, target)
                    if isinstance(target, int)
                    else target
                )
                if item is not None:
                    store.follow_up(conn, item.id, decision.priority, list(decision.reasons), now)
                    store.record(
                        conn, item.id, None, "follow_up", mention.text[:500], mention.created_at
                    )
            store.set_cursor(conn, workspace_id, page[-1].id)
            entered += len(rows)


def _same_matter(opened_at: datetime, mention: StoredMention) -> bool:
    return abs(mention.created_at - opened_at) <= SAME_MATTER


def _sent_from_inbox(conn: Connection, workspace_id: int, found: list[StoredMention]) -> set[str]:
    """Platform ids and links, among these mentions, of replies the inbox sent itself."""
    return reply_store.sent_by_platform_id(
        conn,
        workspace_id,
        [m.external_id for m in found if m.reply_to],
        [m.url for m in found if m.reply_to and m.url],
    )


def _is_company_reply(mention: StoredMention, handles: frozenset[str]) -> bool:
    author = mention.author.handle.lower().lstrip("@") if mention.author else ""
    return bool(mention.reply_to) and author in handles


def _record_response(conn: Connection, workspace_id: int, reply: StoredMention) -> None:
    """The company answered on the platform: the item it answers got its first response."""
    assert reply.reply_to is not None
    parent = by_external_id(conn, workspace_id, reply.channel, reply.reply_to)
    if parent is None:
        return
    item = store.item_for_mention(conn, workspace_id, parent.id)
    if item is None:
        return
    if item.first_response_at is None or reply.created_at < item.first_response_at:
        store.set_first_response(conn, item.id, reply.created_at)
        store.record(conn, item.id, None, "replied", reply.text[:500], reply.created_at)


@dataclass(frozen=True, slots=True)
class ItemView:
    item: store.Item
    mention: StoredMention
    assignee: str | None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    item: ItemView
    parents: list[StoredMention]  # what it answers, oldest first
    replies: list[StoredMention]  # what answered it
    activity: list[store.Activity]
    earlier_from_author: list[ItemView]
    # Replies written in the inbox: sent ones are the company's answers in the thread.
    outgoing: list[ReplyView] = field(default_factory=list)


def _views(conn: Connection, workspace_id: int, items: list[store.Item]) -> list[ItemView]:
    found = mentions_by_id(conn, workspace_id, [i.mention_id for i in items])
    emails: dict[int, str] = {}
    if any(i.assignee_id for i in items):  # one query for all assignees, not one each
        emails = {m.user.id: m.user.email for m in accounts.members_of(conn, workspace_id)}
    team_names = (
        {t.id: t.name for t in team_store.teams(conn, workspace_id)}
        if any(i.team_id for i in items)
        else {}
    )
    return [
        ItemView(
            i,
            found[i.mention_id],
            emails.get(i.assignee_id, "?") if i.assignee_id else None,
            team_names.get(i.team_id) if i.team_id else None,
        )
        for i in items
        if i.mention_id in found
    ]


def list_items(
    engine: Engine,
    workspace_id: int,
    *,
    statuses: tuple[str, ...] = store.OPEN_STATUSES,
    assignee_email: str | None = None,
    unassigned: bool = False,
    team_ids: tuple[int, ...] | None = None,
    oldest_first: bool = False,
    after: store.Position | None = None,
    limit: int = 50,
) -> list[ItemView]:
    with engine.connect() as conn:
        assignee_id = accounts.user_by_email(conn, assignee_email).id if assignee_email else None
        items = store.list_items(
            conn,
            workspace_id,
            statuses=statuses,
            assignee_id=assignee_id,
            unassigned=unassigned,
            team_ids=team_ids,
            oldest_first=oldest_first,
            after=after,
            limit=limit,
        )
        return _views(conn, workspace_id, items)


def cursor_of(item: store.Item) -> str:
    """An item's place in the list, for `after` (keyset pagination): opaque to clients."""
    micros = round(item.created_at.timestamp() * 1_000_000)
    return f"{item.priority}_{micros}_{item.id}"


def position(cursor: str | None) -> store.Position | None:
    """The place a cursor names; UserError when it is not one."""
    if not cursor:
        return None
    try:
        priority, micros, item_id = (int(part) for part in cursor.split("_"))
    except ValueError:
        raise UserError(f"{cursor!r} is not a position in the inbox list") from None
    at = datetime.fromtimestamp(micros / 1_000_000, UTC)
    return store.Position(priority, at, item_id)


def items_by_id(engine: Engine, workspace_id: int, item_ids: list[int]) -> list[ItemView]:
    """These items of the workspace, in the order given (unknown ids are left out)."""
    with engine.connect() as conn:
        found = store.by_ids(conn, workspace_id, item_ids)
        return _views(conn, workspace_id, [found[i] for i in item_ids if i in found])


def open_item(engine: Engine, workspace_id: int, item_id: int) -> Conversation:
    with engine.connect() as conn:
        item = store.get(conn, workspace_id, item_id)
        (view,) = _views(conn, workspace_id, [item])
        parents: list[StoredMention] = []
        current = view.mention
        while current.reply_to and len(parents) < 20:
            parent = by_external_id(conn, workspace_id, current.channel, current.reply_to)
            if parent is None:
                break
            parents.insert(0, parent)
            current = parent
        replies = replies_to(conn, workspace_id, view.mention.channel, view.mention.external_id)
        outgoing = reply_views(conn, reply_store.for_item(conn, item_id))
        # A sent reply the source collected again is shown once, as the inbox's own.
        ours = {o.reply.external_id for o in outgoing} | {o.reply.url for o in outgoing}
        ours.discard(None)
        replies = [r for r in replies if r.external_id not in ours and r.url not in ours]
        earlier: list[ItemView] = []
        if item.author_handle:
            others = store.by_author(conn, workspace_id, item.author_handle, limit=11)
            earlier = [o for o in _views(conn, workspace_id, others) if o.item.id != item_id][:10]
        return Conversation(
            view, parents, replies, store.activity(conn, item_id), earlier, outgoing
        )


def _channel_of(conn: Connection, workspace_id: int, item_id: int) -> str:
    item = store.get(conn, workspace_id, item_id)
    return mentions_by_id(conn, workspace_id, [item.mention_id])[item.mention_id].channel


def _user_id(conn: Connection, email: str | None) -> int | None:
    return accounts.user_by_email(conn, email).id if email else None


def assign(
    engine: Engine,
    workspace_id: int,
    item_id: int,
    assignee_email: str | None,
    *,
    seen_version: int,
    by: str | None = None,
    strategy: Strategy | None = None,
) -> store.Item:
    """Give the item to a person (None: back to nobody).

    With the workspace's `strategy`, only the people it names for the item's channel may get it.
    """
    with write_transaction(engine) as conn:
        assignee = _user_id(conn, assignee_email)
        member = next(
            (m for m in accounts.members_of(conn, workspace_id) if m.user.id == assignee), None
        )
        if assignee is not None and member is None:
            raise UserError(f"{assignee_email} is not a member of this workspace")
        if member is not None and strategy is not None:
            channel = _channel_of(conn, workspace_id, item_id)
            verdict = may_answer(strategy, channel, name=member.user.name, email=member.user.email)
            if not verdict.allowed:
                raise UserError(f"cannot give this item to {assignee_email}: {verdict.reason}")
        now = utcnow()
        current = store.get(conn, workspace_id, item_id)
        status = current.status
        if status == "new" and assignee is not None:
            status = "assigned"
        item = store.change(
            conn,
            workspace_id,
            item_id,
            seen_version,
            assignee_id=assignee,
            status=status,
            updated_at=now,
        )
        store.record(conn, item_id, _user_id(conn, by), "assigned", assignee_email or "nobody", now)
        return item


def set_status(
    engine: Engine,
    workspace_id: int,
    item_id: int,
    status: str,
    *,
    seen_version: int,
    by: str | None = None,
) -> store.Item:
    if status not in store.STATUSES:
        raise UserError(f"unknown status {status!r}: use {', '.join(store.STATUSES)}")
    with write_transaction(engine) as conn:
        now = utcnow()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        values["resolved_at"] = now if status in ("resolved", "spam") else None
        item = store.change(conn, workspace_id, item_id, seen_version, **values)
        store.record(conn, item_id, _user_id(conn, by), "status", status, now)
        return item


def add_note(
    engine: Engine, workspace_id: int, item_id: int, text: str, *, by: str | None = None
) -> None:
    """An internal note for colleagues (never sent to the customer)."""
    text = text.strip()
    if not text:
        raise UserError("a note needs some text")
    with write_transaction(engine) as conn:
        store.get(conn, workspace_id, item_id)
        store.record(conn, item_id, _user_id(conn, by), "note", text, utcnow())
