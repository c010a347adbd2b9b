"""Reads Hacker News stories and comments matching search words, newest first, via Algolia.

Each query is a stream with a `Walk`: its `since` is the newest `created_at_i` collected (asked
for again inclusively, since several items can share a second; the pipeline drops repeats), and
`below` is the next page number of the walk in progress.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from lyssna.connectors.base import (
    ConnectorError,
    Cursor,
    FetchResult,
    MalformedResponseError,
    MappedItem,
    RawItem,
    Verdict,
)
from lyssna.connectors.hackernews import mapping
from lyssna.connectors.hackernews.config import HackerNewsConfig
from lyssna.connectors.http import HttpClient, Walk


class HackerNewsConnector:
    kind: ClassVar[str] = mapping.KIND
    version: ClassVar[str] = mapping.VERSION
    config_model: ClassVar[type[HackerNewsConfig]] = HackerNewsConfig
    can_reply: ClassVar[bool] = False  # Hacker News has no write API
    can_publish: ClassVar[bool] = False
    needs_credentials: ClassVar[bool] = False

    def __init__(self, config: HackerNewsConfig, http: HttpClient) -> None:
        self.config = config
        self.http = http
        self.url = f"{config.service}/api/v1/search_by_date"

    def _params(self, query: str, walk: Walk) -> dict[str, Any]:
        params: dict[str, Any] = {
            "query": query,
            "tags": f"({','.join(self.config.item_types)})",
            "hitsPerPage": self.config.page_size,
            "page": int(walk.below or 0),
        }
        if walk.since:
            params["numericFilters"] = f"created_at_i>={walk.since}"
        return params

    async def fetch(self, cursor: Cursor | None) -> FetchResult:
        walks = dict((cursor or {}).get("streams") or {})
        items: dict[str, RawItem] = {}
        more = False
        for query in self.config.queries:
            walk = Walk.from_cursor(walks, query)
            body, _ = await self.http.get_json(self.url, params=self._params(query, walk))
            hits, page, pages = _page(body, self.url)
            for hit in hits:
                items.setdefault(str(hit.get("objectID")), RawItem(hit, self.url))
            times = [h["created_at_i"] for h in hits if isinstance(h.get("created_at_i"), int)]
            page_top = str(max(times)) if times else None
            next_below = str(page + 1) if page + 1 < pages and hits else None
            walk, stream_more = walk.after_page(page_top, next_below)
            walks[query] = walk.as_json()
            more = more or stream_more
        return FetchResult(list(items.values()), {"streams": walks}, more)

    def map(self, item: RawItem, retrieved_at: datetime) -> MappedItem:
        return mapping.map_hit(item, retrieved_at)

    async def check(self) -> Verdict:
        try:
            body, _ = await self.http.get_json(
                self.url, params={"query": self.config.queries[0], "hitsPerPage": 1}
            )
            _page(body, self.url)
        except ConnectorError as exc:
            return Verdict(False, exc.reason)
        total = body.get("nbHits")
        return Verdict(
            True,
            f"the Hacker News search answers ({total:,} items match {self.config.queries[0]!r})"
            if isinstance(total, int)
            else "the Hacker News search answers",
        )


def _page(body: Any, url: str) -> tuple[list[dict[str, Any]], int, int]:
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise MalformedResponseError(f"{url} did not answer with search hits")
    hits = [h for h in body["hits"] if isinstance(h, dict)]
    page = body["page"] if isinstance(body.get("page"), int) else 0
    pages = body["nbPages"] if isinstance(body.get("nbPages"), int) else 1
    return hits, page, pages
