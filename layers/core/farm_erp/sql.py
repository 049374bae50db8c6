"""Composing list and update statements from fixed SQL fragments: filters, text search, paging, counts.

Every function builds its filtered lists and partial updates with these, so a rule about them (how a search term is
matched, how a page is counted, which columns a PATCH may write) holds everywhere at once. Values always travel as
named parameters; only fixed fragments written in the code, and column names from a list in the code, enter the SQL
text.
"""

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


def paged(
    conn: Connection,
    select: str,
    filters: Filters,
    order: str,
    paging: PageParams,
    *,
    count_from: str | None = None,
    counted: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page of `select` (its FROM and joins, no WHERE) filtered and ordered, and the total it pages through.

    The total does not repeat the page's joins when `count_from` (the base table with its alias, plus any join a
    filter needs) yields the same rows; without filters it is the table's maintained row count when `counted` names
    one (farm_erp.figures): counting a whole event table costs more than the page itself. `params` are the values
    the select's own columns use (a filter's travel with the filter).
    """
    values = {**(params or {}), **filters.params}
    rows = conn.execute(
        f"{select} {filters.where} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s",
        {**values, "limit": paging.limit, "offset": paging.offset},
    ).fetchall()
    if counted is not None and not filters.clauses:
        return [dict(r) for r in rows], figures.row_count(conn, counted)
    source = f"FROM {count_from} {filters.where}" if count_from else f"FROM ({select} {filters.where}) AS page"
    return [dict(r) for r in rows], count(conn, f"SELECT count(*) AS n {source}", values)


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
