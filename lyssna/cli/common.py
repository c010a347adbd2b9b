"""What every command shares: settings from the global options, error display, time arguments."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import typer
from rich.console import Console

from lyssna.core.clock import utcnow
from lyssna.core.errors import LyssnaError, QuerySyntaxError, UserError
from lyssna.core.settings import Settings, load_settings
from lyssna.workspace import WorkspaceContext, open_workspace

console = Console()
err_console = Console(stderr=True)

_flags: dict[str, Any] = {}

T = TypeVar("T")


def set_global_flags(**flags: Any) -> None:
    _flags.clear()
    _flags.update(flags)


def settings() -> Settings:
    return load_settings(**_flags)


def workspace() -> WorkspaceContext:
    return open_workspace(settings())


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show a user error as a message and exit code 2, never as a traceback."""
    try:
        yield
    except QuerySyntaxError as exc:
        err_console.print(f"[bold red]Error in query:[/] {exc}", highlight=False)
        err_console.print(exc.pointer(), highlight=False, markup=False)
        raise typer.Exit(2) from None
    except UserError as exc:
        raise fail(str(exc)) from None
    except LyssnaError as exc:
        raise fail(str(exc), code=1) from None
    except KeyboardInterrupt:
        err_console.print("Interrupted; what was stored so far is kept.")
        raise typer.Exit(130) from None


def guarded(function: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of user_errors for command functions."""
    import functools

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with user_errors():
            return function(*args, **kwargs)

    return wrapper


_RELATIVE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str | None, option: str) -> datetime | None:
    """ISO-8601 (no offset means UTC) or a relative age such as 30m, 24h, 7d, 2w."""
    if value is None:
        return None
    text = value.strip()
    relative = _RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return utcnow() - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"{option} {value!r} is not a time: use ISO-8601 (2026-11-02 or 2026-11-02T08:00+01:00)"
            " or an age such as 24h, 7d, 2w"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def is_interactive() -> bool:
    return sys.stderr.isatty()
