"""The pages of the web app, one module per noun."""

from fastapi import APIRouter

from lyssna.web.routes import (
    account,
    dashboard,
    invites,
    members,
    mentions,
    session,
    strategy,
    topics,
)

router = APIRouter(include_in_schema=False)
for module in (session, invites, account, dashboard, mentions, topics, members, strategy):
    router.include_router(module.router)
