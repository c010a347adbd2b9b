"""Teams, rules applied as items enter, giving items to a team, metrics per team."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lyssna.core.errors import ConflictError, NotFoundError, UserError
from lyssna.inbox import service, teams
from lyssna.inbox.metrics import response_metrics
from tests.inbox.conftest import ingest_chat

MORE = [
    {"id": "f1", "text": "Nordbank, miksi lasku on niin suuri?", "author": "aino", "lang": "fi"},
    {"id": "s1", "text": "Varför är fakturan så hög hos Nordbank?", "author": "eva", "lang": "sv"},
]


def items(chat) -> dict[str, service.ItemView]:
    return {v.mention.external_id: v for v in service.list_items(chat.engine, chat.ws)}


def test_teams_and_members(chat):
    team = teams.add_team(chat.engine, chat.ws, " Kundservice ", ["kari@example.no"])
    assert team.name == "Kundservice"
    with pytest.raises(ConflictError, match="already exists"):
        teams.add_team(chat.engine, chat.ws, "Kundservice")
    with pytest.raises(UserError, match="not a member"):
        teams.set_membership(chat.engine, chat.ws, "Kundservice", "x@example.no", member=True)
    teams.set_membership(chat.engine, chat.ws, "kundservice", "lars@example.no", member=True)
    (view,) = teams.list_teams(chat.engine, chat.ws)
    assert view.members == ["kari@example.no", "lars@example.no"]
    with pytest.raises(NotFoundError, match="no team named 'Sales'"):
        teams.remove_team(chat.engine, chat.ws, "Sales")


def test_rules_route_entering_items(chat):
    teams.add_team(chat.engine, chat.ws, "Suomi", ["anna@example.no"])
    teams.add_team(chat.engine, chat.ws, "Kundservice", ["kari@example.no"])
    finnish = teams.add_rule(chat.engine, chat.ws, lang="fi", team="Suomi")
    brand = teams.add_rule(chat.engine, chat.ws, topic="Nordbank", team="Kundservice",
                           assignee="kari@example.no")  # fmt: skip
    assert finnish.describe() == "language fi -> team Suomi"
    assert brand.describe() == "topic Nordbank -> team Kundservice and kari@example.no"
    ingest_chat(chat.ctx, MORE)
    service.sync(chat.engine, chat.ws)
    found = items(chat)
    assert (found["f1"].team, found["f1"].assignee, found["f1"].item.status) == (
        "Suomi", None, "new",
    )  # fmt: skip
    assert (found["s1"].team, found["s1"].assignee, found["s1"].item.status) == (
        "Kundservice", "kari@example.no", "assigned",
    )  # fmt: skip
    history = service.open_item(chat.engine, chat.ws, found["s1"].item.id).activity
    assert [(a.action, a.detail) for a in history] == [
        ("team", "Kundservice (rule 2)"),
        ("assigned", "kari@example.no (rule 2)"),
    ]
    # The item that was there before the rules keeps no team.
    assert found["q1"].team is None
    # "My teams": Anna's team has the Finnish item.
    suomi = teams.teams_of(chat.engine, chat.ws, _id(chat, "anna"))
    mine = service.list_items(chat.engine, chat.ws, team_ids=tuple(t.id for t in suomi))
    assert [v.mention.external_id for v in mine] == ["f1"]


def _id(chat, name: str) -> int:
    from lyssna.storage import accounts

    with chat.engine.connect() as conn:
        return accounts.user_by_email(conn, f"{name}@example.no").id


def test_rules_are_checked_when_made(chat):
    with pytest.raises(UserError, match="a team .* a person .* or both"):
        teams.add_rule(chat.engine, chat.ws, lang="sv")
    with pytest.raises(UserError, match="unknown channel 'myspace'"):
        teams.add_rule(chat.engine, chat.ws, channel="myspace", assignee="kari@example.no")
    with pytest.raises(UserError, match="not a two-letter"):
        teams.add_rule(chat.engine, chat.ws, lang="svenska", assignee="kari@example.no")
    with pytest.raises(UserError, match="no topic named 'Kort'"):
        teams.add_rule(chat.engine, chat.ws, topic="Kort", assignee="kari@example.no")
    from lyssna.strategy import check_text

    strategy, problems = check_text(
        "company:\n  name: N\npurpose: Help.\nteam:\n  roles:\n    service: [Anna]\n"
        "channels:\n  mastodon:\n    present: true\n    purpose: Answers.\n"
        "    answer: [service]\n"
    )
    assert problems == []
    with pytest.raises(UserError, match="items cannot go to kari@example.no: the strategy says"):
        teams.add_rule(chat.engine, chat.ws, channel="mastodon", assignee="kari@example.no",
                       strategy=strategy)  # fmt: skip
    ok = teams.add_rule(chat.engine, chat.ws, channel="mastodon", assignee="anna@example.no",
                        strategy=strategy)  # fmt: skip
    teams.remove_rule(chat.engine, chat.ws, ok.rule.id)
    assert teams.list_rules(chat.engine, chat.ws) == []


def test_give_to_a_team_by_hand_and_metrics_per_team(chat, platform):
    teams.add_team(chat.engine, chat.ws, "Kundservice", ["kari@example.no"])
    item = items(chat)["q1"].item
    done = teams.give_to_team(chat.engine, chat.ws, item.id, "Kundservice",
                              seen_version=item.version, by="lars@example.no")  # fmt: skip
    assert done.team_id is not None and done.version == item.version + 1
    with pytest.raises(ConflictError):
        teams.give_to_team(chat.engine, chat.ws, item.id, None, seen_version=item.version)
    from lyssna.inbox import replies

    chat.send(replies.write(chat.engine, chat.ws, item.id, "Hej!", by="kari@example.no").id)
    report = response_metrics(chat.engine, chat.ws, since=datetime(2026, 11, 1, tzinfo=UTC))
    assert set(report.by_team) == {"Kundservice"}
    assert report.by_team["Kundservice"].items == 1
    assert report.by_team["Kundservice"].answered == 1
    # Removing the team leaves the item without one.
    teams.remove_team(chat.engine, chat.ws, "Kundservice")
    assert items(chat)["q1"].team is None
