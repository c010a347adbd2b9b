"""The API's routes. Each one checks the caller's role in the workspace named in the path."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from lyssna import corrections, listening
from lyssna.core.clock import utcnow
from lyssna.core.records import Topic
from lyssna.storage import accounts
from lyssna.storage import topics as topic_store
from lyssna.storage.accounts import Role
from lyssna.storage.database import write_transaction
from lyssna.storage.search import count_by_topic
from lyssna.web import auth, dashboard, explorer, members
from lyssna.web.api import schemas as s
from lyssna.web.deps import Access, SignInRequired, client_ip, optional_principal, state
from lyssna.web.deps import access as page_access
from lyssna.web.routes.topics import test_query
from lyssna.web.security import tokens_match

# Declared so the OpenAPI document shows the Bearer scheme; the check itself is in _who.
bearer = HTTPBearer(auto_error=False, description="A personal API token or a sign-in token")
router = APIRouter()

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _who(
    request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> auth.Principal:
    who = optional_principal(request)
    if who is None:
        raise SignInRequired()
    # A cookie is sent by the browser on its own: writes through it must prove intent.
    if who.via == "session" and request.method not in _SAFE_METHODS:
        if not tokens_match(who.csrf_token, request.headers.get("x-csrf-token")):
            raise HTTPException(403, "missing or wrong X-CSRF-Token")
    return who


def _access(request: Request, slug: str, role: Role = "viewer") -> Access:
    return page_access(request, slug, role)


Authenticated = Depends(_who)


@router.get("/health", response_model=s.Health, tags=["meta"])
def health(request: Request) -> s.Health:
    with state(request).engine.connect() as conn:
        conn.execute(select(1))
    return s.Health(status="ok")


@router.post("/signin", response_model=s.SignInResult, tags=["auth"])
def sign_in(request: Request, body: s.SignInBody) -> s.SignInResult:
    """Exchange email and password for a token (rate limited like the sign-in page)."""
    engine = state(request).engine
    try:
        user = auth.sign_in(engine, body.email, body.password, client_ip(request))
    except auth.TooManyAttempts as exc:
        raise HTTPException(429, str(exc)) from None
    except auth.SignInError as exc:
        raise HTTPException(401, str(exc)) from None
    secret, _csrf = auth.start_session(engine, user.id)
    return s.SignInResult(token=secret, expires_at=utcnow() + auth.SESSION_LIFETIME)


@router.post("/signout", status_code=204, tags=["auth"])
def sign_out(request: Request, who: auth.Principal = Authenticated) -> Response:
    if who.session_hash:
        auth.end_session(state(request).engine, who.session_hash, hashed=True)
    return Response(status_code=204)


def _user_out(user: accounts.User) -> s.UserOut:
    return s.UserOut(id=user.id, email=user.email, name=user.name, locale=user.locale)


def _workspaces(request: Request, who: auth.Principal) -> list[s.WorkspaceOut]:
    with state(request).engine.connect() as conn:
        found = accounts.memberships_of(conn, who.user.id)
    return [
        s.WorkspaceOut(slug=m.slug, name=m.workspace_name, timezone=m.timezone, role=m.role)
        for m in found
    ]


@router.get("/me", response_model=s.Me, tags=["auth"])
def me(request: Request, who: auth.Principal = Authenticated) -> s.Me:
    return s.Me(user=_user_out(who.user), workspaces=_workspaces(request, who))


@router.get("/workspaces", response_model=list[s.WorkspaceOut], tags=["workspaces"])
def workspaces(request: Request, who: auth.Principal = Authenticated) -> list[s.WorkspaceOut]:
    """The workspaces the caller is a member of."""
    return _workspaces(request, who)


# --- mentions ------------------------------------------------------------------------------------


@router.get("/workspaces/{slug}/mentions", response_model=s.MentionPage, tags=["mentions"])
def search_mentions(
    request: Request,
    slug: str,
    q: str = Query("", description="The listening query language", max_length=2000),
    topic: int | None = Query(None, description="Topic id"),
    channel: str | None = None,
    lang: str | None = None,
    sentiment: s.SentimentName | None = None,
    since: datetime | None = Query(None, description="ISO-8601; no offset means UTC"),
    until: datetime | None = None,
    page: int = Query(1, ge=1, le=explorer.MAX_PAGE),
    per_page: int = Query(25, ge=1, le=100),
    _who_: auth.Principal = Authenticated,
) -> s.MentionPage:
    who = _access(request, slug)
    req = explorer.SearchRequest(
        q=q,
        topic_id=topic,
        channel=channel,
        lang=lang,
        sentiment=sentiment,
        since=_utc(since),
        until=_utc(until),
        page=page,
        per_page=per_page,
    )
    with state(request).engine.connect() as conn:
        if topic is not None:
            _topic(conn, who.workspace_id, topic)
        result = explorer.search(conn, who.workspace_id, req)
    items = [s.MentionOut.of(h.mention, _spans(h)) for h in result.hits]
    return s.MentionPage(
        items=items, page=result.page, per_page=result.per_page, has_next=result.has_next
    )


def _spans(hit: explorer.Hit) -> list[tuple[int, int]]:
    spans, at = [], 0
    for text, marked in hit.segments:
        if marked:
            spans.append((at, at + len(text)))
        at += len(text)
    return spans


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _detail(request: Request, workspace_id: int, mention_id: int) -> s.MentionDetail:
    with state(request).engine.connect() as conn:
        found = explorer.find_mention(conn, workspace_id, mention_id)
        if found is None:
            raise HTTPException(404, "no such mention")
        corrections = accounts.corrections_for(conn, mention_id)
    return s.MentionDetail(
        **s.MentionOut.of(found).model_dump(),
        corrections=[
            s.CorrectionOut(old=c.old, new=c.new, created_at=c.created_at) for c in corrections
        ],
    )


@router.get(
    "/workspaces/{slug}/mentions/{mention_id}", response_model=s.MentionDetail, tags=["mentions"]
)
def mention(
    request: Request, slug: str, mention_id: int, _who_: auth.Principal = Authenticated
) -> s.MentionDetail:
    who = _access(request, slug)
    return _detail(request, who.workspace_id, mention_id)


@router.post(
    "/workspaces/{slug}/mentions/{mention_id}/sentiment",
    response_model=s.MentionDetail,
    tags=["mentions"],
)
def correct_sentiment(
    request: Request,
    slug: str,
    mention_id: int,
    body: s.SentimentBody,
    _who_: auth.Principal = Authenticated,
) -> s.MentionDetail:
    """Correct a mention's sentiment (responders and up); the correction is kept."""
    who = _access(request, slug, "responder")
    # Stored at once; every few corrections the workspace's analyser learns from them.
    corrections.correct(
        state(request).engine, who.workspace_id, mention_id, body.sentiment, who.principal.user.id
    )
    dashboard.forget(who.workspace_id)
    return _detail(request, who.workspace_id, mention_id)


@router.get("/workspaces/{slug}/stats", response_model=list[s.StatsRow], tags=["mentions"])
def stats(
    request: Request,
    slug: str,
    since: datetime | None = None,
    until: datetime | None = None,
    by: Literal["hour", "day"] | None = None,
    topic: list[int] | None = Query(None, description="Topic ids; none: every topic and all"),
    _who_: auth.Principal = Authenticated,
) -> list[s.StatsRow]:
    """Mention counts per topic (and per local hour or day) with the sentiment split."""
    who = _access(request, slug)
    with state(request).engine.connect() as conn:
        topics = {t.id: t.name for t in topic_store.list_all(conn, who.workspace_id)}
        ids = [i for i in topic if i in topics] if topic else None
        if topic and not ids:
            return []
        counts = count_by_topic(
            conn,
            who.workspace_id,
            ids,
            since=_utc(since),
            until=_utc(until),
            by=by,
            timezone=who.membership.timezone,
        )
    rows = []
    for topic_id, periods in counts.items():
        for period, c in sorted(periods.items(), key=lambda p: p[0] or ""):
            rows.append(
                s.StatsRow(
                    topic=topics.get(topic_id) if topic_id is not None else None,
                    period=period,
                    total=c.total,
                    negative=c.negative,
                    neutral=c.neutral,
                    positive=c.positive,
                    unknown=c.unknown,
                    net_sentiment=c.net_sentiment,
                )
            )
    rows.sort(key=lambda r: (r.topic is not None, r.topic or "", r.period or ""))
    return rows


# --- topics --------------------------------------------------------------------------------------


def _topic_out(t: Topic) -> s.TopicOut:
    return s.TopicOut(id=t.id, name=t.name, kind=t.kind, query=t.query)


def _topic(conn: object, workspace_id: int, topic_id: int) -> Topic:
    for t in topic_store.list_all(conn, workspace_id):  # type: ignore[arg-type]
        if t.id == topic_id:
            return t
    raise HTTPException(404, "no such topic")


@router.get("/workspaces/{slug}/topics", response_model=list[s.TopicOut], tags=["topics"])
def list_topics(
    request: Request, slug: str, _who_: auth.Principal = Authenticated
) -> list[s.TopicOut]:
    who = _access(request, slug)
    return [_topic_out(t) for t in listening.list_topics(who.context(state(request)))]


@router.post(
    "/workspaces/{slug}/topics", response_model=s.TopicSaved, status_code=201, tags=["topics"]
)
def create_topic(
    request: Request, slug: str, body: s.TopicBody, _who_: auth.Principal = Authenticated
) -> s.TopicSaved:
    """Add a topic (editors and up); it is matched against the stored mentions at once."""
    who = _access(request, slug, "editor")
    topic, matched = listening.add_topic(
        who.context(state(request)), body.name, body.query, body.kind
    )
    dashboard.forget(who.workspace_id)
    return s.TopicSaved(topic=_topic_out(topic), matched=matched)


@router.post("/workspaces/{slug}/topics/test", response_model=s.QueryTestOut, tags=["topics"])
def test_topic_query(
    request: Request, slug: str, body: s.QueryTestBody, _who_: auth.Principal = Authenticated
) -> s.QueryTestOut:
    """What a query would match in the last days, before saving it as a topic."""
    who = _access(request, slug, "editor")
    result = test_query(state(request).engine, who.workspace_id, body.query)
    return s.QueryTestOut(
        count=result.count,
        capped=result.capped,
        examples=[s.MentionOut.of(h.mention, _spans(h)) for h in result.examples],
    )


@router.get("/workspaces/{slug}/topics/{topic_id}", response_model=s.TopicOut, tags=["topics"])
def get_topic(
    request: Request, slug: str, topic_id: int, _who_: auth.Principal = Authenticated
) -> s.TopicOut:
    who = _access(request, slug)
    with state(request).engine.connect() as conn:
        return _topic_out(_topic(conn, who.workspace_id, topic_id))


@router.put("/workspaces/{slug}/topics/{topic_id}", response_model=s.TopicSaved, tags=["topics"])
def update_topic(
    request: Request,
    slug: str,
    topic_id: int,
    body: s.TopicUpdate,
    _who_: auth.Principal = Authenticated,
) -> s.TopicSaved:
    who = _access(request, slug, "editor")
    with state(request).engine.connect() as conn:
        current = _topic(conn, who.workspace_id, topic_id)
    topic, matched = listening.edit_topic(
        who.context(state(request)), current.name, body.query, body.kind
    )
    dashboard.forget(who.workspace_id)
    return s.TopicSaved(topic=_topic_out(topic), matched=matched)


@router.delete("/workspaces/{slug}/topics/{topic_id}", status_code=204, tags=["topics"])
def delete_topic(
    request: Request, slug: str, topic_id: int, _who_: auth.Principal = Authenticated
) -> Response:
    who = _access(request, slug, "editor")
    with state(request).engine.connect() as conn:
        current = _topic(conn, who.workspace_id, topic_id)
    listening.remove_topic(who.context(state(request)), current.name)
    dashboard.forget(who.workspace_id)
    return Response(status_code=204)


# --- members -------------------------------------------------------------------------------------


@router.get("/workspaces/{slug}/members", response_model=list[s.MemberOut], tags=["members"])
def list_members(
    request: Request, slug: str, _who_: auth.Principal = Authenticated
) -> list[s.MemberOut]:
    who = _access(request, slug, "admin")
    return [
        s.MemberOut(user=_user_out(m.user), role=m.role)
        for m in members.list_members(state(request).engine, who.workspace_id)
    ]


@router.post(
    "/workspaces/{slug}/members", response_model=s.Invited, status_code=201, tags=["members"]
)
def invite_member(
    request: Request, slug: str, body: s.InviteBody, _who_: auth.Principal = Authenticated
) -> s.Invited:
    """Add a user to the workspace; someone new gets a one-time link to set their password."""
    who = _access(request, slug, "admin")
    invited = members.invite(
        state(request).engine,
        who.workspace_id,
        who.role,
        body.email,
        body.role,
        who.t.language,
        actor_id=who.principal.user.id,
    )
    base = state(request).settings.public_url or str(request.base_url).removesuffix("api/v1/")
    return s.Invited(
        user=_user_out(invited.user), setup_link=invited.link(base), expires_at=invited.expires_at
    )


@router.put("/workspaces/{slug}/members/{user_id}", status_code=204, tags=["members"])
def set_member_role(
    request: Request,
    slug: str,
    user_id: int,
    body: s.RoleBody,
    _who_: auth.Principal = Authenticated,
) -> Response:
    who = _access(request, slug, "admin")
    members.set_role(state(request).engine, who.workspace_id, who.role, user_id, body.role)
    return Response(status_code=204)


@router.delete("/workspaces/{slug}/members/{user_id}", status_code=204, tags=["members"])
def remove_member(
    request: Request, slug: str, user_id: int, _who_: auth.Principal = Authenticated
) -> Response:
    who = _access(request, slug, "admin")
    members.remove(state(request).engine, who.workspace_id, who.role, user_id)
    return Response(status_code=204)


# --- personal API tokens -------------------------------------------------------------------------


def _token_out(t: accounts.ApiToken) -> s.TokenOut:
    return s.TokenOut(
        id=t.id,
        name=t.name,
        prefix=t.prefix,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
    )


@router.get("/tokens", response_model=list[s.TokenOut], tags=["tokens"])
def list_tokens(request: Request, who: auth.Principal = Authenticated) -> list[s.TokenOut]:
    with state(request).engine.connect() as conn:
        return [_token_out(t) for t in accounts.api_tokens_of(conn, who.user.id)]


@router.post("/tokens", response_model=s.TokenCreated, status_code=201, tags=["tokens"])
def create_token(
    request: Request, body: s.TokenBody, who: auth.Principal = Authenticated
) -> s.TokenCreated:
    """A new personal API token; only its hash is stored, so the secret is shown only now."""
    secret, token = auth.create_api_token(state(request).engine, who.user.id, body.name)
    return s.TokenCreated(**_token_out(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=204, tags=["tokens"])
def revoke_token(request: Request, token_id: int, who: auth.Principal = Authenticated) -> Response:
    with write_transaction(state(request).engine) as conn:
        accounts.revoke_api_token(conn, who.user.id, token_id)
    return Response(status_code=204)
