"""The listening query language: one parser to match incoming mentions and search stored ones.

    >>> q = parse('(Nordbank OR "Nord Bank") NEAR/3 (avgift OR gebyr) -spam')
    >>> q.matches(MatchDocument.build("Nordbank höjer sin avgift igen"))
    True

See docs/query-language.md for the language itself.
"""

from lyssna.query.evaluate import MatchDocument
from lyssna.query.matcher import TopicMatcher
from lyssna.query.parser import Query, parse
from lyssna.query.tokens import Token, TokenKind, search_terms, tokenize

__all__ = [
    "MatchDocument",
    "Query",
    "Token",
    "TokenKind",
    "TopicMatcher",
    "parse",
    "search_terms",
    "tokenize",
]
