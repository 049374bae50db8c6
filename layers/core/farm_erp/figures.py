"""Whole-table figures maintained by the database (migration 0030): sums over the 16 rows of figure_shards.

Each figure is exact: every transaction that changes an input adds its delta to one shard row when it commits.
Reading one costs one 16-row scan whatever the size of the tables behind it.
"""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection

# Tables whose row count is maintained (the totals of their unfiltered lists).
COUNTED_TABLES = ("items", "stock_ledger", "water_tests", "feedings", "samplings", "mortalities", "harvests")
FIGURES = (*COUNTED_TABLES, "active_items", "low_stock_items", "lots_value", "open_pos", "pending_pos")


def totals(conn: Connection, *names: str) -> dict[str, Any]:
    """The named figures (column names of figure_shards, checked against FIGURES)."""
    row = conn.execute(totals_sql(*names)).fetchone()
    assert row is not None
    return dict(row)


def totals_sql(*names: str) -> str:
    """The statement that reads the named figures (one row, a column each), to run alone or as a subquery: a page
    carries its list's total this way, the inventory dashboard its maintained figures."""
    unknown = set(names) - set(FIGURES)
    if unknown or not names:
        raise ValueError(f"unknown figures: {sorted(unknown)}")
    return "SELECT " + ", ".join(f"sum({n}) AS {n}" for n in names) + " FROM figure_shards"
