"""Narrowing a query to database candidates: a SUPERSET of the mentions it matches.

The caller runs `candidate_filter(query, dialect)` in SQL and checks each candidate with
`Query.matches`. Word conditions use full-text search over `mentions.search_terms`:

* sqlite: an FTS5 external-content table `mentions_fts` (unicode61, diacritics kept);
* postgresql: a generated `search_vector` (the words of `search_terms`, untouched) with GIN.

Every node is translated to two bounds: `upper` holds for every mention the node matches
(None: no narrowing, i.e. TRUE) and `lower` holds only for mentions it matches (None: FALSE).
`NOT x` swaps them, so a NOT is only narrowed when the inner condition is known exactly
(field conditions, and plain words on PostgreSQL); otherwise it is dropped, which is always
safe. All user text reaches the database as bound parameters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from lyssna.query.parser import And, Field, Near, NearSide, Node, Not, Or, Phrase, Query, Term
from lyssna.query.tokens import MAX_TERM_CHARS
from lyssna.storage.schema import mentions

DIALECTS = ("sqlite", "postgresql")

# --- full-text expressions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Lexeme:
    text: str
    prefix: bool


@dataclass(frozen=True, slots=True)
class _FtsAnd:
    parts: tuple[_Fts, ...]


@dataclass(frozen=True, slots=True)
class _FtsOr:
    parts: tuple[_Fts, ...]


_Fts = _Lexeme | _FtsAnd | _FtsOr
_Condition = _Fts | ColumnElement[bool]


def _fts5(expr: _Fts) -> str:
    """FTS5 query syntax: every term in double quotes, so AND, NOT or NEAR are just words."""
    if isinstance(expr, _Lexeme):
        return '"' + expr.text.replace('"', '""') + '"' + ("*" if expr.prefix else "")
    joiner = " AND " if isinstance(expr, _FtsAnd) else " OR "
    return "(" + joiner.join(_fts5(part) for part in expr.parts) + ")"


def _tsquery(expr: _Fts) -> str:
    """PostgreSQL tsquery syntax with quoted lexemes, taken verbatim by CAST(... AS tsquery)."""
    if isinstance(expr, _Lexeme):
        quoted = expr.text.replace("\\", "\\\\").replace("'", "''")
        return f"'{quoted}'" + (":*" if expr.prefix else "")
    joiner = " & " if isinstance(expr, _FtsAnd) else " | "
    return "(" + joiner.join(_tsquery(part) for part in expr.parts) + ")"


def _fts_tokenizable(word: str) -> bool:
    """Whether FTS5's unicode61 tokenizer surely finds a token in `word`.

    A phrase without tokens ("_") matches nothing in FTS5, which would lose matches. Letters
    and digits that Unicode 3.2 already knew are token characters for every SQLite version.
    """
    return any(unicodedata.ucd_3_2_0.category(char)[0] in "LN" for char in word)


def _word_bounds(
    text: str, prefix: bool, exact: bool, dialect: str, full_text: bool = True
) -> _Bounds:
    """Bounds of "some word equals `text`" (or starts with it, for a prefix); nothing known
    without the full-text index."""
    if not full_text:
        return _Bounds(None, None)
    if len(text) > MAX_TERM_CHARS:
        # search_terms keeps only the first MAX_TERM_CHARS characters of a long word.
        text, prefix, exact = text[:MAX_TERM_CHARS], True, False
    if not text or (dialect == "sqlite" and not _fts_tokenizable(text)):
        return _Bounds(None, None)
    lexeme = _Lexeme(text, prefix)
    # FTS5 splits words at underscores and combining marks, so it only ever over-approximates;
    # PostgreSQL indexes our words as they are, so a plain word there is exact.
    return _Bounds(lexeme, lexeme if exact and dialect == "postgresql" else None)


# --- bounds ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bounds:
    upper: _Condition | None  # None: TRUE, no narrowing
    lower: _Condition | None  # None: FALSE, nothing known for sure


def _is_text(condition: _Condition | None) -> bool:
    return isinstance(condition, _Lexeme | _FtsAnd | _FtsOr)


def _flatten(kind: type[_FtsAnd] | type[_FtsOr], parts: list[_Fts]) -> list[_Fts]:
    flat: list[_Fts] = []
    for part in parts:
        flat.extend(
            part.parts if isinstance(part, _FtsAnd | _FtsOr) and type(part) is kind else (part,)
        )
    return flat


class _Translator:
    def __init__(self, dialect: str, full_text: bool = True) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"no full-text narrowing for dialect {dialect!r}; known: {DIALECTS}")
        self.dialect = dialect
        self.full_text = full_text
        self.searched = False  # whether a full-text condition was written

    # conditions -> SQL

    def sql(self, condition: _Condition) -> ColumnElement[bool]:
        if isinstance(condition, _Lexeme | _FtsAnd | _FtsOr):
            return self._full_text(condition)
        return condition

    def _and(self, conditions: list[_Condition]) -> _Condition:
        # Word conditions are kept together so the database runs one full-text search for them.
        texts = _flatten(_FtsAnd, [c for c in conditions if _is_text(c)])  # type: ignore[misc]
        others = [c for c in conditions if not _is_text(c)]
        text = (texts[0] if len(texts) == 1 else _FtsAnd(tuple(texts))) if texts else None
        if not others:
            assert text is not None
            return text
        if text is not None:
            others.append(self.sql(text))
        return others[0] if len(others) == 1 else sa.and_(*others)  # type: ignore[arg-type]

    def _or(self, conditions: list[_Condition]) -> _Condition:
        if len(conditions) == 1:
            return conditions[0]
        if all(_is_text(c) for c in conditions):
            return _FtsOr(tuple(_flatten(_FtsOr, conditions)))  # type: ignore[arg-type]
        return sa.or_(*(self.sql(c) for c in conditions))

    def _full_text(self, expr: _Fts) -> ColumnElement[bool]:
        self.searched = True
        if self.dialect == "sqlite":
            fts = sa.table("mentions_fts", sa.column("rowid"))
            matching = (
                sa.select(fts.c.rowid)
                .where(sa.literal_column("mentions_fts").op("MATCH")(sa.literal(_fts5(expr))))
                .scalar_subquery()
            )
            return mentions.c.id.in_(matching)
        vector = sa.literal_column(f"{mentions.name}.search_vector", postgresql.TSVECTOR)
        query = sa.cast(sa.literal(_tsquery(expr), sa.Text), postgresql.TSQUERY)
        return vector.op("@@", return_type=sa.Boolean)(query)

    # nodes -> bounds

    def bounds(self, node: Node) -> _Bounds:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Phrase):
            return self.all_of([self.term(term) for term in node.terms], exact=False)
        if isinstance(node, Near):
            return self.all_of([self.side(node.left), self.side(node.right)], exact=False)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            inner = self.bounds(node.child)
            return _Bounds(self._negate(inner.lower), self._negate(inner.upper))
        parts = [self.bounds(child) for child in node.children]
        if isinstance(node, And):
            return self.all_of(parts)
        return self.any_of(parts)

    def side(self, side: NearSide) -> _Bounds:
        if isinstance(side, Or):
            return self.any_of([self.bounds(child) for child in side.children], exact=False)
        return self.bounds(side)

    def term(self, term: Term) -> _Bounds:
        text = term.text.split("?", 1)[0]
        return _word_bounds(
            text,
            prefix=term.is_wildcard,
            exact=term.kind is None and "?" not in term.text,
            dialect=self.dialect,
            full_text=self.full_text,
        )

    def all_of(self, parts: list[_Bounds], exact: bool = True) -> _Bounds:
        uppers = [p.upper for p in parts if p.upper is not None]
        lowers = [p.lower for p in parts]
        lower = None
        if exact and lowers and all(c is not None for c in lowers):
            lower = self._and(lowers)  # type: ignore[arg-type]
        return _Bounds(self._and(uppers) if uppers else None, lower)

    def any_of(self, parts: list[_Bounds], exact: bool = True) -> _Bounds:
        uppers = [p.upper for p in parts]
        lowers = [p.lower for p in parts if p.lower is not None]
        upper = None
        if uppers and all(c is not None for c in uppers):
            upper = self._or(uppers)  # type: ignore[arg-type]
        return _Bounds(upper, self._or(lowers) if exact and lowers else None)

    def _negate(self, condition: _Condition | None) -> _Condition | None:
        # NOT FALSE is TRUE (no narrowing) and NOT TRUE is FALSE: None stays None either way.
        return None if condition is None else sa.not_(self.sql(condition))

    # fields

    def field(self, node: Field) -> _Bounds:
        value = node.value
        if node.name == "lang":
            return self.any_of(
                [_equals(mentions.c.lang, value), _equals(mentions.c.lang_variant, value)]
            )
        if node.name == "channel":
            return _equals(mentions.c.channel, value)
        if node.name == "author":
            return _equals(mentions.c.author_handle, value, strip_at=True)
        if node.name == "sentiment":
            return _equals(mentions.c.sentiment, value)
        assert node.name == "site"
        return self.any_of(
            [_equals(mentions.c.host, value), _equals(mentions.c.host, value, suffix=True)]
        )


# --- case-insensitive field comparison ---------------------------------------------------------
#
# Python lower-cases with full Unicode rules; SQLite's lower() only knows ASCII, and
# PostgreSQL's follows the database locale. Two non-ASCII characters lower-case to ASCII in
# Python: KELVIN SIGN to "k" and "İ" to "i" plus a combining dot. So an ASCII value compares
# exactly with lower(column) = value, except that a "k" may be a Kelvin sign in SQLite (matched
# with "_") and that PostgreSQL may turn "İ" into a bare "i" (excluded from the exact bound).
# Non-ASCII stretches of a value become "%" in a LIKE pattern: a superset, never exact.


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _pattern(value: str) -> str:
    pieces: list[str] = []
    for i, char in enumerate(value):
        dotted_i = char == "i" and value[i + 1 : i + 2] == "\u0307"
        if not char.isascii() or dotted_i:
            if not pieces or pieces[-1] != "%":
                pieces.append("%")
        elif char == "k":
            pieces.append("_")
        else:
            pieces.append(_like_escape(char))
    return "".join(pieces)


def _equals(
    column: sa.Column[str], value: str, *, strip_at: bool = False, suffix: bool = False
) -> _Bounds:
    stored: ColumnElement[str] = sa.func.ltrim(column, "@") if strip_at else column
    lowered = sa.func.lower(stored)
    present = column.is_not(None)  # keeps every condition TRUE or FALSE, never NULL
    lead = "%." if suffix else ""
    if not value.isascii():
        return _Bounds(sa.and_(present, lowered.like(lead + _pattern(value), escape="\\")), None)
    exact = lowered.like(lead + _like_escape(value), escape="\\") if suffix else lowered == value
    loose = lowered.like(lead + _pattern(value), escape="\\") if "k" in value else exact
    sure = sa.and_(present, exact)
    if "i" in value:
        sure = sa.and_(sure, sa.not_(stored.like("%\u0130%")))
    return _Bounds(sa.and_(present, loose), sure)


def candidate_filter(
    query: Query, dialect_name: str, *, full_text: bool = True
) -> ColumnElement[bool] | None:
    """A condition over `mentions` that every mention matching `query` satisfies, or None.

    `dialect_name` is "sqlite" or "postgresql" (an engine's `dialect.name`). `full_text=False`
    leaves the words out (only fields narrow), for mentions read in time order and checked
    one by one, where a full-text search would read every mention with the words first.
    """
    translator = _Translator(dialect_name, full_text)
    upper = translator.bounds(query.root).upper
    return None if upper is None else translator.sql(upper)


def uses_full_text(query: Query, dialect_name: str) -> bool:
    """Whether `candidate_filter` narrows `query` through the full-text index."""
    translator = _Translator(dialect_name)
    upper = translator.bounds(query.root).upper
    if upper is not None:
        translator.sql(upper)
    return translator.searched
