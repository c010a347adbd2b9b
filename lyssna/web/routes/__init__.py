"""The pages of the web app, one module per noun."""

from fastapi import APIRouter

from lyssna.web.routes import (
    account,
    dashboard,
    invites,
    members,
    mentions,
    session,
    sources,
    strategy,
    topics,
)

router = APIRouter(include_in_schema=False)
for module in (session, invites, account, dashboard, mentions, topics, sources, members, strategy):
    router.include_router(module.router)
