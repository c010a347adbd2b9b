"""What the API reads and writes, as pydantic models (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from lyssna.storage.search import StoredMention

SentimentName = Literal["negative", "neutral", "positive"]
RoleName = Literal["owner", "admin", "editor", "responder", "viewer"]
KindName = Literal["brand", "competitor", "theme"]


class Health(BaseModel):
    status: str


class SignInBody(BaseModel):
    email: str
    password: str


class SignInResult(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; POST /signout ends it")
    expires_at: datetime


class WorkspaceOut(BaseModel):
    slug: str
    name: str
    timezone: str
    role: RoleName


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    locale: str


class Me(BaseModel):
    user: UserOut
    workspaces: list[WorkspaceOut]


class AuthorOut(BaseModel):
    handle: str
    name: str | None
    followers: int | None


class ReasonOut(BaseModel):
    kind: str
    text: str
    weight: float


class MetricsOut(BaseModel):
    likes: int | None
    shares: int | None
    replies: int | None
    views: int | None


class MentionOut(BaseModel):
    id: int
    channel: str
    external_id: str
    created_at: datetime
    text: str
    author: AuthorOut | None
    url: str | None
    lang: str | None
    sentiment: str | None
    sentiment_score: float | None
    explanation: list[ReasonOut] | None = Field(
        description="Why the sentiment: the words, emoji and rules that weighed most. Given by "
        "the mention search and the mention itself; null in views that do not work it out"
    )
    metrics: MetricsOut
    topics: list[str]
    highlights: list[tuple[int, int]] = Field(
        default_factory=list, description="Character spans of `text` the query matched"
    )

    @classmethod
    def of(cls, m: StoredMention, spans: list[tuple[int, int]] | None = None) -> MentionOut:
        return cls(
            id=m.id,
            channel=m.channel,
            external_id=m.external_id,
            created_at=m.created_at,
            text=m.text,
            author=AuthorOut(
                handle=m.author.handle, name=m.author.name, followers=m.author.followers
            )
            if m.author
            else None,
            url=m.url,
            lang=m.lang,
            sentiment=m.sentiment,
            sentiment_score=m.sentiment_score,
            explanation=None
            if m.explanation is None
            else [ReasonOut(kind=r.kind, text=r.text, weight=r.weight) for r in m.explanation],
            metrics=MetricsOut(
                likes=m.metrics.likes,
                shares=m.metrics.shares,
                replies=m.metrics.replies,
                views=m.metrics.views,
            ),
            topics=list(m.topics),
            highlights=spans or [],
        )


class MentionPage(BaseModel):
    items: list[MentionOut]
    page: int
    per_page: int
    has_next: bool


class CorrectionOut(BaseModel):
    old: str | None
    new: str
    created_at: datetime


class MentionDetail(MentionOut):
    corrections: list[CorrectionOut]


class SentimentBody(BaseModel):
    sentiment: SentimentName


class StatsRow(BaseModel):
    topic: str | None = Field(description="Topic name; null for all mentions")
    period: str | None = Field(description="Local hour or day; null when not grouped by time")
    total: int
    negative: int
    neutral: int
    positive: int
    unknown: int
    net_sentiment: float | None


class TopicOut(BaseModel):
    id: int
    name: str
    kind: KindName
    query: str


class TopicBody(BaseModel):
    name: str
    query: str
    kind: KindName = "theme"


class TopicUpdate(BaseModel):
    query: str
    kind: KindName | None = None


class TopicSaved(BaseModel):
    topic: TopicOut
    matched: int


class QueryTestBody(BaseModel):
    query: str


class QueryTestOut(BaseModel):
    count: int
    capped: bool
    examples: list[MentionOut]


class MemberOut(BaseModel):
    user: UserOut
    role: RoleName


class InviteBody(BaseModel):
    email: str
    role: RoleName = "viewer"


class Invited(BaseModel):
    user: UserOut
    setup_link: str | None = Field(
        description="For someone new: a link to set their password, shown once, working once "
        "until `expires_at`; null when the user already had an account"
    )
    expires_at: datetime | None = None


class RoleBody(BaseModel):
    role: RoleName


class TokenBody(BaseModel):
    name: str


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret, shown only this once")
