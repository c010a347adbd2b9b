"""The profile check: is each channel's company profile complete, personal and free of sales talk?

A good profile says plainly what the account is for, names a real person behind it, lists
interests, links to the website and has a photo. The description goes through the same text
check as posts and replies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from lyssna.strategy.schema import Profile, Strategy
from lyssna.strategy.textcheck import lint

Verdict = Literal["ready", "needs work", "no profile", "not present"]

# Names that are a function, not a person.
_NOT_A_PERSON = re.compile(
    r"\b(team|teamet|admin|kundtjänst|kundeservice|kundservice|asiakaspalvelu|support|"
    r"redaktion|redaksjon|redaktionen|marketing|marknad|markedsføring|info|service)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ProfileItem:
    name: str  # "description", "person", "interests", "website", "photo"
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class ProfileVerdict:
    channel: str
    verdict: Verdict
    items: tuple[ProfileItem, ...]

    @property
    def problems(self) -> tuple[ProfileItem, ...]:
        return tuple(i for i in self.items if not i.ok)


def _description(profile: Profile) -> ProfileItem:
    text = (profile.description or "").strip()
    if not text:
        return ProfileItem("description", False, "no description: say what the account is for")
    flags = lint(text, checks=("sales", "bragging", "calls_to_action", "exclamation", "shouting"))
    if flags:
        found = "; ".join(f"{f.reason} ({f.span!r})" for f in flags)
        return ProfileItem("description", False, f"description sounds like an advert: {found}")
    return ProfileItem("description", True, "plain description")


def _person(profile: Profile) -> ProfileItem:
    person = (profile.person or "").strip()
    if not person:
        return ProfileItem("person", False, "no person named: say who is behind the account")
    if _NOT_A_PERSON.search(person) or len(person.split()) < 2:
        return ProfileItem(
            "person", False, f"{person!r} is not a person: give a first and last name"
        )
    return ProfileItem("person", True, f"run by {person}")


def _website(profile: Profile, company_site: str | None) -> ProfileItem:
    link = (profile.website or "").strip()
    if not link:
        return ProfileItem("website", False, "no link to the website")
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ProfileItem("website", False, f"{link!r} is not a web address (https://...)")
    if company_site:
        home = urlsplit(company_site).hostname or ""
        if home and parts.hostname.removeprefix("www.") != home.removeprefix("www."):
            return ProfileItem("website", False, f"{link} is not on the company's website ({home})")
    return ProfileItem("website", True, link)


def check_profile(profile: Profile, company_site: str | None) -> tuple[ProfileItem, ...]:
    interests = [i for i in profile.interests if i.strip()]
    photo = (profile.photo or "").strip()
    return (
        _description(profile),
        _person(profile),
        ProfileItem(
            "interests",
            bool(interests),
            ", ".join(interests) if interests else "no interests listed",
        ),
        _website(profile, company_site),
        ProfileItem("photo", bool(photo), photo or "no photo set"),
    )


def check_profiles(strategy: Strategy) -> list[ProfileVerdict]:
    """A verdict for every channel the strategy describes."""
    verdicts = []
    for channel, plan in strategy.channels.items():
        if not plan.present:
            verdicts.append(ProfileVerdict(channel, "not present", ()))
        elif plan.profile is None:
            item = ProfileItem("profile", False, "no profile described under this channel")
            verdicts.append(ProfileVerdict(channel, "no profile", (item,)))
        else:
            items = check_profile(plan.profile, strategy.company.website)
            verdict: Verdict = "ready" if all(i.ok for i in items) else "needs work"
            verdicts.append(ProfileVerdict(channel, verdict, items))
    return verdicts
