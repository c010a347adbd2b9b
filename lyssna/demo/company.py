"""The fictional company the demo listens to, its two competitors, and the incident.

Everything here is invented: Elvåra, Kraftlyn and Vatteo are not real companies, and their product
names are made up. Elvåra sells electricity, fibre broadband and home chargers across the Nordics.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoBrand:
    """A brand as the texts need it: its name, handle, products by role, Finnish case forms."""

    name: str
    handle: str  # without "@"
    power: str  # electricity contract
    net: str  # fibre broadband
    charger: str  # home EV charger
    app: str  # customer app
    # Finnish inflects names; the Finnish templates pick the case they need by slot name.
    fi_forms: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def products(self) -> tuple[str, ...]:
        return (self.power, self.net, self.charger, self.app)


@dataclass(frozen=True)
class DemoCompetitor(DemoBrand):
    """A competitor: same shape as the company, listened to for share of voice."""


@dataclass(frozen=True)
class DemoCompany(DemoBrand):
    """The company the demo workspace belongs to, with its competitors and its bad day."""

    sector: str = ""
    competitors: tuple[DemoCompetitor, ...] = ()
    incident: str = ""
    followers: int = 0  # of the company's own account, which answers mentions

    @property
    def brands(self) -> tuple[DemoBrand, ...]:
        return (self, *self.competitors)


def _fi(stem: str, gen: str, par: str, ill: str, back_vowels: bool) -> dict[str, str]:
    """Finnish case forms of a brand name; the vowel harmony picks -lla/-llä and friends."""
    a = "a" if back_vowels else "ä"
    return {
        "gen": gen,
        "par": par,
        "ill": ill,
        "ela": f"{stem}st{a}",
        "ine": f"{stem}ss{a}",
        "abl": f"{stem}lt{a}",
        "ade": f"{stem}ll{a}",
        "all": f"{stem}lle",
    }


KRAFTLYN = DemoCompetitor(
    name="Kraftlyn",
    handle="kraftlyn",
    power="Kraftlyn Flex",
    net="Lynfiber",
    charger="Lynlader",
    app="LynApp",
    fi_forms=_fi("Kraftlyni", "Kraftlynin", "Kraftlynia", "Kraftlyniin", back_vowels=True),
)

VATTEO = DemoCompetitor(
    name="Vatteo",
    handle="vatteo",
    power="Vatteo Vakaa",
    net="Vatteo Netti",
    charger="Vatteo Lataus",
    app="OmaVatteo",
    fi_forms=_fi("Vatteo", "Vatteon", "Vatteota", "Vatteoon", back_vowels=True),
)

DEMO_COMPANY = DemoCompany(
    name="Elvåra",
    handle="elvara",
    power="Elvåra Fastpris",
    net="Elvåra Fiber",
    charger="Elvåra Laddbox",
    app="Mitt Elvåra",
    fi_forms=_fi("Elvåra", "Elvåran", "Elvåraa", "Elvåraan", back_vowels=True),
    sector="electricity, fibre broadband and home charging in Sweden, Norway, Denmark and Finland",
    competitors=(KRAFTLYN, VATTEO),
    incident=(
        "a failed network update takes down Elvåra Fiber and the Mitt Elvåra app and cuts power "
        "for part of Elvåra's local grid; customer service is unreachable for hours"
    ),
    followers=48_200,
)


def demo_topics() -> list[tuple[str, str, str]]:
    """(name, query, kind) for the demo workspace: the brand, each competitor, and themes.

    The queries hold words from all five languages the stream is written in, so a topic finds
    its mentions whatever the language. The brands leave out their own accounts' posts.
    """
    return [
        (
            "Elvåra",
            '(Elvåra* OR Elvara OR @elvara OR "Mitt Elvåra") NOT author:elvara',
            "brand",
        ),
        (
            "Kraftlyn",
            "(Kraftlyn* OR Lynfiber OR LynApp OR Lynlader OR @kraftlyn) -author:kraftlyn",
            "competitor",
        ),
        (
            "Vatteo",
            "(Vatteo* OR OmaVatteo OR @vatteo) -author:vatteo",
            "competitor",
        ),
        (
            "Outage",
            "strömavbrott* OR avbrott* OR strømbrudd* OR straumbrot* OR strømafbrydelse* "
            "OR afbrydelse* OR sähkökatko* OR nettikatko* OR katko* OR outage* OR blackout "
            'OR #ingenström OR #ingenstrøm OR #elvårakaos OR "utan ström" OR "uten strøm" '
            'OR "utan straum" OR "uden strøm" OR "ilman sähköä" OR "no power" '
            'OR "utan el" OR "without electricity" OR "without power" OR "ström och internet" '
            'OR "strøm og nett" OR "strøm og internet" OR "sähköä ja nettiä" '
            "OR ((nere OR nede OR nurin OR down) NEAR/4 (fiber* OR internet* OR nett* OR app*))",
            "theme",
        ),
        (
            "Price and bills",
            "(elpris* OR strømpris* OR straumpris* OR elräkning* OR faktura* OR regning* "
            "OR rekning* OR lasku* OR bill OR bills OR prishöjning* OR prisøkning* OR prisauke "
            "OR prisstigning* OR hinnankorotu* OR månadsavgift* OR månedsavgift* "
            'OR kuukausimaksu* OR "price hike" OR #sähkönhinta OR (dyr* NEAR/3 (el OR strøm)) '
            "OR kallis*) NOT (vinn OR vind OR voita OR win)",
            "theme",
        ),
        (
            "Customer service",
            '(kundtj* OR kundservice OR kundeservice OR asiakaspalvel* OR "customer service" '
            'OR support OR telefonkö* OR telefonkø* OR puhelinjono* OR jonotin OR "phone queue" '
            'OR "on hold" OR chatbot* OR chatboten OR chatten) '
            "-author:elvara -author:kraftlyn -author:vatteo",
            "theme",
        ),
        (
            "App",
            '"Mitt Elvåra" OR LynApp OR OmaVatteo OR appen OR app OR apps OR sovellu* '
            'OR (logg* NEAR/3 (ut OR ud OR out)) OR "kirjaa minut ulos"',
            "theme",
        ),
        (
            "Home charging",
            "(ladd* OR lade OR ladet OR ladede OR lader OR lata* OR charger OR charging "
            'OR elbil* OR sähköauto* OR "Vatteo Lataus" OR #EV) -"lade på"',
            "theme",
        ),
    ]
