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


def test_update_columns_writes_the_allowed_columns_it_is_given(words: Conn) -> None:
    changed = shared_sql.update_columns(words, "words", 1, {"note": "n"}, ("note", "word"))
    row = words.execute("SELECT id, word, note FROM words WHERE id = 1").fetchone()
    assert changed is True
    assert row == {"id": 1, "word": "100% cotton", "note": "n"}


def test_update_columns_with_nothing_to_change_writes_nothing(words: Conn) -> None:
    assert shared_sql.update_columns(words, "words", 1, {}, ("note",)) is False


def test_update_columns_refuses_a_column_outside_the_list_and_writes_nothing(words: Conn) -> None:
    with pytest.raises(ValueError, match="id, word"):
        shared_sql.update_columns(words, "words", 1, {"note": "n", "word": "hacked", "id": 9}, ("note",))
    row = words.execute("SELECT id, word, note FROM words WHERE id = 1").fetchone()
    assert row == {"id": 1, "word": "100% cotton", "note": None}


def test_update_columns_finds_the_row_by_another_key_column(words: Conn) -> None:
    assert shared_sql.update_columns(words, "words", "plain", {"note": "by word"}, ("note",), key="word") is True
    rows = words.execute("SELECT word FROM words WHERE note = 'by word'").fetchall()
    assert rows == [{"word": "plain"}]


def test_paged_gives_the_select_its_own_values_for_the_page_and_the_total(words: Conn) -> None:
    filters = shared_sql.Filters()
    filters.search("cotton", "word")
    select = "SELECT word, word || %(suffix)s AS labelled FROM words"
    rows, total = shared_sql.paged(words, select, filters, "id", PageParams(1, 1), params={"suffix": "!"})
    assert rows == [{"word": "100% cotton", "labelled": "100% cotton!"}]
    assert total == 2


def test_window_total_strips_the_total_column_and_reports_it(words: Conn) -> None:
    rows = words.execute("SELECT word, count(*) OVER () AS total FROM words ORDER BY id LIMIT 2").fetchall()
    assert shared_sql.window_total(rows) == ([{"word": "100% cotton"}, {"word": "100 cotton"}], 7)


def test_window_total_of_no_rows_is_zero(words: Conn) -> None:
    rows = words.execute("SELECT word, count(*) OVER () AS total FROM words WHERE false").fetchall()
    assert shared_sql.window_total(rows) == ([], 0)
