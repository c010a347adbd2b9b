"""Rendering helpers shared by the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from lyssna.web.deps import Access, state


def render(
    request: Request, access: Access, template: str, status_code: int = 200, **context: Any
) -> Response:
    context.update(
        access=access,
        t=access.t,
        csrf=access.principal.csrf_token or "",
        user=access.principal.user,
    )
    return state(request).templates.TemplateResponse(
        request, template, context, status_code=status_code
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    """A CSV download streamed row by row (exports can be large)."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else _defuse(v) for v in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _defuse(value: Any) -> Any:
    """Mention text opened in a spreadsheet must not run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def parse_day(value: str | None, timezone: str, *, end: bool = False) -> datetime | None:
    """A yyyy-mm-dd date from a form, as the start (or end) of that day in the workspace zone."""
    if not value:
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    if end:
        local += timedelta(days=1)
    return local.astimezone(UTC)


def optional_int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
