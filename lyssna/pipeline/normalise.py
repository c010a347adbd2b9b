"""Turn one raw import record into an IncomingMention, or say exactly what is wrong with it.

The mapping is pure: it never changes the record it is given, and the record is kept whole as
the mention's raw payload, unknown fields included.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from lyssna.core.errors import RecordError
from lyssna.core.records import Author, IncomingMention, Metrics

DEFAULT_CHANNEL = "import"
_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_LANG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$")
_NORWEGIAN_VARIANTS = {"nb": "nb", "nn": "nn", "nob": "nb", "nno": "nn"}
# Fingerprints ignore links, handles and anything but words, so copies with another link,
# another @ or other punctuation still group together.
_FINGERPRINT_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_FINGERPRINT_MIN_WORDS = 6
_MAX_TEXT = 100_000


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def fingerprint(text: str) -> str:
    """A near-duplicate key, or "" for texts too short to call a copy."""
    words = _WORD.findall(_FINGERPRINT_NOISE.sub(" ", text).lower())
    if len(words) < _FINGERPRINT_MIN_WORDS:
        return ""
    return _hash(" ".join(words))


def parse_time(value: Any, field: str = "created_at") -> datetime:
    """ISO-8601 with or without offset; without one means UTC."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{field} must be an ISO-8601 date and time string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise RecordError(f"{field} is not an ISO-8601 date and time: {value!r}") from exc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _identifier(value: Any, field: str, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise RecordError(f"missing {field}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"{field} must be a string or a whole number, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        if required:
            raise RecordError(f"missing {field}")
        return None
    if len(text) > 512:
        raise RecordError(f"{field} is longer than 512 characters")
    return text


def _count(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{field} must be a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise RecordError(f"{field} must be a whole number, got {value!r}")
    if number < 0:
        raise RecordError(f"{field} must not be negative, got {number}")
    return number


def _clean_text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{field} must be a string")
    # PostgreSQL cannot store NUL characters; nothing readable is lost without them.
    return unicodedata.normalize("NFC", value.replace("\x00", "")).strip()


def _author(value: Any) -> Author | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        handle = _clean_text(value, "author").lstrip("@")
        return Author(handle=handle) if handle else None
    if not isinstance(value, dict):
        raise RecordError(
            "author must be a handle string or an object with handle, name, followers"
        )
    handle_value = value.get("handle")
    if not isinstance(handle_value, str) or not handle_value.strip():
        raise RecordError("author.handle is missing or not a string")
    name = value.get("name")
    return Author(
        handle=_clean_text(handle_value, "author.handle").lstrip("@"),
        name=_clean_text(name, "author.name") or None if name is not None else None,
        followers=_count(value.get("followers"), "author.followers"),
    )


def _metrics(value: Any) -> Metrics:
    if value is None:
        return Metrics()
    if not isinstance(value, dict):
        raise RecordError("metrics must be an object with likes, shares, replies, views")
    return Metrics(
        likes=_count(value.get("likes"), "metrics.likes"),
        shares=_count(value.get("shares"), "metrics.shares"),
        replies=_count(value.get("replies"), "metrics.replies"),
        views=_count(value.get("views"), "metrics.views"),
    )


def _lang(value: Any) -> tuple[str | None, str | None]:
    """(language, Norwegian variant) from a given lang field."""
    if value is None or value == "":
        return None, None
    if not isinstance(value, str):
        raise RecordError(f"lang must be a language code string, got {value!r}")
    match = _LANG.match(value.strip().lower())
    if not match:
        raise RecordError(f"lang is not a language code: {value!r}")
    code = match.group(1)
    if code in _NORWEGIAN_VARIANTS:
        return "no", _NORWEGIAN_VARIANTS[code]
    if code == "nor":
        return "no", None
    return code, None


# The common shape of a link, read without urlsplit (which costs more than the rest of the
# record); anything else (user info, IPv6, odd schemes) goes through urlsplit.
_PLAIN_HOST = re.compile(r"https?://([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)\.?(?::\d+)?(?:[/?#]|$)")


def _host(url: str | None) -> str | None:
    if not url:
        return None
    plain = _PLAIN_HOST.match(url)
    if plain:
        return plain.group(1).lower()
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def normalise(
    raw: dict[str, Any], *, default_channel: str = DEFAULT_CHANNEL, source: str | None = None
) -> tuple[IncomingMention, str | None]:
    """The mention and its Norwegian variant hint (from a `lang` of nb/nn), or RecordError."""
    text = _clean_text(raw.get("text"), "text") if raw.get("text") is not None else ""
    if not text:
        raise RecordError("missing text")
    if len(text) > _MAX_TEXT:
        raise RecordError(f"text is longer than {_MAX_TEXT:,} characters")
    external_id = _identifier(raw.get("id"), "id", required=True)
    assert external_id is not None
    channel_value = raw.get("channel") or default_channel
    if not isinstance(channel_value, str) or not _CHANNEL.match(channel_value.strip().lower()):
        raise RecordError(f"channel must be a short lower-case name, got {channel_value!r}")
    url = raw.get("url")
    if url is not None and not isinstance(url, str):
        raise RecordError("url must be a string")
    url = url.strip() or None if url else None
    lang, variant = _lang(raw.get("lang"))
    mention = IncomingMention(
        channel=channel_value.strip().lower(),
        external_id=external_id,
        text=text,
        created_at=parse_time(raw.get("created_at")),
        author=_author(raw.get("author")),
        url=url,
        host=_host(url),
        lang=lang,
        reply_to=_identifier(raw.get("reply_to"), "reply_to", required=False),
        metrics=_metrics(raw.get("metrics")),
        raw=raw,
        source=source,
        text_hash=_hash(text),
        fingerprint=fingerprint(text),
    )
    return mention, variant
