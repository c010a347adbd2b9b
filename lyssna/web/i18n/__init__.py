"""The UI's words in English, Swedish, Norwegian (bokmål), Danish and Finnish.

One JSON file per language maps message keys to text (a feature may add its own keys in
`<name>.<language>.json`, merged into that language); English is complete and every other
language falls back to it key by key, so a missing translation shows English, never a key.
Numbers and dates are formatted by babel for the user's locale, in the workspace's time zone.

Messages the library writes in English (query errors, the strategy report's notes and reasons)
also carry a message id (`code`) and the values they mention (`params`); `Translator.message`
says them from `<prefix>.<code>` in the user's language, where a number's format spec picks how
it reads: `{count}` a number, `{share:%}` a fraction as a whole percentage, and a leading `+`
(`{net:+%}`, `{limit:+}`) shows the sign of positive values too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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

    def message(
        self, prefix: str, code: str, params: Mapping[str, str | int | float], english: str
    ) -> str:
        """A message the library wrote in `english`, said in this language.

        `code` is its message id and `params` the values it mentions; `<prefix>.<code>` (e.g.
        `strategy_note.brand_mentions` in strategy_messages.<language>.json) says it here, with
        numbers formatted for the locale. The English text stands in when there is no template.
        """
        template = messages(self.language).get(f"{prefix}.{code}")
        if template is None:
            return english
        return template.format(**{k: self._value(v) for k, v in params.items()})

    def _value(self, value: str | int | float) -> str | _Number:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return _Number(value, self)

    def query_error(self, error: Any) -> str:
        """A query error (lyssna.core.errors.QuerySyntaxError) in this language, from
        `query_error.<code>` in query.<language>.json."""
        return self.message("query_error", error.code, error.params, str(error.message))

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


@dataclass(frozen=True, slots=True)
class _Number:
    """A number in a message; the template's format spec picks how it reads (module docstring)."""

    value: int | float
    t: Translator

    def __format__(self, spec: str) -> str:
        signed = spec.startswith("+")
        kind = spec.removeprefix("+")
        if kind == "%":
            text = self.t.percent(self.value, 0)
        elif kind == "":
            text = self.t.number(self.value)
        else:
            raise ValueError(f"unknown format {spec!r} for a number in a message")
        return f"+{text}" if signed and self.value >= 0 else text
