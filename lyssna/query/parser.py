"""The listening query language: lexer, recursive-descent parser and the syntax tree.

Grammar (docs/query-language.md explains it for users):

    query  := or
    or     := and ("OR" and)*
    and    := unary (["AND"] unary)*          two terms side by side mean AND
    unary  := ("NOT" | "-") unary | near
    near   := atom [("NEAR/n" | "ONEAR/n") atom]
    atom   := word | "phrase" | field:value | "(" or ")"

A bare run of text that holds several words (`e-post`, `acme.se`) is the phrase of those words,
because that is how the tokenizer splits the same text in a mention. Every malformed query raises
`QuerySyntaxError` with the 1-based column of the offending character; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from lyssna.core.errors import QuerySyntaxError
from lyssna.core.records import SENTIMENTS
from lyssna.query.tokens import NOT_AFTER_WORD, WORD_PATTERN, WORD_START, TokenKind

if TYPE_CHECKING:
    from lyssna.query.evaluate import MatchDocument

FIELDS = ("lang", "channel", "author", "site", "sentiment")
MIN_PREFIX_LETTERS = 3
MAX_DISTANCE = 999_999
MAX_DEPTH = 100  # nested parentheses and NOTs; deeper would only exhaust the stack

_OPERATORS = {"AND", "OR", "NOT"}
_SPECIAL = '()"'

# --- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One word pattern: lower-cased text, `?` for one letter, `prefix` for a trailing `*`."""

    text: str
    kind: TokenKind | None = None  # None: any kind; HASHTAG or MENTION: only that kind
    prefix: bool = False

    @property
    def is_wildcard(self) -> bool:
        return self.prefix or "?" in self.text

    def __str__(self) -> str:
        symbol = {TokenKind.HASHTAG: "#", TokenKind.MENTION: "@"}.get(self.kind, "")  # type: ignore[arg-type]
        return f"{symbol}{self.text}{'*' if self.prefix else ''}"


@dataclass(frozen=True, slots=True)
class Phrase:
    """Two or more word patterns at consecutive positions."""

    terms: tuple[Term, ...]

    def __str__(self) -> str:
        return '"' + " ".join(str(term) for term in self.terms) + '"'


@dataclass(frozen=True, slots=True)
class Field:
    """A condition on the mention's metadata; `value` is normalised (lower case, no @)."""

    name: str
    value: str

    def __str__(self) -> str:
        bare = re.fullmatch(r'[^\s()"]+', self.value) is not None
        return f"{self.name}:{self.value}" if bare else f'{self.name}:"{self.value}"'


@dataclass(frozen=True, slots=True)
class Not:
    child: Node

    def __str__(self) -> str:
        return f"NOT {_grouped(self.child, (And, Or))}"


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(_grouped(child, (Or,)) for child in self.children)


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(str(child) for child in self.children)


@dataclass(frozen=True, slots=True)
class Near:
    """`left NEAR/distance right`; `ordered` for ONEAR (left must come first)."""

    left: NearSide
    right: NearSide
    distance: int
    ordered: bool = False

    def __str__(self) -> str:
        operator = "ONEAR" if self.ordered else "NEAR"
        left, right = _grouped(self.left, (Or,)), _grouped(self.right, (Or,))
        return f"{left} {operator}/{self.distance} {right}"


Node = Union[Term, Phrase, Field, Not, And, Or, Near]  # noqa: UP007 (used at runtime)
NearSide = Union[Term, Phrase, Or]  # noqa: UP007 (an Or here holds only Terms and Phrases)


def _grouped(node: Node, needs_parentheses: tuple[type, ...]) -> str:
    return f"({node})" if isinstance(node, needs_parentheses) else str(node)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: immutable and hashable; `str()` gives the canonical form."""

    root: Node
    _match: Callable[[MatchDocument], bool] | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    def __str__(self) -> str:
        return str(self.root)

    def matches(self, doc: MatchDocument) -> bool:
        return self.compiled()(doc)

    def compiled(self) -> Callable[[MatchDocument], bool]:
        """The query as a function of a document (compiled once, then cached)."""
        match = self._match
        if match is None:
            from lyssna.query.evaluate import compile_node

            match = compile_node(self.root)
            object.__setattr__(self, "_match", match)
        return match

    def highlight(self, doc: MatchDocument) -> list[tuple[int, int]]:
        """Character spans in `doc.text` of the words that made the query match."""
        from lyssna.query.evaluate import highlight

        return highlight(self.root, doc)


# --- lexer -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "NEAR", "ATOM", "END"
    column: int  # 1-based
    text: str = ""
    node: Node | None = None  # for ATOM
    distance: int = 0  # for NEAR
    ordered: bool = False  # for NEAR


_QUERY_WORD_CHAR = re.compile(f"{WORD_START}|\\?")
# A word of the query: like a word of text, but `?` counts as a letter and `*` may end it.
_QUERY_WORD = re.compile(f"(?:{NOT_AFTER_WORD}(?<!\\?)([#@]))?((?:{WORD_PATTERN}|\\?)+)(\\*)?")
_FIELD_PREFIX = re.compile(r"([^\W\d_]\w*):")
_NEAR = re.compile(r"(O?NEAR)(?:/(.*))?", re.DOTALL)
_KIND_OF_SYMBOL = {"#": TokenKind.HASHTAG, "@": TokenKind.MENTION}


class _Lexer:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens: list[_Token] = []

    def error(self, index: int, code: str, message: str, **params: str | int) -> QuerySyntaxError:
        return _error(self.query, index + 1, code, message, params)

    def run(self) -> list[_Token]:
        query, i = self.query, 0
        while i < len(query):
            char = query[i]
            if char.isspace():
                i += 1
            elif char in "()":
                self.tokens.append(_Token(char, i + 1))
                i += 1
            elif char == '"':
                i = self._phrase(i)
            elif char == "-":
                following = query[i + 1 : i + 2]
                if not following or following.isspace() or following == ")":
                    raise self.error(
                        i,
                        "dash_alone",
                        "a '-' must be directly followed by what to exclude, like -spam",
                    )
                self.tokens.append(_Token("-", i + 1))
                i += 1
            else:
                i = self._bare(i)
        self.tokens.append(_Token("END", len(query) + 1))
        return self.tokens

    def _closing_quote(self, opening: int, what: str) -> int:
        closing = self.query.find('"', opening + 1)
        if closing < 0:
            raise self.error(
                opening,
                f"quote_unclosed_{what}",
                f"this quote is never closed; add a '\"' at the end of the {what}",
            )
        return closing

    def _phrase(self, i: int) -> int:
        closing = self._closing_quote(i, "phrase")
        terms = self._words(self.query[i + 1 : closing], i + 1)
        if not terms:
            raise self.error(
                i, "empty_phrase", "empty phrase: put at least one word between the quotes"
            )
        self.tokens.append(_Token("ATOM", i + 1, node=_phrase_or_term(terms)))
        return closing + 1

    def _bare(self, i: int) -> int:
        query, end = self.query, i
        while end < len(query) and not query[end].isspace() and query[end] not in _SPECIAL:
            end += 1
        text = query[i:end]
        if text in _OPERATORS:
            self.tokens.append(_Token(text, i + 1, text))
            return end
        near = _NEAR.fullmatch(text)
        if near:
            self.tokens.append(self._near(near, i))
            return end
        field_match = _FIELD_PREFIX.match(text)
        if field_match:
            return self._field(field_match, i, end)
        terms = self._words(text, i)
        if not terms:
            raise self.error(
                i,
                "no_word",
                "nothing to search for in {text}: a term needs at least one letter or digit "
                "(put punctuation inside a quoted phrase together with words)",
                text=repr(text),
            )
        self.tokens.append(_Token("ATOM", i + 1, text, node=_phrase_or_term(terms)))
        return end

    def _near(self, match: re.Match[str], i: int) -> _Token:
        operator, distance = match.group(1), match.group(2)
        if distance is None:
            raise self.error(
                i,
                "near_no_distance",
                "{operator} needs a distance, like {operator}/3",
                operator=operator,
            )
        digits_at = i + len(operator) + 1
        if not re.fullmatch(r"[0-9]+", distance):
            raise self.error(
                digits_at,
                "near_distance_not_number",
                "the distance after {operator}/ must be a whole number, like {operator}/3",
                operator=operator,
            )
        if len(distance) > len(str(MAX_DISTANCE)):
            raise self.error(
                digits_at,
                "near_distance_too_large",
                "{operator} distance is too large (at most {max})",
                operator=operator,
                max=MAX_DISTANCE,
            )
        value = int(distance)
        if value < 1:
            raise self.error(
                digits_at,
                "near_distance_zero",
                "{operator} distance must be at least 1",
                operator=operator,
            )
        return _Token("NEAR", i + 1, match.group(0), distance=value, ordered=operator == "ONEAR")

    def _field(self, match: re.Match[str], i: int, end: int) -> int:
        name = match.group(1).lower()
        if name not in FIELDS:
            raise self.error(
                i,
                "unknown_field",
                "unknown field {name} (known fields: {fields}); "
                "to search for text with a colon, put it in quotes",
                name=repr(match.group(1)),
                fields=", ".join(FIELDS),
            )
        value_at = i + len(match.group(0))
        value = self.query[value_at:end]
        if not value and self.query[end : end + 1] == '"':
            closing = self._closing_quote(end, "value")
            value, end = self.query[end + 1 : closing], closing + 1
        self.tokens.append(_Token("ATOM", i + 1, node=_field_node(name, value, self, value_at)))
        return end

    def _words(self, text: str, offset: int) -> list[Term]:
        """The word patterns of `text` (which starts at index `offset` of the query)."""
        for at in (k for k, char in enumerate(text) if char == "*"):
            before, after = text[at - 1 : at], text[at + 1 : at + 2]
            if not before or not _QUERY_WORD_CHAR.match(before):
                raise self.error(
                    offset + at, "star_alone", "a '*' must directly follow a word, like kaff*"
                )
            if after and (after == "*" or _QUERY_WORD_CHAR.match(after)):
                raise self.error(
                    offset + at,
                    "star_inside",
                    "a '*' can only end a word (like kaff*), not stand inside it",
                )
        terms = []
        for match in _QUERY_WORD.finditer(text):
            symbol, word, star = match.group(1), match.group(2), match.group(3)
            if star and len(word) - word.count("?") < MIN_PREFIX_LETTERS:
                raise self.error(
                    offset + match.start(3),
                    "star_too_short",
                    "'{word}*' is too short: a '*' needs at least {min} letters before it",
                    word=word,
                    min=MIN_PREFIX_LETTERS,
                )
            terms.append(Term(word.lower(), _KIND_OF_SYMBOL.get(symbol), bool(star)))
        return terms


def _error(
    query: str, column: int, code: str, message: str, params: dict[str, str | int]
) -> QuerySyntaxError:
    """The error with its English text; `code` and `params` let an interface translate it."""
    return QuerySyntaxError(message.format(**params), query, column, code, params)


def _phrase_or_term(terms: list[Term]) -> Term | Phrase:
    return terms[0] if len(terms) == 1 else Phrase(tuple(terms))


_LANG_VALUE = re.compile(r"[a-z]{2,8}(?:-[a-z0-9]{1,8})*")


def _field_node(name: str, raw: str, lexer: _Lexer, at: int) -> Field:
    value = raw.strip().lower()
    if name == "author":
        value = value.lstrip("@")
    if not value:
        raise lexer.error(
            at,
            "field_empty",
            "{name}: needs a value, like {example}",
            name=name,
            example=_EXAMPLES[name],
        )
    if name == "lang" and not _LANG_VALUE.fullmatch(value):
        raise lexer.error(
            at,
            "lang_invalid",
            "{value} is not a language code; use one like lang:sv or lang:nb",
            value=repr(raw),
        )
    if name == "sentiment" and value not in SENTIMENTS:
        raise lexer.error(
            at,
            "sentiment_invalid",
            "sentiment must be one of {values}, not {value}",
            values=", ".join(SENTIMENTS),
            value=repr(raw),
        )
    if name == "site" and (re.search(r"[\s/:@]", value) or value.startswith(".")):
        raise lexer.error(
            at,
            "site_invalid",
            "site: takes a host name like example.com, not {value}",
            value=repr(raw),
        )
    return Field(name, value)


_EXAMPLES = {
    "lang": "lang:sv",
    "channel": "channel:mastodon",
    "author": "author:@handle",
    "site": "site:example.com",
    "sentiment": "sentiment:negative",
}

# --- parser ------------------------------------------------------------------------------------

_STARTS_UNARY = {"NOT", "-", "(", "ATOM"}


class _Parser:
    def __init__(self, query: str, tokens: list[_Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def error(self, column: int, code: str, message: str, **params: str | int) -> QuerySyntaxError:
        return _error(self.query, column, code, message, params)

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise self.error(1, "empty_query", "empty query: write at least one word to listen for")
        node, _ = self.or_()
        if self.token.kind == ")":
            raise self.error(self.token.column, "unmatched_close", "this ')' has no matching '('")
        assert self.token.kind == "END", self.token  # every other token is consumed above
        return node

    def _operand_after(self, operator: _Token) -> None:
        if self.token.kind not in _STARTS_UNARY:
            raise self.error(
                operator.column,
                "operand_missing",
                "{operator} needs a term after it",
                operator=operator.text or operator.kind,
            )

    def or_(self) -> tuple[Node, int]:
        node, column = self.and_()
        children = [node]
        while self.token.kind == "OR":
            self._operand_after(self.take())
            children.append(self.and_()[0])
        return (_flat(Or, children), column) if len(children) > 1 else (node, column)

    def and_(self) -> tuple[Node, int]:
        node, column = self.unary()
        children = [node]
        while True:
            if self.token.kind == "AND":
                self._operand_after(self.take())
            elif self.token.kind not in _STARTS_UNARY:
                break
            children.append(self.unary()[0])
        return (_flat(And, children), column) if len(children) > 1 else (node, column)

    def unary(self) -> tuple[Node, int]:
        if self.token.kind in ("NOT", "-"):
            operator = self.take()
            self._operand_after(operator)
            self._deeper(operator.column)
            child, _ = self.unary()
            self.depth -= 1
            return Not(child), operator.column
        return self.near()

    def near(self) -> tuple[Node, int]:
        left, column = self.atom()
        if self.token.kind != "NEAR":
            return left, column
        operator = self.take()
        if self.token.kind not in ("(", "ATOM"):
            raise self.error(
                operator.column,
                "near_operand_missing",
                "{operator} needs a word or phrase after it",
                operator=operator.text,
            )
        right, right_column = self.atom()
        if self.token.kind == "NEAR":
            raise self.error(
                self.token.column,
                "near_after_near",
                "{operator} cannot follow another NEAR; combine two NEARs with AND",
                operator=self.token.text,
            )
        return (
            Near(
                _near_side(left, column, operator, self),
                _near_side(right, right_column, operator, self),
                operator.distance,
                operator.ordered,
            ),
            column,
        )

    def atom(self) -> tuple[Node, int]:
        token = self.token
        if token.kind == "ATOM":
            self.take()
            assert token.node is not None
            return token.node, token.column
        if token.kind == "(":
            self.take()
            if self.token.kind == ")":
                raise self.error(
                    token.column,
                    "empty_parentheses",
                    "empty parentheses: put a term between ( and )",
                )
            self._deeper(token.column)
            node, _ = self.or_()
            self.depth -= 1
            if self.token.kind != ")":
                raise self.error(
                    token.column, "unclosed_paren", "this '(' is never closed; add a ')'"
                )
            self.take()
            return node, token.column
        if token.kind == ")":
            raise self.error(token.column, "unmatched_close", "this ')' has no matching '('")
        if token.kind in ("AND", "OR", "NEAR"):
            raise self.error(
                token.column,
                "operator_first",
                "{operator} needs a term before it",
                operator=token.text,
            )
        # NOT and '-' are handled by unary(); END only follows an operator, checked there.
        raise self.error(token.column, "unexpected_end", "unexpected end of query")

    def _deeper(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                column,
                "too_deep",
                "the query nests too deeply (more than {max} levels)",
                max=MAX_DEPTH,
            )


def _flat(kind: type[And] | type[Or], children: list[Node]) -> Node:
    flat: list[Node] = []
    for child in children:
        flat.extend(
            child.children if isinstance(child, And | Or) and type(child) is kind else (child,)
        )
    return kind(tuple(flat))


def _near_side(node: Node, column: int, operator: _Token, parser: _Parser) -> NearSide:
    if isinstance(node, Term | Phrase):
        return node
    if isinstance(node, Or) and all(isinstance(child, Term | Phrase) for child in node.children):
        return node
    raise parser.error(
        column,
        "near_side",
        "each side of {operator} must be a word, a phrase, or words and phrases joined with OR "
        "in parentheses",
        operator=operator.text.split("/")[0],
    )


def parse(text: str) -> Query:
    """Parse a listening query; raises `QuerySyntaxError` when it is malformed."""
    if not isinstance(text, str):  # pragma: no cover - a programming error, not a user error
        raise TypeError(f"parse() takes a str, not {type(text).__name__}")
    return Query(_Parser(text, _Lexer(text).run()).parse())


def walk(node: Node) -> Any:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Near):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Phrase):
        yield from node.terms
