"""A web server with RSS and Atom feeds that honours conditional GET (ETag, Last-Modified)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from tests.connectors.fakes.server import FakeServer, Request, Response


@dataclass
class Entry:
    guid: str
    title: str
    summary: str
    published: datetime | None
    author: str | None = "redaktionen@example.no (Redaktionen)"


class FakeFeeds:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.entries: list[Entry] = []
        self.language = "nb-NO"
        self.not_modified = 0
        self.full = 0
        self.modified_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        server.route("GET", "/feed.xml")(self._rss)
        server.route("GET", "/atom.xml")(self._atom)
        server.route("GET", "/page.html")(
            lambda r: Response(
                200, "<html><body>Not a feed</body></html>", {"Content-Type": "text/html"}
            )
        )

    @property
    def rss_url(self) -> str:
        return f"{self.server.url}/feed.xml"

    @property
    def atom_url(self) -> str:
        return f"{self.server.url}/atom.xml"

    def add(self, guid: str, title: str, summary: str, published: datetime | None = None) -> None:
        self.entries.append(
            Entry(guid, title, summary, published or datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        )
        self.modified_at = datetime.now(UTC).replace(microsecond=0)

    def _conditional(self, request: Request, body: str, content_type: str) -> Response:
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
        modified = format_datetime(self.modified_at, usegmt=True)
        if request.headers.get("if-none-match") == etag:
            self.not_modified += 1
            return Response(304, b"", {"ETag": etag, "Last-Modified": modified})
        self.full += 1
        return Response(
            200, body, {"Content-Type": content_type, "ETag": etag, "Last-Modified": modified}
        )

    def _rss(self, request: Request) -> Response:
        items = "".join(
            "<item>"
            f"<title>{escape(e.title)}</title>"
            f"<link>https://blogg.example.no/{e.guid}</link>"
            f'<guid isPermaLink="false">{escape(e.guid)}</guid>'
            f"<description>{escape(e.summary)}</description>"
            + (
                f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>"
                if e.published
                else ""
            )
            + (f"<author>{escape(e.author)}</author>" if e.author else "")
            + "</item>"
            for e in self.entries
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>Matbloggen</title><link>https://blogg.example.no/</link>"
            f"<language>{self.language}</language>{items}</channel></rss>"
        )
        return self._conditional(request, body, "application/rss+xml; charset=utf-8")

    def _atom(self, request: Request) -> Response:
        entries = "".join(
            "<entry>"
            f"<id>urn:uuid:{escape(e.guid)}</id><title>{escape(e.title)}</title>"
            f'<link href="https://blogg.example.no/{e.guid}"/>'
            f'<summary type="html">{escape(e.summary)}</summary>'
            + (f"<published>{e.published.isoformat()}</published>" if e.published else "")
            + "<author><name>Kari</name></author></entry>"
            for e in self.entries
        )
        body = (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            'xml:lang="sv"><title>Atombloggen</title><id>urn:uuid:feed</id>'
            f"<updated>2026-11-20T12:00:00Z</updated>{entries}</feed>"
        )
        return self._conditional(request, body, "application/atom+xml")
