"""Inbox teams (a name and its members) and assignment rules. The caller owns the transaction.

A rule says: items on this channel, in this language, matching this topic go to this team
and/or person. Rules are tried in `position` order when an item enters; the first that fits wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from lyssna.core.clock import utcnow
from lyssna.core.errors import ConflictError, NotFoundError
from lyssna.storage.schema import UTCDateTime, metadata

inbox_teams = Table(
    "inbox_teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

inbox_team_members = Table(
    "inbox_team_members",
    metadata,
    Column("team_id", ForeignKey("inbox_teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

inbox_rules = Table(
    "inbox_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    # What the rule matches; None matches anything.
    Column("channel", String(64), nullable=True),
    Column("lang", String(8), nullable=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), nullable=True),
    # Where matching items go: a team, a person, or both.
    Column("team_id", ForeignKey("inbox_teams.id", ondelete="CASCADE"), nullable=True),
    Column("assignee_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "workspace_id", "position"),
)


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    position: int
    channel: str | None
    lang: str | None
    topic_id: int | None
    team_id: int | None
    assignee_id: int | None
    created_at: datetime

    def matches(self, channel: str, lang: str | None, topic_ids: set[int]) -> bool:
        if self.channel is not None and self.channel != channel:
            return False
        if self.lang is not None and (lang or "").split("-")[0] != self.lang:
            return False
        return self.topic_id is None or self.topic_id in topic_ids


def add_team(conn: Connection, workspace_id: int, name: str) -> Team:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(inbox_teams).values(
                    workspace_id=workspace_id, name=name, created_at=utcnow()
                )
            )
    except IntegrityError:
        raise ConflictError(f"a team named {name!r} already exists") from None
    return team_by_name(conn, workspace_id, name)


def teams(conn: Connection, workspace_id: int) -> list[Team]:
    rows = conn.execute(
        select(inbox_teams.c.id, inbox_teams.c.name)
        .where(inbox_teams.c.workspace_id == workspace_id)
        .order_by(inbox_teams.c.name)
    ).all()
    members: dict[int, list[int]] = {r.id: [] for r in rows}
    if rows:
        for m in conn.execute(
            select(inbox_team_members).where(inbox_team_members.c.team_id.in_(list(members)))
        ):
            members[m.team_id].append(m.user_id)
    return [Team(r.id, r.name, tuple(sorted(members[r.id]))) for r in rows]


def team_by_name(conn: Connection, workspace_id: int, name: str) -> Team:
    for team in teams(conn, workspace_id):
        if team.name.lower() == name.strip().lower():
            return team
    raise NotFoundError(f"no team named {name!r}: see `lyssna inbox teams list`")


def team_by_id(conn: Connection, workspace_id: int, team_id: int) -> Team:
    for team in teams(conn, workspace_id):
        if team.id == team_id:
            return team
    raise NotFoundError(f"no team {team_id} in this workspace")


def remove_team(conn: Connection, workspace_id: int, team_id: int) -> None:
    from lyssna.storage.inbox import inbox_items

    conn.execute(
        update(inbox_items)
        .where(inbox_items.c.workspace_id == workspace_id, inbox_items.c.team_id == team_id)
        .values(team_id=None)
    )
    conn.execute(
        delete(inbox_teams).where(
            inbox_teams.c.id == team_id, inbox_teams.c.workspace_id == workspace_id
        )
    )


def add_member(conn: Connection, team_id: int, user_id: int) -> None:
    found = conn.execute(
        select(inbox_team_members).where(
            inbox_team_members.c.team_id == team_id, inbox_team_members.c.user_id == user_id
        )
    ).first()
    if found is None:
        conn.execute(insert(inbox_team_members).values(team_id=team_id, user_id=user_id))


def remove_member(conn: Connection, team_id: int, user_id: int) -> None:
    conn.execute(
        delete(inbox_team_members).where(
            inbox_team_members.c.team_id == team_id, inbox_team_members.c.user_id == user_id
        )
    )


def add_rule(
    conn: Connection,
    workspace_id: int,
    *,
    channel: str | None,
    lang: str | None,
    topic_id: int | None,
    team_id: int | None,
    assignee_id: int | None,
) -> Rule:
    last = conn.execute(
        select(func.max(inbox_rules.c.position)).where(inbox_rules.c.workspace_id == workspace_id)
    ).scalar()
    done = conn.execute(
        insert(inbox_rules).values(
            workspace_id=workspace_id,
            position=int(last or 0) + 1,
            channel=channel,
            lang=lang,
            topic_id=topic_id,
            team_id=team_id,
            assignee_id=assignee_id,
            created_at=utcnow(),
        )
    )
    rule_id = int(done.inserted_primary_key[0])  # type: ignore[index]
    return next(r for r in rules(conn, workspace_id) if r.id == rule_id)


def rules(conn: Connection, workspace_id: int) -> list[Rule]:
    rows = conn.execute(
        select(inbox_rules)
        .where(inbox_rules.c.workspace_id == workspace_id)
        .order_by(inbox_rules.c.position, inbox_rules.c.id)
    )
    return [
        Rule(
            r.id, r.position, r.channel, r.lang, r.topic_id, r.team_id, r.assignee_id, r.created_at
        )
        for r in rows
    ]


def remove_rule(conn: Connection, workspace_id: int, rule_id: int) -> None:
    done = conn.execute(
        delete(inbox_rules).where(
            inbox_rules.c.id == rule_id, inbox_rules.c.workspace_id == workspace_id
        )
    )
    if done.rowcount == 0:
        raise NotFoundError(f"no assignment rule {rule_id} in this workspace")
