"""The connector kinds Lyssna knows. Each is imported only when used, so removing a connector
is removing its package and its line here; nothing else knows it exists.
"""

from __future__ import annotations

import importlib

from lyssna.connectors.base import Connector
from lyssna.core.errors import UserError

_BUILTIN: dict[str, str] = {
    "rss": "lyssna.connectors.rss.client:RssConnector",
    "mastodon": "lyssna.connectors.mastodon.client:MastodonConnector",
    "hackernews": "lyssna.connectors.hackernews.client:HackerNewsConnector",
    "bluesky": "lyssna.connectors.bluesky.client:BlueskyConnector",
    "reddit": "lyssna.connectors.reddit.client:RedditConnector",
    "youtube": "lyssna.connectors.youtube.client:YouTubeConnector",
    "x": "lyssna.connectors.x.client:XConnector",
    "facebook": "lyssna.connectors.facebook.client:FacebookConnector",
    "instagram": "lyssna.connectors.instagram.client:InstagramConnector",
    "linkedin": "lyssna.connectors.linkedin.client:LinkedInConnector",
    "file": "lyssna.connectors.files.client:FilesConnector",
}
_registered: dict[str, type[Connector]] = {}


def register(connector: type[Connector]) -> type[Connector]:
    """Add a connector kind (plugins, tests); usable as a class decorator."""
    _registered[connector.kind] = connector
    return connector


def kinds() -> list[str]:
    return sorted(set(_BUILTIN) | set(_registered))


def builtin_kinds() -> list[str]:
    """The kinds shipped with Lyssna (not plugins or test doubles registered at run time)."""
    return sorted(_BUILTIN)


def get(kind: str) -> type[Connector]:
    if kind in _registered:
        return _registered[kind]
    target = _BUILTIN.get(kind)
    if target is None:
        raise UserError(f"unknown source type {kind!r}: use one of {', '.join(kinds())}")
    module_name, _, class_name = target.partition(":")
    connector: type[Connector] = getattr(importlib.import_module(module_name), class_name)
    return connector
