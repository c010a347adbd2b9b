"""Word lists for the text check, per language (sv, no, da, fi, en), written for Lyssna.

A phrase is words separated by spaces; a word ending in `*` matches any ending, which covers the
inflections of the Nordic languages and Finnish cases ("oslagbar*" finds oslagbart, oslagbara).
Matching ignores case. Norwegian lists hold Bokmål and Nynorsk forms.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("sv", "no", "da", "fi", "en")

# Pushy sales talk: urgency, discounts as the message, "buy now".
SALES: dict[str, tuple[str, ...]] = {
    "sv": (
        "köp nu", "köp idag", "köp redan idag", "beställ nu", "beställ idag", "passa på",
        "slå till", "endast idag", "bara idag", "missa inte", "sista chansen",
        "begränsat erbjudande", "fantastiskt erbjudande", "oslagbar* pris*", "superpris*",
        "extrapris*", "kampanjpris*", "lägsta pris*", "bästa pris*", "rabattkod*", "gratis frakt",
        "teckna nu", "fynda", "reapris*",
    ),
    "no": (
        "kjøp nå", "kjøp i dag", "bestill nå", "bestill i dag", "kun i dag", "bare i dag",
        "berre i dag", "ikke gå glipp av", "ikkje gå glipp av", "slå til", "siste sjanse",
        "begrenset tilbud", "avgrensa tilbod", "uslåelig* pris*", "uslåelege prisar",
        "knallpris*", "kanonpris*", "supertilbud*", "lavest* pris*", "rabattkode*",
        "gratis frakt", "sikre deg",
    ),
    "da": (
        "køb nu", "køb i dag", "bestil nu", "bestil i dag", "kun i dag", "gå ikke glip",
        "slå til", "sidste chance", "begrænset tilbud", "uslåelig* pris*", "knaldpris*",
        "kanonpris*", "skarpeste pris*", "laveste pris*", "supertilbud*", "rabatkode*",
        "gratis fragt", "sikr dig", "skynd dig",
    ),
    "fi": (
        "osta nyt", "osta heti", "tilaa nyt", "tilaa heti", "vain tänään", "älä jää paitsi",
        "älä missaa", "viimeinen mahdollisuus", "rajoitettu tarjous", "huipputarjou*",
        "supertarjou*", "lyömätön hinta", "lyömättömä* hin*", "halvin hinta", "edullisin hinta",
        "alennuskoodi*", "toimi heti", "nappaa omasi",
    ),
    "en": (
        "buy now", "buy today", "order now", "order today", "shop now", "act now",
        "limited time", "limited offer", "today only", "don't miss out", "do not miss out",
        "last chance", "unbeatable price*", "lowest price*", "best price*", "huge discount*",
        "discount code", "free shipping", "special offer", "exclusive offer", "hurry",
        "sign up now", "while stocks last", "get yours now",
    ),
}  # fmt: skip

# Bragging: claims of being the best that a reader cannot check and will not believe.
BRAGGING: dict[str, tuple[str, ...]] = {
    "sv": (
        "marknadens bästa", "marknadens ledande", "marknadsledande", "bäst i test",
        "bäst på marknaden", "sveriges bästa", "världsledande", "i världsklass", "överlägsen*",
        "ingen slår oss", "oöverträffad*", "branschens bästa", "revolutionerande",
        "helt unik*", "suverän*", "störst och bäst",
    ),
    "no": (
        "markedets beste", "markedets ledende", "markedsledende", "best i test",
        "best på markedet", "norges beste", "noregs beste", "verdensledende", "i verdensklasse",
        "uovertruffen*", "ingen slår oss", "bransjens beste", "revolusjonerende", "suveren*",
        "størst og best",
    ),
    "da": (
        "markedets bedste", "markedets førende", "markedsledende", "markedsførende",
        "bedst i test", "bedst på markedet", "danmarks bedste", "verdensførende",
        "i verdensklasse", "uovertruffen*", "ingen slår os", "branchens bedste",
        "revolutionerende", "suveræn*", "størst og bedst",
    ),
    "fi": (
        "markkinoiden paras", "markkinoiden parha*", "markkinajohtaja*", "alan paras",
        "alan parha*", "testivoittaja*", "suomen paras", "maailmanluokan", "maailman paras",
        "ylivoimai*", "vertaansa vailla", "kukaan ei voita", "mullistava*", "paras ja suurin",
    ),
    "en": (
        "best in the market", "best on the market", "market-leading", "market leader",
        "market leading", "best in class", "best-in-class", "world-class", "world class",
        "world-leading", "industry-leading", "second to none", "unrivalled", "unrivaled",
        "unmatched", "nobody beats", "no one beats", "revolutionary", "game-changing",
        "number one", "#1",
    ),
}  # fmt: skip

# Calls to action: one is fine, more turn a post into an advert.
CALLS_TO_ACTION: dict[str, tuple[str, ...]] = {
    "sv": (
        "köp nu", "köp idag", "beställ", "klicka", "teckna", "boka", "anmäl dig",
        "registrera dig", "ladda ner", "följ oss", "dela gärna", "dela inlägget", "gilla",
        "läs mer", "ring oss", "besök oss", "handla", "passa på", "prova", "swipa",
    ),
    "no": (
        "kjøp nå", "kjøp i dag", "bestill", "klikk", "tegn", "book", "meld deg på",
        "registrer deg", "last ned", "følg oss", "del gjerne", "lik", "les mer", "ring oss",
        "besøk oss", "handle", "prøv", "sikre deg", "benytt",
    ),
    "da": (
        "køb nu", "køb i dag", "bestil", "klik", "tegn", "book", "tilmeld dig",
        "registrer dig", "download", "følg os", "del gerne", "læs mere", "ring til os",
        "besøg os", "handl", "prøv", "sikr dig", "skynd dig",
    ),
    "fi": (
        "osta", "tilaa", "klikkaa", "napsauta", "varaa", "ilmoittaudu", "rekisteröidy",
        "lataa", "seuraa meitä", "jaa tämä", "tykkää", "lue lisää", "soita meille", "vieraile",
        "kokeile", "hyödynnä", "nappaa",
    ),
    "en": (
        "buy", "order now", "order today", "click", "sign up", "subscribe", "book now",
        "register", "download", "follow us", "share this", "like this", "read more", "call us",
        "visit", "shop", "try it", "grab", "hurry", "get yours", "claim",
    ),
}  # fmt: skip

# Short upper-case words that are names, not shouting.
ACRONYMS: frozenset[str] = frozenset(
    {"EU", "USA", "VAT", "MOMS", "MVA", "ALV", "SMS", "PDF", "FAQ", "IKEA", "NATO", "WIFI", "ELNÄT"}
)

# Words a question and its answer may share without the answer saying anything.
STOPWORDS: dict[str, frozenset[str]] = {
    "sv": frozenset(
        "och att det som en ett den jag du vi ni de han hon är var har hade inte med för på "
        "till av om kan ska skulle vill när hur vad varför vem vilken vilket vilka där här "
        "man min mitt mina din ditt dina er ert era oss dem sig hej tack bara också eller "
        "men så nu då än ju väl mycket lite kommer blir blev finns får fick gör göra".split()
    ),
    "no": frozenset(
        "og at det som en et ei den jeg eg du vi dere de han hun ho er var har hadde ikke ikkje "
        "med for på til av om kan skal skulle vil når hvordan korleis hva kva hvorfor kvifor "
        "hvem kven hvilken kva der her man min mitt mine din ditt dine oss dem seg hei takk "
        "bare berre også eller men så nå da enn jo vel mye litt kommer blir ble finnes får fikk "
        "gjør gjere".split()
    ),
    "da": frozenset(
        "og at det som en et den jeg du vi i de han hun er var har havde ikke med for på til "
        "af om kan skal skulle vil når hvordan hvad hvorfor hvem hvilken der her man min mit "
        "mine din dit dine os dem sig hej tak bare også eller men så nu da end jo vel meget "
        "lidt kommer bliver blev findes får fik gør gøre".split()
    ),
    "fi": frozenset(
        "ja on ei se että kun jos mutta tai niin kuin mitä miten miksi milloin missä kuka "
        "mikä mikään minä sinä hän me te he minun sinun meidän teidän olen olet olemme ole "
        "oli ovat voi voiko voitteko saa saako pitää kiitos hei vain myös nyt sitten vielä "
        "jo hyvin paljon vähän tämä tuo nämä".split()
    ),
    "en": frozenset(
        "the and that this with for you your yours are was were have has had not can could "
        "will would should what when where why who which how does did done our ours their "
        "them they there here from into about just also but then than very much more less "
        "any some get got hello thanks thank please is it in on at to of a an or do we us "
        "me my i be been".split()
    ),
}

# Question words asking "when?" and "how much?": the answer should give a time or a figure.
WHEN_QUESTION: tuple[str, ...] = ("när", "når", "hvornår", "milloin", "when", "how long")
PRICE_QUESTION: tuple[str, ...] = (
    "vad kostar", "hur mycket", "hva koster", "kva kostar", "hvor mye", "hvad koster",
    "hvor meget", "paljonko", "mitä maksaa", "how much", "what does it cost",
)  # fmt: skip
TIME_WORDS: tuple[str, ...] = (
    "idag", "i dag", "imorgon", "i morgon", "i morgen", "tänään", "huomenna", "today",
    "tomorrow", "tonight", "ikväll", "i kväll", "i kveld", "i aften", "tänä iltana", "timme*",
    "time*", "timer", "tunni*", "minut*", "dag*", "päiv*", "hour*", "minute*", "day*",
    "vecka*", "veckan", "uke*", "veke*", "uge*", "viiko*", "week*", "måndag*", "mandag*",
    "maanantai*", "monday", "fredag*", "perjantai*", "friday", "snart", "snart", "pian",
    "soon", "morgon", "morgen", "aamu*", "morning",
)  # fmt: skip
PRICE_WORDS: tuple[str, ...] = (
    "kr", "kronor", "kroner", "euro", "euroa", "€", "öre", "øre", "sentti*", "cent*",
    "gratis", "ilmainen", "ilmaiseksi", "free", "avgift*", "gebyr*", "maksu*", "fee*", "pris*",
    "hinta", "hinnan", "price*", "cost*",
)  # fmt: skip
