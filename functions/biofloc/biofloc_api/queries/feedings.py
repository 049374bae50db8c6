"""Feeding SQL: sessions, their lines and the ledger rows that paid for them."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.lists import PageParams

SELECT = """SELECT f.*, t.code AS tank_code, b.code AS batch_code
            FROM feedings f JOIN tanks t ON t.id = f.tank_id JOIN batches b ON b.id = f.batch_id"""


def list_feedings(
    conn: Connection,
    *,
    tank_id: int | None,
    batch_id: int | None,
    date_from: date | None,
    date_to: date | None,
    paging: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    f = sql.Filters()
    f.when(tank_id, "f.tank_id = %(tank_id)s", "tank_id")
    f.when(batch_id, "f.batch_id = %(batch_id)s", "batch_id")
    f.when(date_from, "f.feeding_date >= %(date_from)s", "date_from")
    f.when(date_to, "f.feeding_date <= %(date_to)s", "date_to")
    return sql.paged(
        conn,
        SELECT,
        f,
        "f.feeding_date DESC, f.session_number DESC, f.id DESC",
        paging,
        page_from="feedings f",
        count_from="feedings f",
        counted="feedings",
    )


def feedings_by_id(conn: Connection, ids: list[int]) -> list[dict[str, Any]]:
    rows = conn.execute(f"{SELECT} WHERE f.id = ANY(%s) ORDER BY f.id", (ids,)).fetchall()
    return [dict(r) for r in rows]


def session_taken(conn: Connection, tank_id: int, feeding_date: date, session_number: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM feedings WHERE tank_id = %s AND feeding_date = %s AND session_number = %s",
        (tank_id, feeding_date, session_number),
    ).fetchone()
    return row is not None


def insert_feeding(
    conn: Connection,
    *,
    tank_id: int,
    batch_id: int,
    feeding_date: date,
    session_number: int,
    feed_time: time | None,
    total_feed_kg: Decimal,
    operation_id: int,
    notes: str | None,
    user_id: int | None,
    created_at: Any,
) -> int:
    row = conn.execute(
        """INSERT INTO feedings (tank_id, batch_id, feeding_date, session_number, feed_time, total_feed_kg,
                                 operation_id, notes, created_by, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (
            tank_id,
            batch_id,
            feeding_date,
            session_number,
            feed_time,
            total_feed_kg,
            operation_id,
            notes,
            user_id,
            created_at,
        ),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def insert_line(
    conn: Connection, feeding_id: int, line_no: int, item_id: int, quantity_kg: Decimal, item_qty: Decimal
) -> int:
    row = conn.execute(
        """INSERT INTO feeding_lines (feeding_id, line_no, item_id, quantity_kg, item_qty)
           VALUES (%s, %s, %s, %s, %s) RETURNING id""",
        (feeding_id, line_no, item_id, quantity_kg, item_qty),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def set_line_cost(conn: Connection, line_id: int, cost: Decimal) -> None:
    conn.execute("UPDATE feeding_lines SET cost = %s WHERE id = %s", (cost, line_id))


def set_feeding_cost(conn: Connection, feeding_id: int, cost: Decimal) -> None:
    conn.execute("UPDATE feedings SET total_cost = %s WHERE id = %s", (cost, feeding_id))


# A line's lots (the ledger rows of its feeding's stock operation that name the line), as the function
# feeding_lines_with_lots (migration 0047) returns them: its columns lot_<name>.
_LOT_NAMES = ("ledger_id", "lot_id", "lot_number", "quantity", "unit_cost", "cost")


def lines_with_lots(conn: Connection, feeding_ids: list[int]) -> list[dict[str, Any]]:
    """The feedings' lines, each with `lots` (the ledger rows that paid for it, in ledger order), in one statement:
    a line comes back once per lot, or once with no lot. The function keeps its plan in the server session; the
    order is given here, outside it, where SQL promises it."""
    rows = conn.execute(
        """SELECT * FROM feeding_lines_with_lots(%s::bigint[])
            ORDER BY feeding_id, line_no, lot_ledger_id""",
        (feeding_ids,),
    ).fetchall()
    lines: list[dict[str, Any]] = []
    for row in rows:
        lot = {name: row.pop(f"lot_{name}") for name in _LOT_NAMES}
        if not lines or lines[-1]["id"] != row["id"]:
            lines.append({**row, "lots": []})
        if lot["ledger_id"] is not None:
            lines[-1]["lots"].append(lot)
    return lines


def lots_of(conn: Connection, operation_ids: list[int]) -> list[dict[str, Any]]:
    """Ledger rows of the given operations, with lot numbers, in ledger order."""
    rows = conn.execute(
        """SELECT s.id AS ledger_id, s.operation_id, s.ref_line_id, s.lot_id, lo.lot_number,
                  -s.qty_change AS quantity, s.unit_cost, s.cost
           FROM stock_ledger s JOIN lots lo ON lo.id = s.lot_id
           WHERE s.operation_id = ANY(%s) ORDER BY s.id""",
        (operation_ids,),
    ).fetchall()
    return [dict(r) for r in rows]


def lines_for_batch(conn: Connection, batch_id: int, limit: int) -> list[dict[str, Any]]:
    """Every feeding line of a batch, oldest first, for the Excel report."""
    rows = conn.execute(
        """SELECT f.feeding_date, f.session_number, f.feed_time, t.code AS tank_code, i.sku, i.name AS item_name,
                  l.quantity_kg, l.item_qty, u.abbreviation AS unit, l.cost
           FROM feeding_lines l JOIN feedings f ON f.id = l.feeding_id JOIN tanks t ON t.id = f.tank_id
           JOIN items i ON i.id = l.item_id JOIN units u ON u.id = i.unit_id
           WHERE f.batch_id = %s ORDER BY f.feeding_date, f.session_number, f.id, l.line_no LIMIT %s""",
        (batch_id, limit),
    ).fetchall()
    return [dict(r) for r in rows]
