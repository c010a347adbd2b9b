"""Teams and assignment rules: who gets an item when it enters the inbox.

A team is a name and its members (customer service, communications...). A rule sends items on a
channel, in a language and/or matching a topic to a team, a person, or both; the first rule that
fits an entering item wins, and what it did is in the item's history. Items can also be given to
a team by hand. The strategy still decides who may answer on a channel: a rule naming a person
the strategy does not name for its channel is refused when it is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from lyssna.core.clock import utcnow
from lyssna.core.errors import NotFoundError, UserError
from lyssna.inbox.answerers import may_answer
from lyssna.storage import accounts
from lyssna.storage import inbox as item_store
from lyssna.storage import inbox_teams as store
from lyssna.storage import topics as topic_store
from lyssna.storage.database import write_transaction
from lyssna.storage.inbox_teams import Rule, Team
from lyssna.storage.schema import mention_topics
from lyssna.storage.search import StoredMention
from lyssna.strategy.schema import KNOWN_CHANNELS, Strategy


@dataclass(frozen=True, slots=True)
class TeamView:
    team: Team
    members: list[str]  # emails


@dataclass(frozen=True, slots=True)
class RuleView:
    rule: Rule
    topic: str | None
    team: str | None
    assignee: str | None  # email

    def describe(self) -> str:
        when = [
            f"channel {self.rule.channel}" if self.rule.channel else "",
            f"language {self.rule.lang}" if self.rule.lang else "",
            f"topic {self.topic}" if self.topic else "",
        ]
        to = [f"team {self.team}" if self.team else "", self.assignee or ""]
        return (
            f"{' and '.join(w for w in when if w) or 'every item'} -> "
            f"{' and '.join(t for t in to if t)}"
        )


def _member_id(conn: Connection, workspace_id: int, email: str) -> int:
    wanted = email.strip().lower()
    for member in accounts.members_of(conn, workspace_id):
        if member.user.email == wanted:
            return member.user.id
    raise UserError(f"{email} is not a member of this workspace")


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise UserError("a team name is 1 to 100 characters")
    return name


# --- teams ------------------------------------------------------------------------------------


def list_teams(engine: Engine, workspace_id: int) -> list[TeamView]:
    with engine.connect() as conn:
        emails = {m.user.id: m.user.email for m in accounts.members_of(conn, workspace_id)}
        return [
            TeamView(t, sorted(emails[u] for u in t.member_ids if u in emails))
            for t in store.teams(conn, workspace_id)
        ]


def add_team(engine: Engine, workspace_id: int, name: str, members: Iterable[str] = ()) -> Team:
    with write_transaction(engine) as conn:
        team = store.add_team(conn, workspace_id, _name(name))
        for email in members:
            store.add_member(conn, team.id, _member_id(conn, workspace_id, email))
        return store.team_by_id(conn, workspace_id, team.id)


def remove_team(engine: Engine, workspace_id: int, name: str) -> None:
    """Remove a team; its items keep their assignees, its rules go with it."""
    with write_transaction(engine) as conn:
        store.remove_team(conn, workspace_id, store.team_by_name(conn, workspace_id, name).id)


def set_membership(
    engine: Engine, workspace_id: int, name: str, email: str, *, member: bool
) -> Team:
    with write_transaction(engine) as conn:
        team = store.team_by_name(conn, workspace_id, name)
        user_id = _member_id(conn, workspace_id, email)
        if member:
            store.add_member(conn, team.id, user_id)
        else:
            store.remove_member(conn, team.id, user_id)
        return store.team_by_id(conn, workspace_id, team.id)


def teams_of(engine: Engine, workspace_id: int, user_id: int) -> list[Team]:
    with engine.connect() as conn:
        return [t for t in store.teams(conn, workspace_id) if user_id in t.member_ids]


def give_to_team(
    engine: Engine,
    workspace_id: int,
    item_id: int,
    team: str | None,
    *,
    seen_version: int,
    by: str | None = None,
) -> item_store.Item:
    """Give the item to a team (None: to no team); its assignee stays."""
    with write_transaction(engine) as conn:
        item_store.get(conn, workspace_id, item_id)  # NotFoundError: no such item
        try:
            team_id = store.team_by_name(conn, workspace_id, team).id if team else None
        except NotFoundError as exc:  # a stale form: the team was removed
            raise UserError(str(exc)) from None
        by_id = accounts.user_by_email(conn, by).id if by else None
        now = utcnow()
        item = item_store.change(
            conn, workspace_id, item_id, seen_version, team_id=team_id, updated_at=now
        )
        item_store.record(conn, item_id, by_id, "team", team or "no team", now)
        return item


# --- rules ------------------------------------------------------------------------------------


def _rule_views(conn: Connection, workspace_id: int, rules: list[Rule]) -> list[RuleView]:
    topics = {t.id: t.name for t in topic_store.list_all(conn, workspace_id)}
    teams = {t.id: t.name for t in store.teams(conn, workspace_id)}
    emails = {m.user.id: m.user.email for m in accounts.members_of(conn, workspace_id)}
    return [
        RuleView(
            r,
            topics.get(r.topic_id) if r.topic_id else None,
            teams.get(r.team_id) if r.team_id else None,
            emails.get(r.assignee_id) if r.assignee_id else None,
        )
        for r in rules
    ]


def list_rules(engine: Engine, workspace_id: int) -> list[RuleView]:
    with engine.connect() as conn:
        return _rule_views(conn, workspace_id, store.rules(conn, workspace_id))


def add_rule(
    engine: Engine,
    workspace_id: int,
    *,
    channel: str | None = None,
    lang: str | None = None,
    topic: str | None = None,
    team: str | None = None,
    assignee: str | None = None,
    strategy: Strategy | None = None,
) -> RuleView:
    """A rule for entering items; it goes last (the first rule that fits wins)."""
    if team is None and assignee is None:
        raise UserError("a rule gives items to a team (--team), a person (--to), or both")
    channel = channel.strip().lower() if channel else None
    if channel and channel not in KNOWN_CHANNELS:
        raise UserError(f"unknown channel {channel!r}: use one of {', '.join(KNOWN_CHANNELS)}")
    lang = lang.strip().lower() if lang else None
    if lang and (len(lang) != 2 or not lang.isalpha()):
        raise UserError(f"{lang!r} is not a two-letter language code such as sv, nb, da, fi, en")
    with write_transaction(engine) as conn:
        topic_id = None
        if topic:
            found = next(
                (t for t in topic_store.list_all(conn, workspace_id) if t.name == topic), None
            )
            if found is None:
                raise UserError(f"no topic named {topic!r}: see `lyssna topics list`")
            topic_id = found.id
        team_id = store.team_by_name(conn, workspace_id, team).id if team else None
        assignee_id = _member_id(conn, workspace_id, assignee) if assignee else None
        if assignee_id is not None and strategy is not None:
            user = accounts.user_by_id(conn, assignee_id)
            assert user is not None
            for where in [channel] if channel else strategy.present_channels():
                verdict = may_answer(strategy, where, name=user.name, email=user.email)
                if not verdict.allowed:
                    raise UserError(f"items cannot go to {assignee}: {verdict.reason}")
        rule = store.add_rule(
            conn, workspace_id, channel=channel, lang=lang, topic_id=topic_id, team_id=team_id,
            assignee_id=assignee_id,
        )  # fmt: skip
        return _rule_views(conn, workspace_id, [rule])[0]


def remove_rule(engine: Engine, workspace_id: int, rule_id: int) -> None:
    with write_transaction(engine) as conn:
        store.remove_rule(conn, workspace_id, rule_id)


# --- applying rules as items enter ------------------------------------------------------------


def route(conn: Connection, workspace_id: int, entering: list[StoredMention]) -> dict[int, Rule]:
    """mention id -> the first rule that fits it, for the mentions entering the inbox."""
    rules = store.rules(conn, workspace_id)
    if not rules or not entering:
        return {}
    topics: dict[int, set[int]] = {m.id: set() for m in entering}
    if any(r.topic_id is not None for r in rules):
        ids = list(topics)
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(mention_topics.c.mention_id, mention_topics.c.topic_id).where(
                    mention_topics.c.mention_id.in_(ids[start : start + 500])
                )
            )
            for row in rows:
                topics[row.mention_id].add(row.topic_id)
    chosen = {}
    for m in entering:
        rule = next((r for r in rules if r.matches(m.channel, m.lang, topics[m.id])), None)
        if rule is not None:
            chosen[m.id] = rule
    return chosen


@dataclass(frozen=True, slots=True)
class Names:
    emails: dict[int, str]  # user id -> email
    teams: dict[int, str]  # team id -> name

    @classmethod
    def of(cls, conn: Connection, workspace_id: int) -> Names:
        return cls(
            {m.user.id: m.user.email for m in accounts.members_of(conn, workspace_id)},
            {t.id: t.name for t in store.teams(conn, workspace_id)},
        )


def record_routing(conn: Connection, item_id: int, rule: Rule, at: datetime, names: Names) -> None:
    """What a rule did to an entering item, in its history (by nobody: by the rule)."""
    why = f"(rule {rule.position})"
    if rule.team_id is not None:
        team = names.teams.get(rule.team_id, "?")
        item_store.record(conn, item_id, None, "team", f"{team} {why}", at)
    if rule.assignee_id is not None:
        email = names.emails.get(rule.assignee_id, "?")
        item_store.record(conn, item_id, None, "assigned", f"{email} {why}", at)
