"""The strategy playbook in the web app: the report, the editor and the text check.

The document is the same `strategy.yaml` the `lyssna strategy` commands read: one per workspace,
`<home>/workspaces/<slug>/strategy.yaml` (lyssna.strategy.strategy_path), so one workspace never
reads another's strategy. Saving checks the document first (nothing with a problem is written),
writes atomically, keeps the previous version as `strategy.yaml.bak` and appends who saved it to
`strategy.log` next to it.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from lyssna.core.clock import utcnow
from lyssna.core.errors import UserError
from lyssna.core.settings import Settings
from lyssna.strategy import (
    EXAMPLE_FILE,
    TEMPLATE_FILE,
    Problem,
    Strategy,
    check_text,
    strategy_path,
)
from lyssna.strategy.channels import WhereReport, where_are_customers
from lyssna.strategy.profiles import ProfileItem, ProfileVerdict, check_profiles, flag_list
from lyssna.strategy.report import (
    GoalResult,
    StrategyReport,
    build_report,
    parse_period,
)
from lyssna.strategy.schema import KNOWN_CHANNELS
from lyssna.strategy.textcheck import Flag, lint
from lyssna.web.deps import Access, WebState, access, check_csrf, state
from lyssna.web.i18n import Translator
from lyssna.web.routes.common import redirect, render

router = APIRouter()

PERIODS = ("24h", "7d", "30d")
LINT_LANGUAGES = ("sv", "no", "da", "fi", "en")
MAX_DOCUMENT_CHARS = 200_000
MAX_LINT_CHARS = 20_000
BACKUP_SUFFIX = ".bak"
LOG_FILE_NAME = "strategy.log"
_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")
_save_lock = threading.Lock()


# --- the document on disk ------------------------------------------------------------------------


def strategy_file(settings: Settings, slug: str) -> Path:
    """Where workspace `slug` keeps its strategy.yaml (call only after the access check)."""
    if not _SLUG.match(slug):  # slugs are names, never paths
        raise HTTPException(404, "not_found")
    return strategy_path(settings.home, slug)


def read_document(path: Path) -> str | None:
    """The document's text, or None when there is none yet."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the strategy: {exc}") from None


def fingerprint(text: str | None) -> str:
    """What the editor was opened on, to notice a save over someone else's change."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def check_document(text: str) -> tuple[Strategy | None, list[Problem]]:
    if len(text) > MAX_DOCUMENT_CHARS:
        return None, [Problem("strategy.yaml", 1, 1, "the document is too long")]
    strategy, problems = check_text(text, "strategy.yaml")
    if strategy is None and not problems:  # defensive: never treat "nothing" as valid
        problems = [Problem("strategy.yaml", 1, 1, "the document is empty")]
    return strategy, problems


class ChangedMeanwhile(UserError):
    """The document changed on disk since the editor was opened."""


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_document(path: Path, text: str, who: Access, base: str | None = None) -> list[Problem]:
    """Check and save `text`; returns the problems (and writes nothing) when there are any.

    `base` is the fingerprint of the text the editor started from; when given and the file has
    changed since, ChangedMeanwhile is raised and nothing is written.
    """
    _strategy, problems = check_document(text)
    if problems:
        return problems
    with _save_lock:
        current = read_document(path)
        if base is not None and fingerprint(current) != base:
            raise ChangedMeanwhile(
                "the strategy was changed by someone else since you opened it; "
                "copy your text, reload the editor and apply your change again"
            )
        if current is not None:
            backup = path.with_name(path.name + BACKUP_SUFFIX)
            _write_atomically(backup, current)
        _write_atomically(path, text)
        stamp = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        line = (
            f"{stamp}\tsaved\t{who.principal.user.email}\t{who.slug}\tsha256:{fingerprint(text)}\n"
        )
        with (path.parent / LOG_FILE_NAME).open("a", encoding="utf-8") as log:
            log.write(line)
    return []


def starting_text(which: str) -> str | None:
    source = {"template": TEMPLATE_FILE, "example": EXAMPLE_FILE}.get(which)
    return source.read_text(encoding="utf-8") if source else None


# --- the report ----------------------------------------------------------------------------------


@dataclass(slots=True)
class StrategyView:
    """Everything the report page (and GET .../strategy/report) shows."""

    exists: bool
    strategy: Strategy | None
    problems: list[Problem]
    report: StrategyReport | None = None
    report_error: UserError | None = None  # a ReportError can be said in the user's language
    where: WhereReport | None = None
    profiles: list[ProfileVerdict] = field(default_factory=list)


def build_view(st: WebState, who: Access, period: timedelta) -> StrategyView:
    text = read_document(strategy_file(st.settings, who.slug))
    if text is None:
        return StrategyView(False, None, [])
    strategy, problems = check_document(text)
    if problems or strategy is None:
        return StrategyView(True, None, problems)
    ctx = who.context(st)
    view = StrategyView(True, strategy, [])
    try:
        view.report = build_report(ctx, strategy, period)
    except UserError as exc:  # e.g. a topic the goals are measured on is missing (ReportError)
        view.report_error = exc
    view.where = where_are_customers(ctx, strategy, period)
    view.profiles = check_profiles(strategy)
    return view


def _amount(value: float | None, unit: str, t: Translator) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return t.percent(value / 100, 1)
    if unit == "mentions":
        return t.number(round(value))
    digits = 0 if float(value).is_integer() else 1
    text = t.number(value, digits)
    if unit == "pts":
        return f"{text} {t('strategy.unit.points')}"
    return f"{text} {t('strategy.unit.hours')}" if unit == "h" else text


def _delta(value: float | None, unit: str, t: Translator) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    size = abs(value)
    if unit in ("%", "pts"):
        return f"{sign}{t.number(size, 1)} {t('strategy.unit.points')}"
    return f"{sign}{t.number(size, 0 if float(size).is_integer() else 1)}"


def goal_rows(results: tuple[GoalResult, ...], t: Translator) -> list[dict[str, Any]]:
    """Display values for each goal: formatted in the user's locale, labels translated."""
    rows = []
    for r in results:
        rows.append(
            {
                "name": r.goal.name,
                "why": r.goal.why,
                "when": r.goal.when,
                "channel": r.goal.channel,
                "metric": t.label("strategy.metric", r.goal.metric),
                "target": ("≤ " if r.at_most else "≥ ") + _amount(r.target, r.unit, t),
                "current": _amount(r.current, r.unit, t),
                "previous": _amount(r.previous, r.unit, t),
                "trend": _delta(r.trend, r.unit, t),
                "improving": r.improving,
                "status": r.status.replace(" ", "_"),
                "note": t.message("strategy_note", r.note_code, r.note_params, r.note),
            }
        )
    return rows


def signed_share(value: float | None, t: Translator) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + t.percent(abs(value), 0)


def profile_item(item: ProfileItem, t: Translator) -> str:
    """A profile check's message in the user's language; an advert-like description's flags
    each say their reason through the text check's wording."""
    params = item.message_params
    if item.flags:
        said = flag_list(
            item.flags, lambda f: t.message("text_check", f.reason_code, f.reason_params, f.reason)
        )
        params = {**params, "flags": said}
    return t.message("strategy_profile", item.message_code, params, item.message)


def _period(value: str | None) -> tuple[str, timedelta]:
    chosen = value if value in PERIODS else "7d"
    return chosen, parse_period(chosen)


@router.get("/w/{slug}/strategy")
def report_page(request: Request, slug: str) -> Response:
    who = access(request, slug)
    period_name, period = _period(request.query_params.get("period"))
    view = build_view(state(request), who, period)
    return render(
        request,
        who,
        "strategy.html",
        view=view,
        goals=goal_rows(view.report.results, who.t) if view.report else [],
        period=period_name,
        periods=PERIODS,
        signed_share=signed_share,
        profile_item=profile_item,
        done=request.query_params.get("done"),
    )


# --- the editor ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProblemView:
    """A problem with the line it points at, cut around the column for highlighting."""

    line: int
    column: int
    message: str
    before: str
    at: str
    after: str


def problem_views(text: str, problems: list[Problem]) -> list[ProblemView]:
    lines = text.splitlines()
    views = []
    for p in problems:
        source = lines[p.line - 1] if 0 < p.line <= len(lines) else ""
        col = max(p.column - 1, 0)
        views.append(
            ProblemView(
                p.line, p.column, p.message, source[:col], source[col : col + 1], source[col + 1 :]
            )
        )
    return views


def _editor(
    request: Request,
    who: Access,
    text: str,
    base: str,
    *,
    exists: bool,
    status_code: int = 200,
    problems: list[Problem] | None = None,
    checked: bool = False,
    error: str | None = None,
) -> Response:
    return render(
        request,
        who,
        "strategy_edit.html",
        status_code=status_code,
        text=text,
        base=base,
        exists=exists,
        problems=problem_views(text, problems or []),
        checked=checked,
        error=error,
        max_chars=MAX_DOCUMENT_CHARS,
    )


@router.get("/w/{slug}/strategy/edit")
def edit_page(request: Request, slug: str) -> Response:
    who = access(request, slug, "admin")
    current = read_document(strategy_file(state(request).settings, slug))
    start = starting_text(request.query_params.get("start", ""))
    text = current if current is not None else (start or "")
    return _editor(request, who, text, fingerprint(current), exists=current is not None)


@router.post("/w/{slug}/strategy/edit")
def edit_submit(
    request: Request,
    slug: str,
    text: str = Form(""),
    base: str = Form(""),
    action: str = Form("check"),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug, "admin")
    check_csrf(who.principal, csrf)
    text = text.replace("\r\n", "\n")  # browsers send CRLF from a textarea
    path = strategy_file(state(request).settings, slug)
    exists = path.exists()
    if action != "save":
        _strategy, problems = check_document(text)
        return _editor(request, who, text, base, exists=exists, problems=problems, checked=True)
    try:
        problems = save_document(path, text, who, base or None)
    except ChangedMeanwhile as exc:
        return _editor(request, who, text, base, exists=exists, status_code=409, error=str(exc))
    if problems:
        return _editor(request, who, text, base, exists=exists, status_code=422, problems=problems)
    return redirect(f"/w/{slug}/strategy?done=saved")


# --- the text check ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    kinds: tuple[str, ...]  # empty: not flagged


def pieces(text: str, flags: list[Flag]) -> list[Piece]:
    """The text cut at every flag boundary; each piece escaped by the template on its own."""
    cuts = sorted({0, len(text), *(f.start for f in flags), *(f.end for f in flags)})
    out: list[Piece] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end:
            continue
        kinds = tuple(sorted({f.kind for f in flags if f.start < end and f.end > start}))
        if out and out[-1].kinds == kinds:
            out[-1] = Piece(out[-1].text + text[start:end], kinds)
        else:
            out.append(Piece(text[start:end], kinds))
    return out


def lint_text(
    strategy: Strategy | None, text: str, lang: str, question: str, channel: str
) -> list[Flag]:
    """The text check with the strategy's words to avoid (and the channel's, when chosen)."""
    if len(text) > MAX_LINT_CHARS or len(question) > MAX_LINT_CHARS:
        raise UserError(f"the text is too long: at most {MAX_LINT_CHARS:,} characters")
    if lang and lang not in LINT_LANGUAGES:
        raise UserError(f"unknown language {lang!r}: use one of {', '.join(LINT_LANGUAGES)}")
    if channel and channel not in KNOWN_CHANNELS:
        raise UserError(f"unknown channel {channel!r}")
    avoid = strategy.avoided_words(channel or None) if strategy else []
    return lint(text, lang=lang or None, question=question or None, avoid=avoid)


def current_strategy(st: WebState, slug: str) -> Strategy | None:
    """The workspace's strategy when it exists and is valid, else None."""
    text = read_document(strategy_file(st.settings, slug))
    if text is None:
        return None
    strategy, problems = check_document(text)
    return None if problems else strategy


def _lint_page(
    request: Request,
    who: Access,
    strategy: Strategy | None,
    form: dict[str, str],
    flags: list[Flag] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    channels = list(strategy.channels) if strategy and strategy.channels else KNOWN_CHANNELS
    return render(
        request,
        who,
        "strategy_lint.html",
        status_code=status_code,
        form=form,
        flags=flags,
        pieces=pieces(form["text"], flags) if flags else [],
        languages=LINT_LANGUAGES,
        channels=channels,
        has_strategy=strategy is not None,
        error=error,
    )


@router.get("/w/{slug}/strategy/lint")
def lint_page(request: Request, slug: str) -> Response:
    who = access(request, slug)
    strategy = current_strategy(state(request), slug)
    form = {"text": "", "lang": "", "question": "", "channel": ""}
    return _lint_page(request, who, strategy, form)


@router.post("/w/{slug}/strategy/lint")
def lint_submit(
    request: Request,
    slug: str,
    text: str = Form(""),
    lang: str = Form(""),
    question: str = Form(""),
    channel: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    who = access(request, slug)
    check_csrf(who.principal, csrf)
    strategy = current_strategy(state(request), slug)
    text = text.replace("\r\n", "\n")
    form = {"text": text, "lang": lang, "question": question, "channel": channel}
    try:
        flags = lint_text(strategy, text, lang, question, channel)
    except UserError as exc:
        return _lint_page(request, who, strategy, form, error=str(exc), status_code=400)
    return _lint_page(request, who, strategy, form, flags=flags)
