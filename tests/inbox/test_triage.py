from lyssna.inbox.triage import Facts, is_question, triage

HANDLES = frozenset({"nordbank"})


def facts(text, sentiment="neutral", score=0.0, author="kund", followers=None, dup=False, **more):
    return Facts(text, sentiment, score, author, followers, dup, **more)


def test_questions_in_five_languages():
    for text in [
        "Hur byter jag abonnemang",
        "Hvordan logger jeg inn",
        "Hvornår kommer strømmen",
        "Onko teillä vikaa",
        "When will the app work",
        "Funkar appen nu?",
    ]:
        assert is_question(text), text
    assert not is_question("Tack för hjälpen idag")


def test_what_enters_and_why():
    assert triage(facts("Tack för hjälpen idag", "positive", 0.8), HANDLES).enters is False
    complaint = triage(facts("Appen kraschar igen", "negative", -0.9), HANDLES)
    assert complaint.enters and complaint.reasons == ("complaint",)
    direct = triage(facts("@nordbank hej", "neutral"), HANDLES)
    assert direct.enters and "addressed to us" in direct.reasons
    own = triage(facts("Vi jobbar på det", "negative", -0.5, author="Nordbank"), HANDLES)
    assert not own.enters


def test_priority_orders_by_need():
    quiet = triage(facts("Hur gör jag?", followers=10), HANDLES)
    loud = triage(facts("Hur gör jag? Inte bra", "negative", -0.9, followers=200_000), HANDLES)
    assert loud.priority > quiet.priority
    assert any(r.startswith("reach") for r in loud.reasons)


def test_campaign_copies_stay_out_unless_they_ask():
    assert not triage(facts("Bojkotta dem nu", "negative", -0.9, dup=True), HANDLES).enters
    assert triage(facts("Varför svarar ni inte?", "negative", -0.9, dup=True), HANDLES).enters


def test_only_what_is_about_us_and_answerable():
    rival = facts("Rival har dålig kundtjänst", "negative", -0.9, about_us=False)
    assert triage(rival, HANDLES).reasons == ("not about us",)
    assert triage(facts("@nordbank är Rival bättre?", about_us=False), HANDLES).enters
    article = facts("Varför höjer Nordbank avgifterna?", channel="rss")
    assert triage(article, HANDLES).reasons == ("an article",)
    assert triage(facts("Ett brev till @nordbank", channel="rss"), HANDLES).enters


def test_a_link_asks_nothing():
    promo = facts("Byt bank idag och få 500 kr https://deals.example/?ref=nordbank")
    assert not is_question(promo.text) and not triage(promo, HANDLES).enters
