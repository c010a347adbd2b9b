"""The UI's words in English, Swedish, Norwegian (bokmål), Danish and Finnish.

One JSON file per language maps message keys to text (a feature may add its own keys in
`<name>.<language>.json`, merged into that language); English is complete and every other
language falls back to it key by key, so a missing translation shows English, never a key.
Numbers and dates are formatted by babel for the user's locale, in the workspace's time zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime as DateTime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LANGUAGES: dict[str, str] = {
    "en": "English",
    "sv": "Svenska",
    "nb": "Norsk",
    "da": "Dansk",
    "fi": "Suomi",
}
DEFAULT_LANGUAGE = "en"
# The babel locale for each UI language: regional formats the users expect.
_BABEL_LOCALES = {"en": "en_GB", "sv": "sv_SE", "nb": "nb_NO", "da": "da_DK", "fi": "fi_FI"}
_DIR = Path(__file__).parent


def _load(language: str) -> dict[str, str]:
    """`<language>.json` merged with every `<name>.<language>.json` extra (e.g. inbox.sv.json)."""
    found: dict[str, str] = json.loads((_DIR / f"{language}.json").read_text(encoding="utf-8"))
    for extra in sorted(_DIR.glob(f"*.{language}.json")):
        found.update(json.loads(extra.read_text(encoding="utf-8")))
    return found


@cache
def messages(language: str) -> dict[str, str]:
    english = _load(DEFAULT_LANGUAGE)
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return english
    return {**english, **_load(language)}


def best_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header (for signed-out pages)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in ("no", "nn"):
            base = "nb"
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


@dataclass(frozen=True, slots=True)
class Translator:
    """Messages and formats for one language and time zone; templates call it as `t`."""

    language: str
    timezone: str = "UTC"

    def __call__(self, key: str, **values: Any) -> str:
        text = messages(self.language).get(key, key)
        return text.format(**values) if values else text

    def query_error(self, error: Any) -> str:
        """A query error (lyssna.core.errors.QuerySyntaxError) in this language.

        The library says what is wrong in English, with a message id (`code`) and the values
        it mentions (`params`); `query_error.<code>` in query.<language>.json says it here, and
        the English text stands in where a language has no translation of it.
        """
        template = messages(self.language).get(f"query_error.{getattr(error, 'code', '')}")
        if template is None:
            return str(error.message)
        return template.format(**error.params)

    def label(self, prefix: str, value: str) -> str:
        """The translation of `prefix.value`, or the value itself when there is none."""
        return messages(self.language).get(f"{prefix}.{value}", value)

    @property
    def locale(self) -> str:
        return _BABEL_LOCALES.get(self.language, "en_GB")

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = None if digits == 0 else "#,##0." + "0" * digits
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "–"
        sign = "%" if self.language == "en" else " %"  # 12.5% in English, 12,5 % in the Nordics
        return format_percent(value, format="#,##0." + "0" * digits + sign, locale=self.locale)

    def bucket(self, label: str) -> str:
        """A dashboard bucket ('2026-11-16' or '2026-11-16 14:00', local) as '16 Nov' etc."""
        day = DateTime.strptime(label[:10], "%Y-%m-%d").date()
        text = format_date(day, "d MMM", locale=self.locale)
        return f"{text} {label[11:]}" if len(label) > 10 else text

    def datetime(self, value: DateTime | None, style: str = "short") -> str:
        if value is None:
            return "–"
        return format_datetime(value, style, tzinfo=ZoneInfo(self.timezone), locale=self.locale)
