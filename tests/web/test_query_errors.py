"""Query errors carry a message id and the values they mention, and the web app says them in
the user's language (lyssna/web/i18n/query.<language>.json); English comes from the library."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from lyssna.core.errors import QuerySyntaxError
from lyssna.query import parse
from lyssna.web.i18n import Translator
from tests.web.conftest import signed_in

# A malformed query for every mistake the parser names.
MISTAKES = {
    "dash_alone": "acme -",
    "quote_unclosed_phrase": '"acme',
    "quote_unclosed_value": 'site:"example',
    "empty_phrase": 'acme ""',
    "no_word": "acme !!!",
    "near_no_distance": "acme NEAR bank",
    "near_distance_not_number": "acme NEAR/x bank",
    "near_distance_too_large": "acme NEAR/99999999 bank",
    "near_distance_zero": "acme NEAR/0 bank",
    "unknown_field": "colour:red",
    "star_alone": "acme *",
    "star_inside": "ac*me",
    "star_too_short": "a*",
    "field_empty": "lang:",
    "lang_invalid": "lang:12",
    "sentiment_invalid": "sentiment:happy",
    "site_invalid": "site:a/b",
    "empty_query": "",
    "unmatched_close": "acme)",
    "operand_missing": "acme OR",
    "near_operand_missing": "acme NEAR/3 -bank",
    "near_after_near": "a NEAR/2 b NEAR/2 c",
    "empty_parentheses": "acme ()",
    "unclosed_paren": "(acme",
    "operator_first": "OR acme",
    "too_deep": "(" * 120 + "acme" + ")" * 120,
    "near_side": "(a AND b) NEAR/3 c",
}
LANGUAGES = ("sv", "nb", "da", "fi")
I18N = Path(__file__).parents[2] / "lyssna" / "web" / "i18n"


def _error(query: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    return caught.value


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", sorted(MISTAKES))
def test_every_mistake_is_translated(code):
    error = _error(MISTAKES[code])
    assert error.code == code
    assert Translator("en").query_error(error) == error.message
    for language in LANGUAGES:
        said = Translator(language).query_error(error)
        assert said and said != error.message, (language, code)


def test_catalogs_name_the_same_mistakes_and_values():
    catalogs = {
        lang: json.loads((I18N / f"query.{lang}.json").read_text("utf-8")) for lang in LANGUAGES
    }
    # "unexpected_end" guards a state the parser cannot reach today; it is translated anyway.
    codes = {f"query_error.{c}" for c in MISTAKES} | {"query_error.unexpected_end"}
    for language, catalog in catalogs.items():
        assert set(catalog) == codes, language
        for code, query in MISTAKES.items():
            error = _error(query)
            assert _fields(catalog[f"query_error.{code}"]) == set(error.params), (language, code)


def test_explorer_shows_the_error_in_the_users_language(site, client):
    from lyssna.storage import accounts
    from lyssna.storage.database import write_transaction

    with write_transaction(site.ctx.engine) as conn:
        accounts.set_locale(conn, accounts.user_by_email(conn, site.email("viewer")).id, "sv")
    signed_in(site, client, "viewer")
    page = client.get("/w/default/mentions", params={"q": "(acme"})
    assert page.status_code == 400
    assert "denna &#39;(&#39; stängs aldrig" in page.text
