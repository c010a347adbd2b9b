import pytest

from lyssna.analysis import detect_language, load_analyzer


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Jag tycker att det här är riktigt bra", "sv"),
        ("Hva synes dere om den nye butikken?", "no"),
        ("Hvad synes I om den nye butik? Jeg er meget glad", "da"),
        ("Tämä on ihan hyvä mutta kallis", "fi"),
        ("I think this is really good", "en"),
        ("Eg veit ikkje kva eg skal seie", "no"),
    ],
)
def test_detects_the_five_languages(text: str, lang: str) -> None:
    got, _, confidence = detect_language(text)
    assert got == lang
    assert 0.0 < confidence <= 1.0


def test_nynorsk_and_bokmal_variants() -> None:
    assert detect_language("Eg veit ikkje kva eg skal seie om dette")[:2] == ("no", "nn")
    assert detect_language("Jeg vet ikke hva jeg skal si om dette")[:2] == ("no", "nb")


def test_danish_is_not_norwegian() -> None:
    assert detect_language("Jeg ved ikke hvad jeg skal sige om det her")[0] == "da"
    assert detect_language("Jeg vet ikke hva jeg skal si om dette her")[0] == "no"


def test_no_letters_is_undetermined() -> None:
    assert detect_language("😀👍 https://example.com @someone") == ("und", None, 0.0)
    assert detect_language("")[0] == "und"


def test_links_and_handles_do_not_decide() -> None:
    text = "@the_best_shop https://shop.example/en väldigt snabb leverans"
    assert detect_language(text)[0] == "sv"


def test_given_language_is_trusted_and_normalised() -> None:
    analyzer = load_analyzer()
    assert analyzer.analyse("I think this is good", lang="sv").lang == "sv"
    result = analyzer.analyse("Hei på deg", lang="nn")
    assert (result.lang, result.lang_variant, result.lang_confidence) == ("no", "nn", 1.0)
    assert analyzer.analyse("Eg likar ikkje dette", lang="no").lang_variant == "nn"
