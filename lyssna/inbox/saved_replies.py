"""The strategy's saved replies, offered for an item and filled in for it.

Each saved reply has a name (its own, or situation-language such as `complaint-sv`), a
situation and a language. For an item, the ones for its situation (complaint, question, praise;
crisis when chosen) in the mention's language come first; the crisis protocol's holding
statements are offered as saved replies for a crisis (`holding-sv`...). Placeholders
(lyssna.strategy.placeholders) are filled when a reply is inserted.
"""

from __future__ import annotations

from dataclasses import dataclass

from lyssna.core.errors import UserError
from lyssna.storage.search import StoredMention
from lyssna.strategy import placeholders
from lyssna.strategy.schema import Strategy

_CHANNEL_NAMES = {
    "x": "X", "youtube": "YouTube", "hackernews": "Hacker News", "linkedin": "LinkedIn",
    "tiktok": "TikTok", "rss": "RSS",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SavedReply:
    name: str
    situation: str
    lang: str
    text: str  # with its placeholders


def strategy_lang(lang: str | None) -> str | None:
    """A mention's language as the strategy writes it (Norwegian is "no" there)."""
    if not lang:
        return None
    base = lang.lower().split("-")[0].split("_")[0]
    return "no" if base in ("nb", "nn") else base


def situation_of(reasons: list[str], sentiment: str | None = None) -> str | None:
    """The strategy's situation for an item: a complaint outranks a question, praise is a
    positive mention that entered the inbox for another reason (say, it names us)."""
    if "complaint" in reasons:
        return "complaint"
    if "question" in reasons:
        return "question"
    if sentiment == "positive":
        return "praise"
    return None


def all_saved(strategy: Strategy | None) -> list[SavedReply]:
    """Every saved reply with its name, in the strategy's order; holding statements last."""
    if strategy is None:
        return []
    found: list[SavedReply] = []
    taken: set[str] = set()

    def add(name: str, situation: str, lang: str, text: str) -> None:
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name}-{n}"
        taken.add(unique)
        found.append(SavedReply(unique, situation, lang, text))

    for r in strategy.saved_replies:
        add(r.name or f"{r.situation}-{r.lang}", r.situation, r.lang, r.text)
    if strategy.crisis is not None:
        for lang, text in strategy.crisis.holding_statements.items():
            add(f"holding-{lang}", "crisis", lang, text)
    return found


def for_item(
    strategy: Strategy | None, situation: str | None, lang: str | None
) -> list[SavedReply]:
    """Every saved reply, the best fit for the situation and language first."""
    wanted = strategy_lang(lang)
    saved = all_saved(strategy)
    return sorted(saved, key=lambda r: (r.situation != situation, r.lang != wanted))


def find(strategy: Strategy | None, name: str) -> SavedReply:
    saved = all_saved(strategy)
    for reply in saved:
        if reply.name.lower() == name.strip().lower():
            return reply
    names = ", ".join(r.name for r in saved) or "none: add some under saved_replies"
    raise UserError(f"no saved reply named {name!r} in the strategy (saved replies: {names})")


def fill(
    reply: SavedReply,
    *,
    mention: StoredMention,
    agent: str,
    strategy: Strategy | None,
    workspace_name: str,
) -> str:
    """The saved reply's text for this mention, written by `agent`."""
    handle = mention.author.handle.lstrip("@") if mention.author else ""
    values = {
        "author": f"@{handle}" if handle else "",
        "author_name": (mention.author.name or handle) if mention.author else "",
        "agent": agent,
        "company": strategy.company.name if strategy else workspace_name,
        "channel": _CHANNEL_NAMES.get(mention.channel, mention.channel.title()),
    }
    try:
        return placeholders.fill(reply.text, values).strip()
    except ValueError as exc:
        raise UserError(f"saved reply {reply.name!r}: {exc}") from None
