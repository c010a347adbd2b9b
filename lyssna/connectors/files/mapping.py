"""A record of an export file is already in Lyssna's import format: the mapping adds where it
came from, a default channel, and names the fields the import format does not define."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lyssna.connectors.base import MappedItem, RawItem, provenance, unknown_fields

KIND = "file"
VERSION = "1"
# Keys of the payload the reader gives for a line it could not read.
UNREADABLE = "_lyssna_unreadable"
REASON = "_lyssna_reason"
# The import format (docs/import-format.md); other fields are kept with the mention, and named.
KNOWN_FIELDS = frozenset(
    {"id", "text", "created_at", "channel", "author", "url", "lang", "reply_to", "metrics"}
)


def map_record(item: RawItem, retrieved_at: datetime) -> MappedItem:
    payload = item.payload
    if UNREADABLE in payload:
        return MappedItem(None, str(payload.get(REASON) or "unreadable line"))
    connector = provenance(KIND, VERSION, retrieved_at, item.source_url)
    record: dict[str, Any] = {
        **payload,
        "channel": payload.get("channel") or KIND,
        "connector": connector,
        "payload": payload,
    }
    unknown = unknown_fields(payload, KNOWN_FIELDS)
    if unknown:
        connector["unknown_fields"] = unknown
    return MappedItem(record, unknown_fields=tuple(unknown))
