import json

import pytest

from lyssna.analysis import WorkspaceAdaptation, learn, load_analyzer


def test_one_correction_changes_the_verdict() -> None:
    text = "Nya Blixtpaketet levererades idag"
    base = load_analyzer().analyse(text, lang="sv")
    assert base.sentiment != "positive"
    adaptation = learn([(text, "sv", "positive")])
    assert load_analyzer(adaptation=adaptation).analyse(text, lang="sv").sentiment == "positive"


def test_corrections_teach_vocabulary() -> None:
    corrections = [
        ("Kunden tyckte ordern var helt glasklar", "sv", "positive"),
        ("Glasklar leverans som vanligt", "sv", "positive"),
        ("Glasklar igen från er", "sv", "positive"),
    ]
    adapted = load_analyzer(adaptation=learn(corrections))
    result = adapted.analyse("Allt var glasklar i veckan", lang="sv")
    assert result.sentiment == "positive"
    assert any(r.text == "glasklar" for r in result.explanation)


def test_corrections_can_make_things_negative_and_accumulate() -> None:
    first = learn([("Vi fick en Kompaktbox i posten", None, "negative")])
    second = learn([("Paketet var bra", "sv", "neutral")], base=first)
    analyzer = load_analyzer(adaptation=second)
    assert analyzer.analyse("Vi fick en Kompaktbox i posten").sentiment == "negative"
    assert analyzer.analyse("Paketet var bra", lang="sv").sentiment == "neutral"
    assert second.corrections == 2


def test_serialises_as_json() -> None:
    adaptation = learn([("Supertjänsten svarade snabbt", "sv", "positive")])
    data = json.loads(json.dumps(adaptation.to_json()))
    assert WorkspaceAdaptation.from_json(data) == adaptation
    with pytest.raises(ValueError):
        WorkspaceAdaptation.from_json({"version": 99})


def test_unknown_sentiment_is_refused() -> None:
    with pytest.raises(ValueError):
        learn([("Hej", "sv", "great")])  # type: ignore[list-item]
