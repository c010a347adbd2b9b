"""The profile check: is each channel's company profile complete, personal and free of sales talk?

A good profile says plainly what the account is for, names a real person behind it, lists
interests, links to the website and has a photo. The description goes through the same text
check as posts and replies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from lyssna.core.records import MessageParams
from lyssna.strategy.schema import Profile, Strategy
from lyssna.strategy.textcheck import Flag, lint

Verdict = Literal["ready", "needs work", "no profile", "not present"]
# The message id of an item's message, beside its English text: a user interface says it in the
# user's language (lyssna/web/i18n/strategy_messages.<lang>.json). The ids of items that are fine
# and show the profile's own value (its interests, link or photo) have nothing to translate.
ItemCode = Literal[
    "no_description",
    "advert",
    "plain_description",
    "no_person",
    "not_a_person",
    "run_by",
    "no_interests",
    "interests",
    "no_website",
    "not_a_web_address",
    "not_company_website",
    "website",
    "no_photo",
    "photo",
    "no_profile",
]

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
    message: str  # in English
    message_code: ItemCode
    message_params: MessageParams  # the values `message` mentions
    # An advert-like description's text-check flags, which `message` lists (`flag_list`).
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True, slots=True)
class ProfileVerdict:
    channel: str
    verdict: Verdict
    items: tuple[ProfileItem, ...]

    @property
    def problems(self) -> tuple[ProfileItem, ...]:
        return tuple(i for i in self.items if not i.ok)


def flag_list(flags: Sequence[Flag], reason: Callable[[Flag], str] = lambda f: f.reason) -> str:
    """An advert-like description's flags in one line: "reason ('span'); ...". `reason` says a
    flag's reason (in another language, say); by default its English text."""
    return "; ".join(f"{reason(f)} ({f.span!r})" for f in flags)


def _description(profile: Profile) -> ProfileItem:
    text = (profile.description or "").strip()
    if not text:
        return ProfileItem(
            "description",
            False,
            "no description: say what the account is for",
            "no_description",
            {},
        )
    flags = lint(text, checks=("sales", "bragging", "calls_to_action", "exclamation", "shouting"))
    if flags:
        found = flag_list(flags)
        return ProfileItem(
            "description",
            False,
            f"description sounds like an advert: {found}",
            "advert",
            {"flags": found},
            tuple(flags),
        )
    return ProfileItem("description", True, "plain description", "plain_description", {})


def _person(profile: Profile) -> ProfileItem:
    person = (profile.person or "").strip()
    if not person:
        return ProfileItem(
            "person", False, "no person named: say who is behind the account", "no_person", {}
        )
    if _NOT_A_PERSON.search(person) or len(person.split()) < 2:
        return ProfileItem(
            "person",
            False,
            f"{person!r} is not a person: give a first and last name",
            "not_a_person",
            {"person": person},
        )
    return ProfileItem("person", True, f"run by {person}", "run_by", {"person": person})


def _website(profile: Profile, company_site: str | None) -> ProfileItem:
    link = (profile.website or "").strip()
    if not link:
        return ProfileItem("website", False, "no link to the website", "no_website", {})
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ProfileItem(
            "website",
            False,
            f"{link!r} is not a web address (https://...)",
            "not_a_web_address",
            {"link": link},
        )
    if company_site:
        home = urlsplit(company_site).hostname or ""
        if home and parts.hostname.removeprefix("www.") != home.removeprefix("www."):
            return ProfileItem(
                "website",
                False,
                f"{link} is not on the company's website ({home})",
                "not_company_website",
                {"link": link, "home": home},
            )
    return ProfileItem("website", True, link, "website", {"link": link})


def check_profile(profile: Profile, company_site: str | None) -> tuple[ProfileItem, ...]:
    interests = ", ".join(i for i in profile.interests if i.strip())
    photo = (profile.photo or "").strip()
    return (
        _description(profile),
        _person(profile),
        ProfileItem("interests", True, interests, "interests", {"interests": interests})
        if interests
        else ProfileItem("interests", False, "no interests listed", "no_interests", {}),
        _website(profile, company_site),
        ProfileItem("photo", True, photo, "photo", {"photo": photo})
        if photo
        else ProfileItem("photo", False, "no photo set", "no_photo", {}),
    )


def check_profiles(strategy: Strategy) -> list[ProfileVerdict]:
    """A verdict for every channel the strategy describes."""
    verdicts = []
    for channel, plan in strategy.channels.items():
        if not plan.present:
            verdicts.append(ProfileVerdict(channel, "not present", ()))
        elif plan.profile is None:
            item = ProfileItem(
                "profile", False, "no profile described under this channel", "no_profile", {}
            )
            verdicts.append(ProfileVerdict(channel, "no profile", (item,)))
        else:
            items = check_profile(plan.profile, strategy.company.website)
            verdict: Verdict = "ready" if all(i.ok for i in items) else "needs work"
            verdicts.append(ProfileVerdict(channel, verdict, items))
    return verdicts
