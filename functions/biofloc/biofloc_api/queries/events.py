"""SQL of the batch events: samplings, mortalities and harvests (immutable rows, newest first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

# Fixed per event table: (table, date column). Names never come from a client.
EVENTS = {
    "samplings": "sample_date",
    "mortalities": "mortality_date",
    "harvests": "harvest_date",
}


def _select(table: str) -> str:
    return f"""SELECT e.*, b.code AS batch_code, t.code AS tank_code
               FROM {table} e JOIN batches b ON b.id = e.batch_id LEFT JOIN tanks t ON t.id = e.tank_id"""


def list_events(
    conn: Connection,
    table: str,
    *,
    batch_id: int | None,
    date_from: date | None,
    date_to: date | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    column = EVENTS[table]
    f = sql.Filters()
    f.when(batch_id, "e.batch_id = %(batch_id)s", "batch_id")
    f.when(date_from, f"e.{column} >= %(date_from)s", "date_from")
    f.when(date_to, f"e.{column} <= %(date_to)s", "date_to")
    # batch_id is NOT NULL with a foreign key and the tank join is a LEFT JOIN: the joins add no rows
    return sql.paged(
        conn, _select(table), f, f"e.{column} DESC, e.id DESC", paging, count_from=f"{table} e", counted=table
    )


def event(conn: Connection, table: str, event_id: int) -> dict[str, Any]:
    row = conn.execute(f"{_select(table)} WHERE e.id = %s", (event_id,)).fetchone()
    assert row is not None
    return dict(row)


def all_for_batch(conn: Connection, table: str, batch_id: int, limit: int) -> list[dict[str, Any]]:
    """Oldest first, for the Excel report."""
    column = EVENTS[table]
    rows = conn.execute(
        f"{_select(table)} WHERE e.batch_id = %s ORDER BY e.{column}, e.id LIMIT %s", (batch_id, limit)
    ).fetchall()
    return [dict(r) for r in rows]


def insert(conn: Connection, table: str, values: dict[str, Any]) -> int:
    """Insert one event row; the keys are fixed by the service."""
    if table not in EVENTS:
        raise ValueError(table)
    cols = list(values)
    row = conn.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(f'%({c})s' for c in cols)}) RETURNING id",
        values,
    ).fetchone()
    assert row is not None
    return int(row["id"])


def samplings_with_growth(conn: Connection, batch_id: int, limit: int) -> list[dict[str, Any]]:
    """The batch's samplings, oldest first, each with the fish the batch held that day (initial count less the
    deaths and harvests dated up to it), the biomass that makes at the sampled weight, and the feed given up to it."""
    rows = conn.execute(
        f"""WITH s AS ({_select("samplings")} WHERE e.batch_id = %(batch)s ORDER BY e.sample_date, e.id LIMIT %(limit)s)
            SELECT s.*, g.fish, round(g.fish * s.avg_weight_g / 1000, 3) AS biomass_kg, g.cumulative_feed_kg
              FROM s JOIN batches b ON b.id = s.batch_id
              CROSS JOIN LATERAL (
                  SELECT b.initial_count
                         - (SELECT COALESCE(sum(m.count), 0) FROM mortalities m
                             WHERE m.batch_id = b.id AND m.mortality_date <= s.sample_date)
                         - (SELECT COALESCE(sum(h.fish_count), 0) FROM harvests h
                             WHERE h.batch_id = b.id AND h.harvest_date <= s.sample_date) AS fish,
                         (SELECT COALESCE(sum(f.total_feed_kg), 0) FROM feedings f
                           WHERE f.batch_id = b.id AND f.feeding_date <= s.sample_date) AS cumulative_feed_kg
              ) g
             ORDER BY s.sample_date, s.id""",
        {"batch": batch_id, "limit": limit},
    ).fetchall()
    return [dict(r) for r in rows]
