"""The strategy report's notes, crisis triggers, reasons, profile check and error, and the text
check's flags carry a message id and the values they mention; the web app says them in the user's
language (lyssna/web/i18n/strategy_messages.<language>.json), and English says what the CLI says."""

from __future__ import annotations

import json
import re
import string
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args

import pytest

from lyssna.core.records import MessageParams, Topic
from lyssna.storage import accounts
from lyssna.storage import topics as topic_store
from lyssna.storage.database import write_transaction
from lyssna.storage.search import Counts
from lyssna.strategy import check_text, strategy_path
from lyssna.strategy.channels import ReasonCode, recommend
from lyssna.strategy.profiles import ItemCode, ProfileItem, check_profile, check_profiles
from lyssna.strategy.report import (
    NoteCode,
    ReportError,
    ReportErrorCode,
    TriggerCode,
    _crisis_checks,
    _Figures,
    choose_topics,
    evaluate_goal,
)
from lyssna.strategy.schema import Goal, Profile, Strategy
from lyssna.strategy.textcheck import ReasonCode as FlagCode
from lyssna.strategy.textcheck import lint
from lyssna.web.i18n import Translator
from lyssna.web.routes.strategy import profile_item
from tests.web.conftest import csrf_of, signed_in
from tests.web.test_strategy_pages import VALID

LANGUAGES = ("en", "sv", "nb", "da", "fi")
I18N = Path(__file__).parents[2] / "lyssna" / "web" / "i18n"
WEEK = timedelta(days=7)
# The key prefix of each kind of message, and every message id the library can emit for it.
PREFIXES: dict[str, tuple[str, ...]] = {
    "strategy_note": get_args(NoteCode),
    "strategy_trigger": get_args(TriggerCode),
    "strategy_reason": get_args(ReasonCode),
    "text_check": get_args(FlagCode),
    "strategy_profile": get_args(ItemCode),
    "strategy_report_error": get_args(ReportErrorCode),
}


def _notes() -> list[tuple[str, MessageParams, str]]:
    def goal(metric: str, **extra: Any) -> Goal:
        return Goal(name="g", metric=metric, target=extra.pop("target", 20), **extra)

    def figures(**counts: int) -> _Figures:
        competitors = counts.pop("competitors", 0)
        responses = {None: (1.5, 1234), "x": (2.25, 3)}
        return _Figures(Counts(**counts), competitors, responses)

    none = _Figures(Counts(), 0, {})
    busy = figures(total=1234, positive=700, negative=150, competitors=4321)
    results = [
        evaluate_goal(goal("posts_per_week", target=3), WEEK, busy, busy),
        evaluate_goal(goal("first_response_time", target=2), WEEK, none, none),
        evaluate_goal(goal("first_response_time", target=2, channel="x"), WEEK, none, none),
        evaluate_goal(goal("first_response_time", target=2), WEEK, busy, busy),
        evaluate_goal(goal("first_response_time", target=2, channel="x"), WEEK, busy, busy),
        evaluate_goal(goal("mention_volume", target=100), WEEK, busy, none),
        evaluate_goal(goal("net_sentiment"), WEEK, none, none),
        evaluate_goal(goal("share_of_voice", target=30), WEEK, busy, none),
        evaluate_goal(goal("negative_share", target=10), WEEK, busy, none),
        evaluate_goal(goal("net_sentiment"), WEEK, busy, none),
    ]
    return [(r.note_code, r.note_params, r.note) for r in results]


def _triggers() -> list[tuple[str, MessageParams, str]]:
    strategy, problems = check_text(
        "version: 1\ncompany: {name: Acme}\npurpose: Answer our customers.\n"
        "team: {roles: {community: [Sara Lindqvist]}}\n"
        "crisis:\n"
        "  triggers: {negative_per_hour_above: 40, mentions_per_hour_above: 1200,"
        " net_sentiment_below: -20}\n"
        "  decides: [community]\n"
        "  update_every: 1h\n"
    )
    assert strategy is not None, problems
    hourly: dict[str | None, Counts] = {"2026-11-18 13:00": Counts(20, 12, 6, 2)}
    return [(c.trigger_code, c.trigger_params, c.trigger) for c in _crisis_checks(strategy, hourly)]


def _reasons() -> list[tuple[str, MessageParams, str]]:
    decided = "Our customers moved on. We said so in 2024"
    cases = [
        ("linkedin", "present", 0.0, None, None, None),
        ("linkedin", "present", 0.015, 0.1, None, None),
        ("x", "present", 0.2, 0.1, -0.42, None),
        ("x", "present", 0.2, 0.1, 0.1, None),
        ("x", "present", 0.2, 0.75, 0.1, None),
        ("x", "not present", 0.2, None, None, None),
        ("x", "not present", 0.06, 1.5, None, None),
        ("x", "not present", 0.2, 0.1, None, decided),
        ("x", "not present", 0.06, 1.5, None, decided),
        ("reddit", "not in strategy", 0.125, None, None, None),
        ("reddit", "not in strategy", 0.08, 2.0, None, None),
        ("x", "not present", 0.03, 0.1, None, decided),
        ("x", "not present", 0.0, None, None, decided),
        ("reddit", "not in strategy", 0.04, None, None, None),
        ("reddit", "not in strategy", 0.0, None, None, None),
    ]
    advice = [recommend(*case) for case in cases]
    return [(a.code, a.params, a.reason) for a in advice]


def _flags() -> list[tuple[str, MessageParams, str]]:
    flags = [
        *lint("Köp nu! Marknadens bästa pris!!", lang="sv"),
        *lint("Läs mer på vår sida, boka ett möte och följ oss här.", lang="sv"),
        *lint("Hej! Nu! Äntligen! GRATIS frakt, billigt.", lang="sv", avoid=["billigt"]),
        *lint("Fakturan? Vi hör av oss.", lang="sv", question="När kommer fakturan?"),
        *lint("Tack för frågan.", lang="sv", question="Vad kostar elavtalet?"),
    ]
    return [(f.reason_code, f.reason_params, f.reason) for f in flags]


ADVERT = "KÖP NU!! Marknadens bästa elavtal, boka ett möte och läs mer."


def _profile_items() -> list[ProfileItem]:
    site = "https://www.acme.example"
    profiles = [
        Profile(
            description="We answer your questions on weekdays.",
            person="Sara Lindqvist",
            interests=["energy", "fibre"],
            website="https://acme.example/kontakt",
            photo="profiles/x.jpg",
        ),
        Profile(description=ADVERT, person="Kundtjänst", website="ftp://acme.example"),
        Profile(person="Sara", website="https://elsewhere.example/om-oss"),
        Profile(),
    ]
    items = [item for profile in profiles for item in check_profile(profile, site)]
    strategy, problems = check_text(
        "version: 1\ncompany: {name: Acme}\npurpose: Answer our customers.\n"
        "channels: {x: {present: true}}\n"
    )
    assert strategy is not None, problems
    items += [item for v in check_profiles(strategy) for item in v.items]
    return items


def _strategy(company: str) -> Strategy:
    strategy, problems = check_text(
        f"version: 1\ncompany: {{name: Acme{company}}}\npurpose: Answer our customers.\n"
    )
    assert strategy is not None, problems
    return strategy


def _report_errors() -> list[ReportError]:
    topics = [Topic(1, "Acme", "acme", "brand"), Topic(2, "Rival", "rival", "competitor")]
    errors = []
    for topics_here, company in (
        (topics, ", brand_topic: Acme AB"),
        (topics, ", competitor_topics: [Rival, Nope]"),
        (topics[1:], ""),
    ):
        with pytest.raises(ReportError) as caught:
            choose_topics(topics_here, _strategy(company))
        errors.append(caught.value)
    return errors


def _emitted() -> dict[str, list[tuple[str, MessageParams, str]]]:
    return {
        "strategy_note": _notes(),
        "strategy_trigger": _triggers(),
        "strategy_reason": _reasons(),
        "text_check": _flags(),
        "strategy_profile": [
            (i.message_code, i.message_params, i.message) for i in _profile_items()
        ],
        "strategy_report_error": [(e.code, e.params, e.message) for e in _report_errors()],
    }


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _catalog(language: str) -> dict[str, str]:
    return json.loads((I18N / f"strategy_messages.{language}.json").read_text("utf-8"))


def test_every_message_id_is_emitted_by_a_case_here():
    for prefix, emitted in _emitted().items():
        assert {code for code, _, _ in emitted} == set(PREFIXES[prefix]), prefix


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_id_has_a_template_naming_its_values(language):
    catalog = _catalog(language)
    codes = {f"{prefix}.{code}" for prefix, codes in PREFIXES.items() for code in codes}
    assert set(catalog) == codes
    for prefix, emitted in _emitted().items():
        for code, params, _english in emitted:
            assert _fields(catalog[f"{prefix}.{code}"]) == set(params), (prefix, code)


def test_english_says_what_the_library_says():
    # The web app groups every number's digits (1,200); the CLI's crisis triggers do not.
    def ungrouped(text: str) -> str:
        return re.sub(r"(?<=\d),(?=\d{3})", "", text)

    t = Translator("en")
    for prefix, emitted in _emitted().items():
        for code, params, english in emitted:
            said = t.message(prefix, code, params, english)
            assert ungrouped(said) == ungrouped(english), (prefix, code)


def _only_values(template: str) -> bool:
    """A template that shows the values as they are (a profile's own link, say), no words."""
    return not re.search(r"\w", re.sub(r"\{[^}]*\}", "", template))


@pytest.mark.parametrize("language", ("sv", "nb", "da", "fi"))
def test_every_message_is_translated(language):
    t = Translator(language)
    catalog = _catalog(language)
    for prefix, emitted in _emitted().items():
        for code, params, english in emitted:
            said = t.message(prefix, code, params, english)
            if _only_values(catalog[f"{prefix}.{code}"]):
                assert said == english, (language, prefix, code)
            else:
                assert said and said != english, (language, prefix, code)


def test_an_advert_like_profile_says_each_flag_in_the_users_language():
    advert = next(i for i in _profile_items() if i.message_code == "advert")
    assert advert.message_params == {"flags": advert.message.split(": ", 1)[1]}
    assert [f.reason_code for f in advert.flags] == [
        "sales",
        "shouting",
        "exclamation_run",
        "bragging",
        "calls_to_action",
    ]
    assert profile_item(advert, Translator("en")) == advert.message
    said = profile_item(advert, Translator("sv"))
    assert said.startswith("beskrivningen låter som en annons: säljsnack: pressar läsaren att köpa")
    assert "versaler läses som att man skriker ('KÖP NU')" in said
    assert "3 uppmaningar ('KÖP NU', 'boka', 'läs mer'); håll dig till 1" in said
    assert "pushes to buy" not in said and "shouting" not in said


def test_numbers_are_formatted_for_the_locale():
    t = Translator("sv")
    notes = {code: (params, english) for code, params, english in _notes()}
    params, english = notes["share_of_voice"]
    assert t.message("strategy_note", "share_of_voice", params, english) == (
        "1\xa0234 av 5\xa0555 omnämnanden av varumärket och konkurrenterna"
    )
    reasons = {code: (params, english) for code, params, english in _reasons()}
    params, english = reasons["present_negative"]
    assert t.message("strategy_reason", "present_negative", params, english) == (
        "20 % av samtalet och mest negativt (-42 %): kunderna behöver svar här"
    )
    triggers = {code: (params, english) for code, params, english in _triggers()}
    params, english = triggers["net_sentiment_below"]
    assert english == "hourly net sentiment below -20"
    assert t.message("strategy_trigger", "net_sentiment_below", {"limit": 5.5}, "") == (
        "nettosentiment per timme under +5,5"
    )


def test_an_unknown_message_id_shows_the_english_text():
    said = Translator("sv").message("strategy_note", "from_the_future", {"n": 1}, "as is")
    assert said == "as is"


def test_report_errors_say_the_topic_and_the_field():
    named, competitor, none = _report_errors()
    assert (named.code, named.params) == (
        "topic_not_found",
        {"field": "company.brand_topic", "topic": "Acme AB"},
    )
    assert competitor.params == {"field": "company.competitor_topics", "topic": "Nope"}
    assert (none.code, none.params) == ("no_brand_topic", {})
    assert Translator("sv").message("strategy_report_error", named.code, named.params, "") == (
        "company.brand_topic anger 'Acme AB', som inte är ett ämne i den här arbetsytan: "
        "lägg till det med `lyssna topics add 'Acme AB' --query ...`"
    )


# --- the pages, in Swedish and Danish, on both databases -------------------------------------

# The pages' strategy, with a second crisis trigger.
STRATEGY = VALID.replace(
    "    negative_per_hour_above: 40\n",
    "    negative_per_hour_above: 40\n    net_sentiment_below: -20\n",
)

# What each language says for the parts of the page above (fixed words, not the figures).
SAID = {
    "sv": {
        "note": "negativa av",
        "no_answers": "inga besvarade ärenden i inkorgen under perioden",
        "trigger": "fler än 40 negativa omnämnanden per timme",
        "net_trigger": "nettosentiment per timme under -20",
        "forums": "strategin nämner inte forums: bestäm er för att finnas där",
        "x": "av samtalet: beslutet att stå utanför håller",
        "shouting": "versaler läses som att man skriker",
        "exclamation": "flera utropstecken i rad",
    },
    "da": {
        "note": "negative af",
        "no_answers": "ingen besvarede sager i indbakken i perioden",
        "trigger": "flere end 40 negative omtaler i timen",
        "net_trigger": "nettosentiment pr. time under -20",
        "forums": "strategien nævner ikke forums: beslut jer for at være der",
        "x": "af samtalen: beslutningen om at holde sig væk står ved magt",
        "shouting": "versaler læses som råb",
        "exclamation": "flere udråbstegn i træk",
    },
}


def _as(site, client, language: str) -> None:
    with write_transaction(site.ctx.engine) as conn:
        user = accounts.user_by_email(conn, site.email("viewer"))
        assert user is not None
        accounts.set_locale(conn, user.id, language)
    signed_in(site, client, "viewer")


def _write_strategy(site) -> None:
    path = strategy_path(site.ctx.settings.home, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STRATEGY, encoding="utf-8")


@pytest.mark.parametrize("language", sorted(SAID))
def test_report_says_notes_triggers_and_reasons_in_the_users_language(site, client, language):
    _write_strategy(site)
    _as(site, client, language)
    page = client.get("/w/default/strategy?period=7d")
    assert page.status_code == 200, page.text
    said = SAID[language]
    for part in ("note", "no_answers", "trigger", "net_trigger", "forums", "x"):
        assert said[part] in page.text, part
    for english in (
        "negative of",
        "no answered inbox items",
        "negative mentions per hour above",
        "hourly net sentiment below",
        "decide to be there",
        "the decision to stay away holds",
    ):
        assert english not in page.text, english


@pytest.mark.parametrize("language", sorted(SAID))
def test_text_check_says_flags_in_the_users_language(site, client, language):
    _write_strategy(site)
    _as(site, client, language)
    csrf = csrf_of(client.get("/w/default/strategy/lint").text)
    page = client.post(
        "/w/default/strategy/lint", data={"text": "HELT GRATIS idag!!", "csrf": csrf}
    )
    assert page.status_code == 200, page.text
    assert SAID[language]["shouting"] in page.text
    assert SAID[language]["exclamation"] in page.text
    assert "reads as shouting" not in page.text and "in a row" not in page.text


# The pages' strategy with an advert for a description, no person and no photo on mastodon.
UNFINISHED_PROFILE = STRATEGY.replace(
    "      description: We answer your questions on weekdays.\n      person: Sara Lindqvist\n",
    f"      description: {ADVERT}\n",
).replace("      photo: profiles/mastodon.jpg\n", "")


def test_report_says_profile_to_dos_in_swedish(site, client):
    text = _report_in_swedish(site, client, UNFINISHED_PROFILE)
    for said in (
        "beskrivningen låter som en annons: säljsnack: pressar läsaren att köpa (&#39;KÖP NU&#39;)",
        "flera utropstecken i rad (&#39;!!&#39;)",
        "ingen person angiven: säg vem som står bakom kontot",
        "ingen bild angiven",
    ):
        assert said in text, said
    for english in ("sounds like an advert", "pushes to buy", "no person named", "no photo set"):
        assert english not in text, english


def _report_in_swedish(site, client, strategy: str) -> str:
    path = strategy_path(site.ctx.settings.home, "default")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(strategy, encoding="utf-8")
    _as(site, client, "sv")
    page = client.get("/w/default/strategy?period=7d")
    assert page.status_code == 200, page.text
    return page.text


@pytest.mark.parametrize(
    ("named", "said"),
    [
        (
            "  brand_topic: Acme AB\n",
            "company.brand_topic anger &#39;Acme AB&#39;, som inte är ett ämne i den här "
            "arbetsytan: lägg till det med `lyssna topics add &#39;Acme AB&#39; --query ...`",
        ),
        (
            "  brand_topic: Acme\n  competitor_topics: [Rival, Nope]\n",
            "company.competitor_topics anger &#39;Nope&#39;, som inte är ett ämne",
        ),
    ],
)
def test_report_says_a_missing_topic_in_swedish(site, client, named, said):
    strategy = STRATEGY.replace("  brand_topic: Acme\n  competitor_topics: [Rival]\n", named)
    text = _report_in_swedish(site, client, strategy)
    assert said in text
    assert "which is not a topic in this workspace" not in text


def test_report_says_there_is_no_brand_topic_in_swedish(site, client):
    with write_transaction(site.ctx.engine) as conn:
        topic_store.set_query(conn, site.ctx.workspace.id, "Acme", "acme", "theme")
    text = _report_in_swedish(site, client, STRATEGY.replace("  brand_topic: Acme\n", ""))
    assert "inget varumärkesämne att mäta målen på: ange company.brand_topic i strategin" in text
    assert "no brand topic" not in text
