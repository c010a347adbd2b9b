"""`python -m lyssna.cli` runs the `lyssna` command."""

from lyssna.cli.main import app

app()
