"""Water SQL: tests, the latest test per active tank, and the threshold table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from biofloc_api.water import PARAMETERS
from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

SELECT = """SELECT w.*, t.code AS tank_code, b.code AS batch_code
            FROM water_tests w JOIN tanks t ON t.id = w.tank_id LEFT JOIN batches b ON b.id = w.batch_id"""


def list_tests(
    conn: Connection,
    *,
    tank_id: int | None,
    since: datetime | None,
    until: datetime | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.when(tank_id, "w.tank_id = %(tank_id)s", "tank_id")
    f.when(since, "w.tested_at >= %(since)s", "since")
    f.when(until, "w.tested_at < %(until)s", "until")
    return sql.paged(
        conn, SELECT, f, "w.tested_at DESC, w.id DESC", paging, count_from="water_tests w", counted="water_tests"
    )


def test(conn: Connection, test_id: int) -> dict[str, Any]:
    row = conn.execute(f"{SELECT} WHERE w.id = %s", (test_id,)).fetchone()
    assert row is not None
    return dict(row)


def tests_for_batch(conn: Connection, batch_id: int, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(f"{SELECT} WHERE w.batch_id = %s ORDER BY w.tested_at, w.id LIMIT %s", (batch_id, limit))
    return [dict(r) for r in rows.fetchall()]


def insert_test(conn: Connection, values: dict[str, Any]) -> int:
    cols = ["tank_id", "batch_id", "tested_at", *PARAMETERS, "notes", "created_by", "created_at"]
    row = conn.execute(
        f"INSERT INTO water_tests ({', '.join(cols)}) VALUES ({', '.join(f'%({c})s' for c in cols)}) RETURNING id",
        {c: values.get(c) for c in cols},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def latest_per_active_tank(conn: Connection, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """Every active tank with its latest test (NULL columns when it has none), the test the tank row names."""
    test_columns = ", ".join(f"w.{p}" for p in PARAMETERS)
    select = f"""SELECT t.id AS tank_id, t.code AS tank_code, t.name AS tank_name, t.status AS tank_status,
                        w.id AS test_id, w.tested_at, w.batch_id, b.code AS batch_code, {test_columns}
                 FROM tanks t
                 LEFT JOIN water_tests w ON w.id = t.water_test_id
                 LEFT JOIN batches b ON b.id = w.batch_id"""
    f = sql.Filters()
    f.add("t.is_active")
    return sql.paged(conn, select, f, "t.code, t.id", paging, page_from="tanks t", count_from="tanks t")


def thresholds(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM water_thresholds ORDER BY parameter").fetchall()]


def upsert_threshold(conn: Connection, parameter: str, values: dict[str, Any], user_id: int | None) -> None:
    conn.execute(
        """INSERT INTO water_thresholds (parameter, unit, good_min, good_max, warn_min, warn_max, is_active, updated_by)
           VALUES (%(parameter)s, %(unit)s, %(good_min)s, %(good_max)s, %(warn_min)s, %(warn_max)s, %(is_active)s,
                   %(user_id)s)
           ON CONFLICT (parameter) DO UPDATE SET unit = EXCLUDED.unit, good_min = EXCLUDED.good_min,
               good_max = EXCLUDED.good_max, warn_min = EXCLUDED.warn_min, warn_max = EXCLUDED.warn_max,
               is_active = EXCLUDED.is_active, updated_by = EXCLUDED.updated_by""",
        {**values, "parameter": parameter, "user_id": user_id},
    )


def threshold(conn: Connection, parameter: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM water_thresholds WHERE parameter = %s", (parameter,)).fetchone()
    return dict(row) if row else None
