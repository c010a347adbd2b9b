"""Templates and fragments the demo stream is written from, one module per language variant.

Templates are `str.format` strings. The slots every language can use:

    {brand} {handle} {power} {net} {charger} {app} {product}    the brand talked about
    {other} {other_product}                                       the brand it is compared with
    {place} {place_in} {person} {time} {since} {lately} {amount} {n} {mins} {hours} {pct} {agent}

Finnish templates also use the case forms of brand names, e.g. {brand_gen} "Elvåran",
{brand_ela} "Elvårasta", {other_ill} "Kraftlyniin", and {place_in} "Tampereella".

Kinds of text (keys of `bodies`): praise, complaint, question, idea, chatter, news, comparison,
irony, reply (a user answering a user), company_reply, and for the incident storm_complaint,
storm_question, storm_irony, storm_news, storm_reply (the company), storm_praise.
"""

from __future__ import annotations

from dataclasses import dataclass

# Openers and closers are shared by kinds of the same mood.
MOOD = {
    "praise": "pos",
    "storm_praise": "pos",
    "complaint": "neg",
    "storm_complaint": "neg",
    "irony": "neg",
    "storm_irony": "neg",
    "question": "q",
    "storm_question": "q",
    "idea": "idea",
    "chatter": "neutral",
    "comparison": "neutral",
}


@dataclass(frozen=True)
class Vocabulary:
    code: str  # ISO 639-1 as records carry it ("no" for both Norwegian written standards)
    variant: str  # "sv", "nb", "nn", "da", "fi", "en"
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    handle_words: tuple[str, ...]  # nicknames authors build handles from
    places: tuple[str, ...]
    places_in: tuple[str, ...]  # "i Umeå", "Tampereella": parallel to places
    times: tuple[str, ...]  # when something happened: "i morse"
    since: tuple[str, ...]  # how long something has lasted: "sedan i morse", "i två veckor"
    lately: tuple[str, ...]  # the same, on the scale of an outage: hours, not weeks
    quote: str  # a news quote: {quote} said by {person} {place_in}
    money: str  # format string for an amount, e.g. "{} kr"
    openers: dict[str, tuple[str, ...]]  # by mood: pos, neg, q, idea, neutral
    bodies: dict[str, tuple[str, ...]]  # by kind
    closers: dict[str, tuple[str, ...]]  # by mood
    short: dict[str, tuple[str, ...]]  # very short posts by mood
    long_intros: tuple[str, ...]  # blog posts: first paragraph
    long_links: tuple[str, ...]  # blog posts: sentences joining paragraphs
    long_outros: tuple[str, ...]  # blog posts: last paragraph
    campaigns: tuple[str, ...]  # copy-paste texts (bot or activist bursts)
    storm_campaigns: tuple[str, ...]
    hashtags: tuple[str, ...]
    storm_hashtags: tuple[str, ...]
    elongations: tuple[tuple[str, str], ...]  # (word, stretched word) as people type them
