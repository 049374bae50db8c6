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


class _Counting:
    """The connection, counting the statements paged sends (one round trip each)."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.statements = 0

    def execute(self, query: Any, params: Any = None) -> Any:
        self.statements += 1
        return self.conn.execute(query, params)


def _paged_counting(conn: Conn, filters: shared_sql.Filters, page: PageParams) -> tuple[list[str], int, int]:
    counting = _Counting(conn)
    rows, total = shared_sql.paged(counting, "SELECT word FROM words", filters, "id", page)  # type: ignore[arg-type]
    return [row["word"] for row in rows], total, counting.statements


def test_paged_reads_a_page_and_its_total_in_one_statement(words: Conn) -> None:
    filters = shared_sql.Filters()
    filters.search("cotton", "word")
    assert _paged_counting(words, filters, PageParams(1, 1)) == (["100% cotton"], 2, 1)


def test_paged_counts_on_its_own_only_past_the_last_page(words: Conn) -> None:
    filters = shared_sql.Filters()
    filters.search("cotton", "word")
    assert _paged_counting(words, filters, PageParams(3, 1)) == ([], 2, 2)


def test_an_empty_first_page_is_a_total_of_zero_in_one_statement(words: Conn) -> None:
    filters = shared_sql.Filters()
    filters.search("nothing like this", "word")
    assert _paged_counting(words, filters, PageParams(1, 10)) == ([], 0, 1)


@pytest.fixture
def probed(words: Conn) -> Conn:
    """words with a per-row look-up that counts how often it runs (a sequence advances once per probe)."""
    words.execute("CREATE TEMP SEQUENCE probes")
    words.execute("CREATE TEMP TABLE notes (word_id int PRIMARY KEY, text text NOT NULL)")
    words.execute("INSERT INTO notes SELECT id, 'note ' || id FROM words")
    return words


# The look-up's LIMIT keeps the planner from folding it into the select list (where it would run after the LIMIT).
PROBED = """SELECT w.id, w.word, n.text AS note, p.probe
              FROM words w
              LEFT JOIN notes n ON n.word_id = w.id
              LEFT JOIN LATERAL (SELECT nextval('probes') AS probe FROM notes x WHERE x.word_id = w.id LIMIT 1) p
                ON true"""


def _probes(conn: Conn) -> int:
    row = conn.execute("SELECT last_value, is_called FROM probes").fetchone()
    assert row is not None
    return int(row["last_value"]) if row["is_called"] else 0


@pytest.mark.parametrize("page", [PageParams(1, 2), PageParams(2, 2), PageParams(4, 2), PageParams(1, 50)])
def test_page_from_gives_the_same_rows_and_total(probed: Conn, page: PageParams) -> None:
    filters = shared_sql.Filters()
    filters.add("w.id <> %(skip)s", skip=3)
    plain = shared_sql.paged(probed, PROBED, filters, "w.word DESC, w.id", page)
    first = shared_sql.paged(probed, PROBED, filters, "w.word DESC, w.id", page, page_from="words w")
    strip = [[{k: v for k, v in row.items() if k != "probe"} for row in rows] for rows in (plain[0], first[0])]
    assert strip[0] == strip[1]
    assert plain[1] == first[1] == 6


def test_page_from_runs_the_joins_for_the_page_rows_only(probed: Conn) -> None:
    """Ordered by a column no index serves, the planner would probe every row before keeping the page."""
    order, page, none = "w.word DESC, w.id", PageParams(1, 2), shared_sql.Filters()
    shared_sql.paged(probed, PROBED, none, order, page, count_from="words w")
    everything = _probes(probed)
    shared_sql.paged(probed, PROBED, none, order, page, count_from="words w", page_from="words w")
    assert (everything, _probes(probed) - everything) == (7, 2)


@pytest.mark.parametrize(
    ("select", "page_from"),
    [
        ("SELECT w.word FROM words x", "words w"),  # not the select's table
        ("SELECT w.word FROM words w WHERE EXISTS (SELECT FROM words w WHERE true)", "words w"),  # twice: ambiguous
        ("SELECT w.word FROM words wx", "words w"),  # a longer alias is not the alias
    ],
)
def test_page_from_refuses_a_select_it_cannot_page_first(probed: Conn, select: str, page_from: str) -> None:
    with pytest.raises(ValueError, match="page_from"):
        shared_sql.paged(probed, select, shared_sql.Filters(), "1", PageParams(1, 2), page_from=page_from)


def test_paged_refuses_a_distinct_select(words: Conn) -> None:
    with pytest.raises(ValueError, match="DISTINCT"):
        shared_sql.paged(words, "SELECT DISTINCT word FROM words", shared_sql.Filters(), "word", PageParams(1, 2))


def test_limited_gives_the_first_rows_in_order_and_chooses_them_before_the_joins(probed: Conn) -> None:
    filters = shared_sql.Filters()
    filters.add("w.id <> %(skip)s", skip=3)
    plain = probed.execute(shared_sql.limited(PROBED, filters, "w.word DESC, w.id"), {"skip": 3, "limit": 3})
    before = _probes(probed)
    first = probed.execute(
        shared_sql.limited(PROBED, filters, "w.word DESC, w.id", page_from="words w"), {"skip": 3, "limit": 3}
    ).fetchall()
    assert [r["word"] for r in first] == [r["word"] for r in plain.fetchall()] == ["plain", "backslash", "back\\slash"]
    assert _probes(probed) - before == 3


@pytest.fixture
def word_rows(words: Conn) -> Conn:
    """words with a set-returning function of ids, as a view function is called on a page's ids."""
    words.execute(
        """CREATE FUNCTION pg_temp.word_rows(p_ids int[]) RETURNS TABLE (id int, word text)
           LANGUAGE sql STABLE AS $$ SELECT w.id, w.word FROM words w WHERE w.id = ANY(p_ids) $$"""
    )
    return words


def _by_ids(conn: Any, filters: shared_sql.Filters, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    return shared_sql.paged_by_ids(
        conn,
        "SELECT w.id FROM words w",
        filters,
        "w.word DESC, w.id",
        page,
        rows="pg_temp.word_rows({ids})",
        rows_order="v.word DESC, v.id",
        count_from="words w",
    )


@pytest.mark.parametrize(
    "page", [PageParams(1, 2), PageParams(2, 2), PageParams(3, 2), PageParams(4, 2), PageParams(1, 50)]
)
def test_paged_by_ids_gives_the_rows_and_total_of_paged(word_rows: Conn, page: PageParams) -> None:
    filters = shared_sql.Filters()
    filters.add("w.id <> %(skip)s", skip=3)
    plain = shared_sql.paged(word_rows, "SELECT w.id, w.word FROM words w", filters, "w.word DESC, w.id", page)
    assert _by_ids(word_rows, filters, page) == plain
    assert plain[1] == 6


def test_paged_by_ids_reads_a_page_and_its_total_in_one_statement(word_rows: Conn) -> None:
    filters = shared_sql.Filters()
    filters.search("cotton", "w.word")
    counting = _Counting(word_rows)
    rows, total = _by_ids(counting, filters, PageParams(1, 1))
    assert ([r["word"] for r in rows], total, counting.statements) == (["100% cotton"], 2, 1)
    past_the_end = _Counting(word_rows)
    assert _by_ids(past_the_end, filters, PageParams(3, 1)) == ([], 2)
    assert past_the_end.statements == 2
