"""The profile check: a plain description, a real person, interests, a website link, a photo."""

from __future__ import annotations

from lyssna.strategy import EXAMPLE_FILE, check_text, load_strategy
from lyssna.strategy.profiles import check_profile, check_profiles
from lyssna.strategy.schema import Profile

GOOD = Profile(
    description="We answer questions about electricity and fibre on weekdays.",
    person="Sara Lindqvist",
    interests=["energy saving"],
    website="https://www.acme.example/kontakt",
    photo="profile.jpg",
)


def failing(profile: Profile, site: str | None = "https://acme.example") -> dict[str, str]:
    return {i.name: i.message for i in check_profile(profile, site) if not i.ok}


def test_a_complete_profile_passes() -> None:
    assert failing(GOOD) == {}


def test_each_missing_part_is_named() -> None:
    assert set(failing(Profile())) == {"description", "person", "interests", "website", "photo"}


def test_sales_tone_in_the_description() -> None:
    problems = failing(GOOD.model_copy(update={"description": "Markedets beste strøm. Kjøp nå!"}))
    assert set(problems) == {"description"}
    assert "markedets beste" in problems["description"].lower()


def test_a_function_is_not_a_person() -> None:
    for name in ("Kundtjänst", "Elvåra Team", "Sara"):
        assert "person" in failing(GOOD.model_copy(update={"person": name}))


def test_website_must_be_a_link_to_the_company_site() -> None:
    assert "website" in failing(GOOD.model_copy(update={"website": "acme.example"}))
    assert "website" in failing(GOOD.model_copy(update={"website": "https://other.example"}))
    assert failing(GOOD, site=None) == {}


def test_verdicts_per_channel() -> None:
    strategy, problems = check_text(
        "company: {name: Acme}\n"
        "purpose: Help.\n"
        "channels:\n"
        "  facebook: {present: true, purpose: Q, profile: {person: Sara Lind}}\n"
        "  youtube: {present: true, purpose: Howto}\n"
        "  x: {present: false, reason: No}\n"
    )
    assert problems == [] and strategy is not None
    verdicts = {v.channel: v.verdict for v in check_profiles(strategy)}
    assert verdicts == {"facebook": "needs work", "youtube": "no profile", "x": "not present"}
    elvara = {v.channel: v.verdict for v in check_profiles(load_strategy(EXAMPLE_FILE))}
    assert elvara["linkedin"] == "ready" and elvara["facebook"] == "ready"
