"""Topics: the listening queries, managed by editors, tested before they are saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lyssna import listening
from lyssna.core.clock import utcnow
from lyssna.core.errors import QuerySyntaxError, UserError
from lyssna.core.records import TOPIC_KINDS, Topic
from lyssna.explanations import with_explanations
from lyssna.query import parse
from lyssna.storage import topics as topic_store
from lyssna.storage.search import MentionFilter, iter_matching
from lyssna.web import dashboard, explorer
from lyssna.web.deps import Access, access, check_csrf, state
from lyssna.web.routes.common import redirect, render

router = APIRouter()

TEST_DAYS = 7
TEST_LIMIT = 10_000  # stop counting here; the page says "at least"


@dataclass(slots=True)
class QueryTest:
    query: str
    count: int
    capped: bool
    examples: list[explorer.Hit] = field(default_factory=list)


def test_query(ctx_engine: object, workspace_id: int, query: str) -> QueryTest:
    """How many mentions of the last days a query matches, with a few examples."""
    parsed = parse(query)
    flt = MentionFilter(query=parsed, since=utcnow() - timedelta(days=TEST_DAYS))
    with ctx_engine.connect() as conn:  # type: ignore[attr-defined]
        found = list(islice(iter_matching(conn, workspace_id, flt), TEST_LIMIT + 1))
        examples = with_explanations(conn, workspace_id, found[:5])
    return QueryTest(
        query,
        min(len(found), TEST_LIMIT),
        len(found) > TEST_LIMIT,
        [explorer.hit(m, parsed) for m in examples],
    )


def _page(request: Request, who: Access, status_code: int = 200, **context: object) -> Response:
    with state(request).engine.connect() as conn:
        topics = topic_store.list_all(conn, who.workspace_id)
    values: dict[str, object] = {
        "topics": topics,
        "kinds": TOPIC_KINDS,
        "test": None,
        "error": None,
        "form": {"name": "", "query": "", "kind": "brand", "id": ""},
        "done": request.query_params.get("done"),
        "matched": request.query_params.get("matched"),
        "test_days": TEST_DAYS,
    }
    editing = request.query_params.get("edit")
    for topic in topics:
        if "form" not in context and editing == str(topic.id):
            values["form"] = {
                "name": topic.name,
                "query": topic.query,
                "kind": topic.kind,
                "id": str(topic.id),
            }
    values.update(context)
    return render(request, who, "topics.html", status_code=status_code, **values)


def _topic(request: Request, who: Access, topic_id: int) -> Topic:
    with state(request).engine.connect() as conn:
        for topic in topic_store.list_all(conn, who.workspace_id):
            if topic.id == topic_id:
                return topic
    raise UserError("no such topic")


@router.get("/w/{slug}/topics")
def topics(request: Request, slug: str) -> Response:
    return _page(request, access(request, slug))


@router.post("/w/{slug}/topics")
def save_topic(
    request: Request,
    slug: str,
    name: str = Form(""),
    query: str = Form(""),
    kind: str = Form("theme"),
    topic_id: str = Form(""),
    action: str = Form("save"),
    csrf: str = Form(""),
) -> Response:
    """Create or edit a topic, or (action=test) only show what the query would match."""
    who = access(request, slug, "editor")
    check_csrf(who.principal, csrf)
    form = {"name": name, "query": query, "kind": kind, "id": topic_id}
    try:
        if action == "test":
            result = test_query(state(request).engine, who.workspace_id, query)
            return _page(request, who, form=form, test=result)
        ctx = who.context(state(request))
        if topic_id:
            current = _topic(request, who, int(topic_id))
            if name.strip() and name.strip() != current.name:
                raise UserError("renaming a topic is not supported; create a new one")
            _topic_, matched = listening.edit_topic(ctx, current.name, query, kind)
        else:
            _topic_, matched = listening.add_topic(ctx, name, query, kind)
    except QuerySyntaxError as exc:
        return _page(request, who, 400, form=form, error=exc)
    except (UserError, ValueError) as exc:
        return _page(request, who, 400, form=form, error=exc)
    dashboard.forget(who.workspace_id)
    return redirect(f"/w/{slug}/topics?done=saved&matched={matched}")


@router.post("/w/{slug}/topics/{topic_id}/remove")
def remove_topic(request: Request, slug: str, topic_id: int, csrf: str = Form("")) -> Response:
    who = access(request, slug, "editor")
    check_csrf(who.principal, csrf)
    topic = _topic(request, who, topic_id)
    listening.remove_topic(who.context(state(request)), topic.name)
    dashboard.forget(who.workspace_id)
    return redirect(f"/w/{slug}/topics?done=removed")
