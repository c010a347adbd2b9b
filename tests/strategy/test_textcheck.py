"""The text check in each language: clear sales talk is flagged, plain helpful text is not."""

from __future__ import annotations

import pytest

from lyssna.core.errors import UserError
from lyssna.strategy.textcheck import lint


def kinds(text: str, **options: object) -> set[str]:
    return {f.kind for f in lint(text, **options)}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "text", "span"),
    [
        ("sv", "Köp nu och få vårt nya elavtal.", "Köp nu"),
        ("sv", "Vi har marknadens bästa fiber.", "marknadens bästa"),
        ("sv", "Elavtal till ett oslagbart pris.", "oslagbart pris"),
        ("no", "Kjøp nå, så får du fiber raskere.", "Kjøp nå"),
        ("no", "Vi er markedets beste på strøm.", "markedets beste"),
        ("no", "Eg meiner vi er best i test.", "best i test"),
        ("da", "Køb nu og spar på elregningen.", "Køb nu"),
        ("da", "Vi har markedets bedste bredbånd.", "markedets bedste"),
        ("fi", "Osta nyt ja säästä sähkössä.", "Osta nyt"),
        ("fi", "Meillä on markkinoiden paras kuituyhteys.", "markkinoiden paras"),
        ("fi", "Lyömätön hinta koko talveksi.", "Lyömätön hinta"),
        ("en", "Buy now and save on your bill.", "Buy now"),
        ("en", "We are simply the best in the market.", "best in the market"),
        ("en", "Fibre at an unbeatable price.", "unbeatable price"),
    ],
)
def test_sales_talk_and_bragging_are_flagged_with_their_span(
    lang: str, text: str, span: str
) -> None:
    flags = [f for f in lint(text, lang=lang) if f.kind in ("sales", "bragging")]
    assert [f.span for f in flags] == [span]
    flag = flags[0]
    assert text[flag.start : flag.end] == span and flag.reason


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("sv", "Tips: sänk värmen en grad inomhus, så sparar du runt fem procent på elräkningen."),
        (
            "sv",
            "Hej Anna, fakturan för november skickas den 5 december. Hör av dig om något "
            "är oklart.",
        ),
        ("no", "Slik leser du strømregningen: øverst står forbruket, nederst nettleien."),
        ("no", "Eg har sjekka saka di, og teknikaren kjem på torsdag mellom 8 og 12."),
        ("da", "Sådan genstarter du routeren: sluk den i ti sekunder, og tænd den igen."),
        ("fi", "Vinkki: lataa sähköauto yöllä, kun sähkö on usein halvempaa."),
        ("en", "Tip: restart the router by unplugging it for ten seconds, then plug it back in."),
        ("en", "Thanks Sam, glad the new charger works. Our team was happy to hear it."),
    ],
)
def test_plain_helpful_text_is_not_flagged(lang: str, text: str) -> None:
    assert lint(text, lang=lang) == []
    assert lint(text) == []  # all languages at once: still clean


def test_without_a_language_every_list_is_checked() -> None:
    assert kinds("Vi erbjuder nu fiber. Osta nyt!") == {"sales"}


def test_too_many_calls_to_action() -> None:
    flags = lint("Läs mer på vår sida, boka ett möte och följ oss här.", lang="sv")
    assert [f.kind for f in flags] == ["calls_to_action"]
    assert "3 calls to action" in flags[0].reason
    assert kinds("Läs mer på vår sida.", lang="sv") == set()


def test_exclamation_overload_and_shouting() -> None:
    flags = lint("Nu är det klart!!! Fibern är HELT FANTASTISK", lang="sv")
    assert [(f.kind, f.span) for f in flags] == [
        ("exclamation", "!!!"),
        ("shouting", "HELT FANTASTISK"),
    ]
    assert kinds("Ny app! Nya funktioner! Nya priser!", lang="sv") == {"exclamation"}
    assert kinds("Elvåra och EU har nya regler för moms.", lang="sv") == set()


def test_off_voice_words_come_from_the_strategy() -> None:
    flags = lint("Vi skapar synergier i elnätet.", lang="sv", avoid=["synergi*"])
    assert [(f.kind, f.span) for f in flags] == [("off_voice", "synergier")]


@pytest.mark.parametrize(
    ("question", "reply", "flagged"),
    [
        ("När kommer fakturan för november?", "Vi hör av oss snart.", True),
        (
            "När kommer fakturan för november?",
            "Fakturan för november kommer den 5 december.",
            False,
        ),
        ("Når kommer teknikeren?", "Teknikeren kommer, vi beklager ventetiden.", True),
        ("Hvad koster fiber hos jer?", "Fiber koster 299 kr om måneden.", False),
        ("Paljonko kuituliittymä maksaa?", "Kuituliittymä on hyvä valinta.", True),
        ("How do I restart the router?", "Unplug the router for ten seconds.", False),
        ("How do I restart the router?", "We love our customers.", True),
    ],
)
def test_reply_must_answer_the_question(question: str, reply: str, flagged: bool) -> None:
    assert ("unanswered" in kinds(reply, question=question)) is flagged


def test_unknown_language_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown language"):
        lint("hej", lang="de")
    assert lint("Kjøp nå!", lang="nb")[0].kind == "sales"


def test_short_shouts_and_abbreviations() -> None:
    assert [f.span for f in lint("KÖP NU", lang="sv") if f.kind == "shouting"] == ["KÖP NU"]
    assert kinds("Vi har ny IT-chef och AB-bolag i EU.", lang="sv") == set()
