"""The Hacker News Algolia search API: search_by_date with tags, numericFilters and pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.fakes.server import FakeServer, Request, Response, json_response

_FILTER = re.compile(r"^created_at_i(>=|>|<=|<)(\d+)$")


class FakeHackerNews:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.hits: list[dict[str, Any]] = []
        self._next_id = 42_000_000
        server.route("GET", "/api/v1/search_by_date")(self._search)

    @property
    def url(self) -> str:
        return self.server.url

    def story(self, title: str, text: str | None = None, **overrides: Any) -> dict[str, Any]:
        return self._add(
            {
                "title": title,
                "url": "https://example.com/article",
                "story_text": text,
                "points": 12,
                "num_comments": 3,
                "_tags": ["story"],
            },
            overrides,
        )

    def comment(self, text: str, parent_id: int, **overrides: Any) -> dict[str, Any]:
        return self._add(
            {
                "comment_text": text,
                "parent_id": parent_id,
                "story_id": parent_id,
                "story_title": "Show HN",
                "points": None,
                "num_comments": None,
                "_tags": ["comment"],
            },
            overrides,
        )

    def _add(self, fields: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        created = datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(seconds=len(self.hits) * 7)
        hit = {
            "objectID": str(self._next_id),
            "created_at": created.isoformat().replace("+00:00", ".000Z"),
            "created_at_i": int(created.timestamp()),
            "author": "pg_fan",
            **fields,
        }
        hit["_tags"] = [*hit["_tags"], f"author_{hit['author']}", f"story_{self._next_id}"]
        hit.update(overrides)
        self.hits.append(hit)
        return hit

    def _search(self, request: Request) -> Response:
        words = (request.arg("query") or "").lower()
        tags = (request.arg("tags") or "").strip("()").split(",")
        chosen = [
            h
            for h in self.hits
            if any(t in h.get("_tags", []) for t in tags if t)
            and words
            in " ".join(
                str(h.get(k) or "") for k in ("title", "story_text", "comment_text")
            ).lower()
        ]
        for condition in filter(None, (request.arg("numericFilters") or "").split(",")):
            match = _FILTER.match(condition)
            if not match:
                return json_response(
                    {"message": f"invalid numericFilters {condition}", "status": 400}, 400
                )
            op, value = match.group(1), int(match.group(2))
            chosen = [h for h in chosen if _compare(h["created_at_i"], op, value)]
        chosen.sort(key=lambda h: h["created_at_i"], reverse=True)
        per_page = int(request.arg("hitsPerPage", "20") or 20)
        page = int(request.arg("page", "0") or 0)
        pages = max(1, -(-len(chosen) // per_page))
        return json_response(
            {
                "hits": chosen[page * per_page : (page + 1) * per_page],
                "nbHits": len(chosen),
                "page": page,
                "nbPages": pages,
                "hitsPerPage": per_page,
                "exhaustiveNbHits": True,
                "query": request.arg("query"),
                "params": "",
                "processingTimeMS": 1,
            }
        )


def _compare(left: int, op: str, right: int) -> bool:
    return {">=": left >= right, ">": left > right, "<=": left <= right, "<": left < right}[op]
