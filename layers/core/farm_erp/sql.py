"""Composing list and update statements from fixed SQL fragments: filters, text search, paging, counts.

Every function builds its filtered lists and partial updates with these, so a rule about them (how a search term is
matched, how a page is counted, which columns a PATCH may write) holds everywhere at once. Values always travel as
named parameters; only fixed fragments written in the code, and column names from a list in the code, enter the SQL
text.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from psycopg import sql as pgsql

from farm_erp import figures
from farm_erp.db import Connection
from farm_erp.lists import PageParams


def like_pattern(term: str) -> str:
    """`%term%` that matches `term` literally: LIKE's `%`, `_` and the escape character are escaped.

    Backslash is PostgreSQL's default LIKE escape, so the patterns need no ESCAPE clause. Without this, a search for
    `%` would match every row and `_` any single character.
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Filters:
    """AND-ed WHERE conditions (fixed SQL fragments) with their named parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: dict[str, Any] = {}

    def add(self, clause: str, **params: Any) -> None:
        """Add a condition; its values are named parameters (`%(name)s` in `clause`)."""
        self.clauses.append(clause)
        self.params.update(params)

    def when(self, value: Any, clause: str, name: str) -> None:
        """Add `clause` with `value` as the parameter `name` when the filter was given (not None)."""
        if value is not None:
            self.add(clause, **{name: value})

    def search(self, term: str | None, *columns: str, name: str = "q") -> None:
        """Case-insensitive substring search over `columns` (any of them matches); literal, see like_pattern."""
        if term is None or term == "":
            return
        placeholder = f"%({name})s"
        self.add(
            "(" + " OR ".join(f"{column} ILIKE {placeholder}" for column in columns) + ")", **{name: like_pattern(term)}
        )

    @property
    def where(self) -> str:
        """`WHERE a AND b`, or nothing when no filter was given."""
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""

    @property
    def condition(self) -> str:
        """`a AND b`, or `true`: for a statement that already has a WHERE of its own."""
        return " AND ".join(self.clauses) if self.clauses else "true"


def count(conn: Connection, statement: str, params: Mapping[str, Any] | None = None) -> int:
    """The first column of a one-row counting statement (`SELECT count(*) ...`)."""
    row = conn.execute(statement, params or {}).fetchone()
    return int(next(iter(row.values()))) if row else 0


# The page statement's extra column that carries the total (no table column starts with an underscore).
_TOTAL = "_page_total"
_SELECT = re.compile(r"\s*SELECT\s+(?!DISTINCT\b)", re.IGNORECASE)


def paged(
    conn: Connection,
    select: str,
    filters: Filters,
    order: str,
    paging: PageParams,
    *,
    page_from: str | None = None,
    count_from: str | None = None,
    counted: str | None = None,
    total: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of `select` (its FROM and joins, no WHERE) filtered and ordered, and the total it pages through.

    `page_from` (the select's first table and its alias, `"stock_ledger sl"`) chooses the page's rows from that
    table alone and only then runs the select's joins, for those rows. Without it the planner joins before it
    limits: a look-up per row (the latest water test of each tank) then runs for every row the filters let through,
    and a join it estimates over a whole table can cost more to set up than the page (a Memoize cache sized for
    100,000 items made the ledger page 5 ms slower). It needs filters and `order` on that table's columns only, and
    joins that neither drop nor repeat its rows (to-one joins on keys that always exist, or LEFT JOINs).

    The total does not repeat the page's joins when `count_from` (the base table with its alias, plus any join a
    filter needs) yields the same rows; without filters it is the table's maintained row count when `counted` names
    one (farm_erp.figures): counting a whole event table costs more than the page itself. `total` is a counting
    statement of the caller's that replaces all of these (a maintained figure that is exactly a filter's count).
    `params` are the values the select's own columns use (a filter's travel with the filter).
    """
    values = {**(params or {}), **filters.params}
    total_sql = _total_sql(select, filters, count_from, counted, total)
    # The total rides in the page's statement as one more column (an uncorrelated subquery, computed once): one
    # round trip for both. Only a page past the end, which has no row to carry it, counts on its own.
    head = _SELECT.match(select)
    if head is None:
        raise ValueError("a paged select starts with SELECT (not SELECT DISTINCT)")
    page = _ordered(select, filters, order, "LIMIT %(limit)s OFFSET %(offset)s", page_from)
    return _page_with_total(conn, f"SELECT ({total_sql}) AS {_TOTAL}, {page[head.end() :]}", values, paging, total_sql)


def paged_by_ids(
    conn: Connection,
    ids: str,
    filters: Filters,
    order: str,
    paging: PageParams,
    *,
    rows: str,
    rows_order: str,
    count_from: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page, as `paged`, of rows a database function builds from their ids, and the total.

    `ids` selects the key alone (`SELECT b.id FROM batches b ...`, no WHERE), filtered and ordered by `order`; `rows`
    is the function called on the page's ids (`batch_views({ids})`), `rows_order` the same order on its columns. The
    function's statement keeps its plan in the server session, where a wide view sent as text is parsed and planned
    at every request; the statement left to plan here is the ids' own, on one or two tables. `count_from` as in
    `paged`.
    """
    total_sql = _total_sql(ids, filters, count_from, None, None)
    page = _ordered(ids, filters, order, "LIMIT %(limit)s OFFSET %(offset)s", None)
    source = rows.format(ids=f"ARRAY({page})")
    statement = f"SELECT ({total_sql}) AS {_TOTAL}, v.* FROM {source} AS v ORDER BY {rows_order}"
    return _page_with_total(conn, statement, dict(filters.params), paging, total_sql)


def _total_sql(select: str, filters: Filters, count_from: str | None, counted: str | None, total: str | None) -> str:
    if total is not None:
        return total
    if counted is not None and not filters.clauses:
        if counted not in figures.COUNTED_TABLES:
            raise ValueError(f"{counted} has no maintained row count")
        return figures.totals_sql(counted)
    if count_from is not None:
        return f"SELECT count(*) FROM {count_from} {filters.where}"
    return f"SELECT count(*) FROM ({select} {filters.where}) AS page"


def _page_with_total(
    conn: Connection, statement: str, values: dict[str, Any], paging: PageParams, total_sql: str
) -> tuple[list[dict[str, Any]], int]:
    rows = conn.execute(statement, {**values, "limit": paging.limit, "offset": paging.offset}).fetchall()
    if not rows:
        return [], 0 if paging.offset == 0 else count(conn, total_sql, values)
    for row in rows[1:]:
        del row[_TOTAL]
    return rows, int(rows[0].pop(_TOTAL))


def limited(select: str, filters: Filters, order: str, *, page_from: str | None = None) -> str:
    """`select` filtered, ordered and cut at `%(limit)s` rows, without a total (exports); `page_from` as in paged."""
    return _ordered(select, filters, order, "LIMIT %(limit)s", page_from)


def _ordered(select: str, filters: Filters, order: str, limit: str, page_from: str | None) -> str:
    if page_from is None:
        return f"{select} {filters.where} ORDER BY {order} {limit}"
    return f"{_page_first(select, page_from, f'{filters.where} ORDER BY {order} {limit}')} ORDER BY {order}"


def _page_first(select: str, page_from: str, page: str) -> str:
    """`select` with its `FROM table alias` replaced by that table's page (`page`: WHERE, ORDER BY and LIMIT)."""
    table, alias = page_from.split()
    found = list(re.finditer(rf"\bFROM {re.escape(table)} {re.escape(alias)}(?=\s|$)", select))
    if len(found) != 1:
        raise ValueError(f"page_from {page_from!r} must name the select's one `FROM {page_from}`")
    start, end = found[0].span()
    return f"{select[:start]}FROM (SELECT {alias}.* FROM {table} {alias} {page}) AS {alias}{select[end:]}"


def window_total(rows: Iterable[Mapping[str, Any]], column: str = "total") -> tuple[list[dict[str, Any]], int]:
    """The rows of a statement that also selects `count(*) OVER () AS total`, without that column, and the total.

    For a short list with its total in one round trip (a LIMIT without OFFSET: an empty result means no rows at all).
    """
    out = [dict(row) for row in rows]
    total = int(out[0][column]) if out else 0
    for row in out:
        del row[column]
    return out, total


def update_columns(
    conn: Connection,
    table: str,
    row_id: object,
    changes: Mapping[str, Any],
    allowed: Iterable[str],
    *,
    key: str = "id",
) -> bool:
    """UPDATE the row's columns named in `changes` (a PATCH), each of which must be in `allowed`; False when
    `changes` is empty.

    The row is the one whose `key` column (its primary key) is `row_id`. Column and table names are quoted
    identifiers taken from the code's `allowed` list, never from the client. A name outside `allowed` is a mistake in
    the calling code (a field the request model accepts but nothing writes): ValueError, never a silent drop.
    """
    allowed = tuple(allowed)
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValueError(f"not updatable in {table}: {', '.join(unknown)}")
    columns = [column for column in allowed if column in changes]
    if not columns:
        return False
    statement = pgsql.SQL("UPDATE {table} SET {assignments} WHERE {key} = {row}").format(
        table=pgsql.Identifier(table),
        key=pgsql.Identifier(key),
        row=pgsql.Placeholder("_row"),
        assignments=pgsql.SQL(", ").join(
            pgsql.SQL("{} = {}").format(pgsql.Identifier(column), pgsql.Placeholder(column)) for column in columns
        ),
    )
    conn.execute(statement, {**{column: changes[column] for column in columns}, "_row": row_id})
    return True
