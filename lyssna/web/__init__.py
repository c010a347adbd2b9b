"""The web app and the REST API: sign in, dashboard, mention explorer, topics, users, tokens."""

# schema first: it imports the modules that add tables (accounts among them) at its end, and
# one of those imports accounts in turn, so accounts must never be the first to load.
import lyssna.storage.schema  # noqa: F401
from lyssna.web.app import create_app, ensure_demo_user, serve

__all__ = ["create_app", "ensure_demo_user", "serve"]
