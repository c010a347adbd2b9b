"""SQL narrowing, run for real on SQLite (FTS5) and PostgreSQL (tsvector).

For every query, the database candidates must include every mention the query matches in
Python, and candidates filtered with `Query.matches` must be exactly the Python result.
"""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from lyssna.query import MatchDocument, parse, search_terms
from lyssna.query.evaluate import MatchDocument as _MatchDocument
from lyssna.query.sql import candidate_filter
from lyssna.storage.schema import mentions, metadata, sources, workspaces
from tests.query.test_matcher import random_mentions, random_queries, random_query

POSTGRES_URL = os.environ.get(
    "LYSSNA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
TABLES = [workspaces, sources, mentions]

EDGE_MENTIONS = [
    "x" * 300 + " kort",
    "å" * 299 + "b",
    "foo_bar baz",
    "__ ___ _x",
    "ab_ ab_c",
    "AND NOT NEAR OR and not near or",
    "it's O'Neil's \\back\\slash",
    "100% 50_off 50%_off",
    "𞤀𞤁 adlam",
    "İstanbul ISTANBUL",
    "\u212aelvin kelvin",
    "Gott öl! Nya brallor, #Fjällvandring @Nordbank support@acme.se",
    "",
]
EDGE_QUERIES = [
    "x" * 300,
    "x" * 290 + "*",
    "x" * 257,
    "å" * 299 + "b",
    "å" * 299 + "?",
    "foo_bar",
    "foo_b*",
    "_",
    "__",
    "ab_*",
    "_x",
    '"AND" OR "NEAR"',
    '"NOT" -"OR"',
    "it's",
    "o'neil",
    "back",
    "50%_off",
    'author:"50%_off"',
    "author:o'neil",
    "site:a_b.se",
    "-site:a_b.se",
    "-author:ida",
    "-author:kalle",
    'NOT author:"İda"',
    "NOT author:åsa",
    "-lang:nb",
    "-sentiment:negative",
    "-channel:reddit",
    "?",
    "?and",
    "?",
    "𞤀𞤁",
    "𞤀𞤁?",
    "adl*",
    "istanbul",
    "i\u0307stanbul",
    "kelvin",
    "\u212aelvin",
    "-kaffe",
    "-kaff*",
    "kaffe OR -spam",
    "-(kaffe OR lang:sv)",
    "-(kaffe lang:sv)",
    "#fjällvandring",
    "@nordbank",
    "öl -brallor",
    "bra",
]


def _row(number: int, mention: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": number,
        "workspace_id": 1,
        "channel": mention["channel"] or "",
        "external_id": str(number),
        "text": mention["text"],
        "search_terms": search_terms(mention["text"]),
        "text_hash": "h",
        "fingerprint": "f",
        "near_duplicate": False,
        "created_at": NOW,
        "collected_at": NOW,
        "updated_at": NOW,
        "author_handle": mention["author_handle"],
        "host": mention["host"],
        "lang": mention["lang"],
        "lang_variant": mention["lang_variant"],
        "sentiment": mention["sentiment"],
        "raw": {},
    }


def _corpus() -> list[dict[str, Any]]:
    generated = random_mentions(seed=7, count=500)
    rng = random.Random(8)
    edges = [dict(rng.choice(generated), text=text) for text in EDGE_MENTIONS]
    return [_row(n, mention) for n, mention in enumerate(generated + edges, start=1)]


def _document(row: dict[str, Any]) -> MatchDocument:
    return MatchDocument.build(
        row["text"],
        lang=row["lang"],
        lang_variant=row["lang_variant"],
        channel=row["channel"],
        author=row["author_handle"],
        host=row["host"],
        sentiment=row["sentiment"],
    )


class Database:
    def __init__(self, connection: sa.Connection, dialect: str, rows: list[dict[str, Any]]):
        self.connection = connection
        self.dialect = dialect
        self.docs = {row["id"]: _document(row) for row in rows}

    def candidates(self, query_text: str) -> set[int]:
        condition = candidate_filter(parse(query_text), self.dialect)
        statement = sa.select(mentions.c.id)
        if condition is not None:
            statement = statement.where(condition)
        return set(self.connection.scalars(statement))

    def check(self, query_text: str) -> set[int]:
        """Assert the narrowing is sound for `query_text`; return the candidates."""
        query = parse(query_text)
        truth = {number for number, doc in self.docs.items() if query.matches(doc)}
        candidates = self.candidates(query_text)
        missing = truth - candidates
        assert not missing, (query_text, [self.docs[n].text for n in sorted(missing)[:3]])
        assert {n for n in candidates if query.matches(self.docs[n])} == truth
        return candidates


def _fill(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    metadata.create_all(connection, tables=TABLES)
    connection.execute(
        workspaces.insert(), {"id": 1, "slug": "test", "name": "Test", "created_at": NOW}
    )
    connection.execute(mentions.insert(), rows)


@pytest.fixture(scope="module")
def sqlite_db() -> Iterator[Database]:
    engine = sa.create_engine("sqlite://")
    rows = _corpus()
    with engine.connect() as connection:
        _fill(connection, rows)
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE mentions_fts USING fts5(search_terms, content='mentions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
        )
        connection.exec_driver_sql("INSERT INTO mentions_fts(mentions_fts) VALUES ('rebuild')")
        yield Database(connection, "sqlite", rows)
    engine.dispose()


@pytest.fixture(scope="module")
def postgresql_db() -> Iterator[Database]:
    engine = sa.create_engine(POSTGRES_URL)
    try:
        connection = engine.connect()
    except sa.exc.OperationalError as error:
        engine.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} does not answer: {error.orig}")
    schema = f"query_test_{uuid.uuid4().hex[:12]}"
    rows = _corpus()
    try:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        connection.exec_driver_sql(f"SET search_path TO {schema}")
        _fill(connection, rows)
        connection.exec_driver_sql(
            "ALTER TABLE mentions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(array_to_tsvector(string_to_array(search_terms, ' '))) STORED"
        )
        connection.exec_driver_sql(
            "CREATE INDEX ix_mentions_search_vector ON mentions USING gin (search_vector)"
        )
        connection.commit()
        yield Database(connection, "postgresql", rows)
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.commit()
        connection.close()
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"{request.param}_db")


# --- compiled SQL ------------------------------------------------------------------------------


def _sql(query: str, dialect: str) -> str:
    condition = candidate_filter(parse(query), dialect)
    assert condition is not None
    compiler_dialect = sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()
    return str(condition.compile(dialect=compiler_dialect))


def test_sqlite_uses_fts5_with_quoted_terms() -> None:
    condition = candidate_filter(parse('kaff* "AND" NEAR/2 (nord OR søt)'), "sqlite")
    assert condition is not None
    compiled = condition.compile(dialect=sqlite.dialect())
    assert "mentions.id IN (SELECT mentions_fts.rowid" in str(compiled)
    assert "mentions_fts MATCH ?" in str(compiled)
    assert list(compiled.params.values()) == ['("kaff"* AND "and" AND ("nord" OR "søt"))']


def test_postgresql_uses_tsquery_with_quoted_lexemes() -> None:
    condition = candidate_filter(parse("kaff* k?ffe -spam"), "postgresql")
    assert condition is not None
    compiled = condition.compile(dialect=postgresql.dialect())
    assert "mentions.search_vector @@ CAST(" in str(compiled)
    assert "AS TSQUERY)" in str(compiled)
    assert sorted(compiled.params.values()) == ["'spam'", "('kaff':* & 'k':*)"]


def test_user_text_is_bound_never_formatted_into_sql() -> None:
    for dialect in ("sqlite", "postgresql"):
        text = _sql("author:\"o'neil; DROP TABLE x\" site:a_b.se it's", dialect)
        assert "neil" not in text
        assert "DROP" not in text
        assert "a_b" not in text


@pytest.mark.parametrize(
    ("query", "narrowed"),
    [
        ("kaffe", True),
        ("-kaffe", False),  # the word condition is not exact in SQLite: dropped
        ("?ffe", False),
        ("k?ffe", True),
        ("_", False),  # FTS5 finds no token in it
        ("kaffe OR -te", False),
        ("lang:sv", True),
        ("-lang:sv", True),  # field conditions are exact, so their NOT is kept
        ("kaffe OR lang:sv", True),
    ],
)
def test_sqlite_narrows_only_when_safe(query: str, narrowed: bool) -> None:
    assert (candidate_filter(parse(query), "sqlite") is not None) is narrowed


def test_postgresql_keeps_not_of_plain_words() -> None:
    assert candidate_filter(parse("-kaffe"), "postgresql") is not None
    assert candidate_filter(parse("-#kaffe"), "postgresql") is None  # kind is not indexed
    assert candidate_filter(parse('-"inte bra"'), "postgresql") is None


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="mysql"):
        candidate_filter(parse("kaffe"), "mysql")


# --- on the databases --------------------------------------------------------------------------


def test_narrowing_is_sound_for_edge_cases(db: Database) -> None:
    for query in EDGE_QUERIES:
        db.check(query)


def test_narrowing_is_sound_for_generated_queries(db: Database) -> None:
    for query in random_queries(seed=11, count=400):
        db.check(str(query))


def test_narrowing_actually_narrows(db: Database) -> None:
    total = len(db.docs)
    for query in ["kaffe", "fjäll*", "lang:sv", '"inte bra"', "site:example.com", "author:åsa"]:
        assert len(db.check(query)) < total / 2, query
    with_kaffe = {n for n, doc in db.docs.items() if "kaffe" in doc.word_set}
    assert db.candidates("kaffe") == with_kaffe
    assert db.candidates("site:example.com") == {
        n for n, doc in db.docs.items() if doc.host in ("example.com", "blog.example.com")
    }


def test_long_words_are_found_through_their_cut(db: Database) -> None:
    long_mention = next(n for n, doc in db.docs.items() if doc.text.startswith("x" * 300))
    assert long_mention in db.check("x" * 300)
    db.check("x" * 299)  # a candidate through the cut, but no match
    assert not parse("x" * 299).matches(db.docs[long_mention])
    assert long_mention in db.check("x" * 290 + "*")


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.randoms(use_true_random=False))
def test_narrowing_is_sound_for_random_queries(db: Database, rng: random.Random) -> None:
    db.check(random_query(rng))


def test_match_document_is_the_public_one() -> None:
    assert _MatchDocument is MatchDocument
