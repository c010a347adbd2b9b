"""Goals and "where are our customers" on a small workspace whose figures are known by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lyssna import listening
from lyssna.core.errors import UserError
from lyssna.strategy import check_text
from lyssna.strategy.channels import where_are_customers
from lyssna.strategy.report import build_report, parse_period
from lyssna.workspace import WorkspaceContext

from .conftest import NOW, STRATEGY, WEEK, strategy


def test_goals_against_known_figures(filled: WorkspaceContext) -> None:
    report = build_report(filled, strategy(), WEEK, now=NOW)
    assert report.brand_topic == "Acme" and report.competitor_topics == ("Rival",)
    by_name = {r.goal.name: r for r in report.results}

    net = by_name["Net"]  # (3 - 1) / 6 this week, (1 - 1) / 2 the week before
    assert net.status == "green"
    assert net.current == pytest.approx(100 * 2 / 6) and net.previous == pytest.approx(0)
    assert net.trend == pytest.approx(100 * 2 / 6) and net.improving is True

    negative = by_name["Negative"]  # 1 of 6, target at most 10 (+5 amber): red
    assert negative.at_most and negative.status == "red"
    assert negative.current == pytest.approx(100 / 6)
    assert negative.improving is True  # down from 50%

    share = by_name["Share"]  # 6 of 8 = 75%, target 80, amber within 5 points
    assert share.status == "amber" and share.current == pytest.approx(75.0)
    assert share.previous == pytest.approx(50.0)

    assert by_name["Volume"].status == "green" and by_name["Volume"].current == 6
    per_day = by_name["Volume per day"]  # 2 a day is 14 a week
    assert per_day.target == pytest.approx(14) and per_day.status == "red"

    fast, posts = by_name["Fast"], by_name["Posts"]
    # Measured from the inbox now; this workspace has no answered items.
    assert fast.status == "no data" and "no answered inbox items" in fast.note
    assert posts.status == "not measured" and "needs publishing" in posts.note
    assert fast.current is None and fast.trend is None


def test_crisis_triggers_against_the_worst_hour(filled: WorkspaceContext) -> None:
    parsed, found = check_text(
        STRATEGY
        + "crisis:\n"
        + "  triggers: {negative_per_hour_above: 1, mentions_per_hour_above: 1,"
        + " net_sentiment_below: -50}\n"
        + "  decides: [Anna Berg]\n"
        + "  update_every: 1h\n"
    )
    assert found == [] and parsed is not None
    checks = build_report(filled, parsed, WEEK, now=NOW).crisis
    negative, volume, net = checks
    assert negative.peak == 1 and not negative.fired  # one negative Acme mention an hour at most
    # c2 and c3 came in the same hour, 12:00 UTC, 13:00 in the workspace's Stockholm time
    assert volume.peak == 2 and volume.fired and volume.peak_hour == "2026-11-18 13:00"
    assert net.peak is None and not net.fired  # no hour with enough mentions to judge


def test_goals_without_data(workspace: WorkspaceContext) -> None:
    listening.add_topic(workspace, "Acme", "acme", "brand")
    listening.add_topic(workspace, "Rival", "rival", "competitor")
    report = build_report(workspace, strategy(), WEEK, now=NOW)
    statuses = {r.goal.name: r.status for r in report.results}
    assert statuses["Net"] == "no data" and statuses["Volume"] == "red"


def test_missing_brand_topic_is_a_user_error(workspace: WorkspaceContext) -> None:
    with pytest.raises(UserError, match="company.brand_topic names 'Acme'"):
        build_report(workspace, strategy(), WEEK, now=NOW)


def test_where_are_our_customers(filled: WorkspaceContext) -> None:
    report = where_are_customers(filled, strategy(), WEEK, now=NOW)
    assert report.total == 8 and report.previous_total == 4
    rows = {r.channel: r for r in report.channels}
    assert [r.channel for r in report.channels][:3] == ["x", "facebook", "reddit"]

    x = rows["x"]  # 5 of 8 this week, 2 the week before; the company left x
    assert x.mentions == 5 and x.share == pytest.approx(5 / 8)
    assert x.growth == pytest.approx(1.5) and x.net_sentiment == pytest.approx(1 / 5)
    assert x.presence == "not present" and x.recommendation == "be present"
    assert "Not for us" in x.reason

    facebook = rows["facebook"]  # 2 now, 2 before: present, keep
    assert (facebook.mentions, facebook.previous, facebook.growth) == (2, 2, 0.0)
    assert facebook.presence == "present" and facebook.recommendation == "keep"

    reddit = rows["reddit"]
    assert reddit.presence == "not in strategy" and reddit.recommendation == "be present"
    assert reddit.growth is None

    linkedin = rows["linkedin"]  # present, but nobody talks there
    assert linkedin.mentions == 0 and linkedin.recommendation == "reconsider"

    langs = {r.lang: r for r in report.languages}
    assert langs["sv"].mentions == 5 and langs["sv"].covered
    assert langs["en"].mentions == 3 and not langs["en"].covered


def test_parse_period() -> None:
    assert parse_period("7d") == WEEK and parse_period("2w") == 2 * WEEK
    assert parse_period("24h") == timedelta(hours=24)
    for bad in ("0d", "week", "7", "-3d"):
        with pytest.raises(UserError):
            parse_period(bad)
