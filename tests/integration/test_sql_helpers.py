"""The shared SQL helpers against the real database: literal search, paging totals, whitelisted partial updates."""

from typing import Any

import psycopg
import pytest

from farm_erp import sql as shared_sql
from farm_erp.lists import PageParams

Conn = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def words(sql: Conn) -> Conn:
    sql.execute("CREATE TEMP TABLE words (id serial PRIMARY KEY, word text NOT NULL, note text)")
    for word in ["100% cotton", "100 cotton", "a_b", "axb", "back\\slash", "backslash", "plain"]:
        sql.execute("INSERT INTO words (word) VALUES (%s)", (word,))
    return sql


def _search(conn: Conn, term: str) -> list[str]:
    filters = shared_sql.Filters()
    filters.search(term, "word", "note")
    rows, total = shared_sql.paged(conn, "SELECT word FROM words", filters, "id", PageParams(1, 50))
    assert total == len(rows)
    return [row["word"] for row in rows]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("%", ["100% cotton"]),
        ("_", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("0% c", ["100% cotton"]),
        ("COTTON", ["100% cotton", "100 cotton"]),
        ("", ["100% cotton", "100 cotton", "a_b", "axb", "back\\slash", "backslash", "plain"]),
    ],
)
def test_search_matches_the_term_literally(words: Conn, term: str, expected: list[str]) -> None:
    assert _search(words, term) == expected


def test_paged_counts_every_filtered_row_not_the_page(words: Conn) -> None:
    filters = shared_sql.Filters()
    filters.when("cotton", "word LIKE '%%' || %(w)s", "w")
    filters.when(None, "note = %(n)s", "n")
    rows, total = shared_sql.paged(words, "SELECT word FROM words", filters, "id", PageParams(2, 1))
    assert [row["word"] for row in rows] == ["100 cotton"]
    assert total == 2
    assert filters.condition == "word LIKE '%%' || %(w)s"


def test_update_columns_writes_only_allowed_columns(words: Conn) -> None:
    changed = shared_sql.update_columns(words, "words", 1, {"note": "n", "word": "hacked", "id": 9}, ("note",))
    row = words.execute("SELECT id, word, note FROM words WHERE id = 1").fetchone()
    assert changed is True
    assert row == {"id": 1, "word": "100% cotton", "note": "n"}
    assert shared_sql.update_columns(words, "words", 1, {"word": "x"}, ("note",)) is False
