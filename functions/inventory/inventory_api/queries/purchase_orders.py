"""Purchase orders, lines, receipts and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg.types.json import Jsonb

from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.lists import PageParams
from farm_erp.sql import Filters, count, paged, update_columns

# A sum with nothing to sum is 0.00, at the scale of what it sums: the answer's numbers come at their scale and are
# printed as they are (farm_erp.fields), where a bare 0 would have to be rounded first.
_LIST = """SELECT po.id, po.po_number, po.supplier_id, s.name AS supplier_name, po.po_date, po.expected_delivery,
                  po.status, po.notes, po.created_at,
                  COALESCE(lt.line_count, 0) AS line_count, COALESCE(lt.total_amount, 0.00) AS total_amount,
                  COALESCE(rv.received_value, 0.00) AS received_value
             FROM purchase_orders po
             JOIN suppliers s ON s.id = po.supplier_id
             LEFT JOIN LATERAL (SELECT count(*) AS line_count, sum(line_total) AS total_amount
                                  FROM po_lines WHERE po_id = po.id) lt ON true
             LEFT JOIN LATERAL (SELECT sum(round(rl.received_qty * rl.unit_cost, 2)) AS received_value
                                  FROM po_receipts r JOIN po_receipt_lines rl ON rl.receipt_id = r.id
                                 WHERE r.po_id = po.id) rv ON true"""


@dataclass(frozen=True)
class PoFilters:
    status: str | None = None
    supplier_id: int | None = None
    from_: date | None = None
    to: date | None = None
    q: str | None = None

    def filters(self) -> Filters:
        filters = Filters()
        filters.when(self.status, "po.status = %(status)s", "status")
        filters.when(self.supplier_id, "po.supplier_id = %(supplier_id)s", "supplier_id")
        filters.when(self.from_, "po.po_date >= %(from_)s", "from_")
        filters.when(self.to, "po.po_date <= %(to)s", "to")
        # the supplier's name through a sub-select: the count then needs no join
        filters.search(self.q, "po.po_number", "(SELECT sq.name FROM suppliers sq WHERE sq.id = po.supplier_id)")
        return filters


def list_pos(conn: Connection, po_filters: PoFilters, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """Purchase orders, newest PO date first."""
    return paged(
        conn, _LIST, po_filters.filters(), "po.po_date DESC, po.id DESC", paging, count_from="purchase_orders po"
    )


def pos_for_export(conn: Connection, po_filters: PoFilters, limit: int) -> list[dict[str, Any]]:
    filters = po_filters.filters()
    return conn.execute(
        f"{_LIST} {filters.where} ORDER BY po.po_date DESC, po.id DESC LIMIT %(limit)s",
        {**filters.params, "limit": limit},
    ).fetchall()


def lines_for_export(conn: Connection, po_ids: list[int]) -> list[dict[str, Any]]:
    return conn.execute(
        """SELECT po.po_number, i.sku, i.name AS item_name, pl.ordered_qty, pl.received_qty, pl.unit_cost,
                  pl.line_total
             FROM po_lines pl JOIN purchase_orders po ON po.id = pl.po_id JOIN items i ON i.id = pl.item_id
            WHERE pl.po_id = ANY(%s) ORDER BY po.po_date DESC, po.id DESC, pl.id""",
        (po_ids,),
    ).fetchall()


def count_lines(conn: Connection, po_ids: list[int]) -> int:
    return count(conn, "SELECT count(*) FROM po_lines WHERE po_id = ANY(%(ids)s)", {"ids": po_ids})


def get_header(conn: Connection, po_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    if lock:
        conn.execute("SELECT id FROM purchase_orders WHERE id = %s FOR UPDATE", (po_id,))
    return conn.execute(
        """SELECT po.*, s.name AS supplier_name FROM purchase_orders po JOIN suppliers s ON s.id = po.supplier_id
            WHERE po.id = %s""",
        (po_id,),
    ).fetchone()


def get_lines(conn: Connection, po_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        """SELECT pl.id, pl.item_id, i.sku, i.name AS item_name, u.abbreviation AS unit, pl.ordered_qty,
                  pl.received_qty, pl.ordered_qty - pl.received_qty AS remaining_qty, pl.unit_cost, pl.line_total
             FROM po_lines pl JOIN items i ON i.id = pl.item_id JOIN units u ON u.id = i.unit_id
            WHERE pl.po_id = %s ORDER BY pl.id""",
        (po_id,),
    ).fetchall()


def get_receipts(conn: Connection, po_id: int) -> list[dict[str, Any]]:
    """The receipts with their lines, in one statement (a receipt comes back once per line)."""
    rows = conn.execute(
        """SELECT r.id, r.receipt_date, r.notes, r.operation_id, r.created_by, r.created_at,
                  rl.id AS line_id, rl.po_line_id, pl.item_id, i.sku, rl.received_qty, rl.po_unit_cost, rl.unit_cost,
                  rl.lot_id
             FROM po_receipts r
             LEFT JOIN po_receipt_lines rl ON rl.receipt_id = r.id
             LEFT JOIN po_lines pl ON pl.id = rl.po_line_id
             LEFT JOIN items i ON i.id = pl.item_id
            WHERE r.po_id = %s ORDER BY r.id, rl.id""",
        (po_id,),
    ).fetchall()
    receipts: list[dict[str, Any]] = []
    for row in rows:
        line = {k: row.pop(k) for k in _RECEIPT_LINE_COLUMNS}
        if not receipts or receipts[-1]["id"] != row["id"]:
            receipts.append({**row, "lines": []})
        if line.pop("line_id") is not None:
            receipts[-1]["lines"].append(line)
    return receipts


_RECEIPT_LINE_COLUMNS = (
    "line_id",
    "po_line_id",
    "item_id",
    "sku",
    "received_qty",
    "po_unit_cost",
    "unit_cost",
    "lot_id",
)

# The summary's columns of the order's view (the database function po_view, migration 0046, which says the rule).
_SUMMARY_KEYS = (
    "ordered_value",
    "received_value_po",
    "received_value_actual",
    "variance",
    "lines_complete",
    "lines_partial",
    "lines_open",
)


def summary(conn: Connection, po_id: int) -> dict[str, Any]:
    """The PO summary (of an order that exists)."""
    row = conn.execute(f"SELECT {', '.join(_SUMMARY_KEYS)} FROM po_view(%(id)s) LIMIT 1", {"id": po_id}).fetchone()
    assert row is not None
    return row


@dataclass(frozen=True)
class PoDetailRows:
    """What the PO view is read from: the header, the summary, the lines and whether there are receipts."""

    header: dict[str, Any]
    summary: dict[str, Any]
    lines: list[dict[str, Any]]
    has_receipts: bool


# The header (as get_header), the summary and the lines in one statement, the database function po_view (migration
# 0046): the header comes back on each line's row. Three statements sent as text were planned at every request and
# took three round trips; the function's plan is kept by the server session (docs/performance.md: A purchase order by
# id). Receipts are a statement of their own, only for an order that has some.
_DETAIL = "SELECT * FROM po_view(%(id)s)"
_LINE_KEYS = (
    "item_id",
    "sku",
    "item_name",
    "unit",
    "ordered_qty",
    "received_qty",
    "remaining_qty",
    "unit_cost",
    "line_total",
)


def detail_rows(conn: Connection, po_id: int) -> PoDetailRows | None:
    """The order's header, summary and lines (as get_lines) in one statement; None when there is no such order."""
    rows = conn.execute(_DETAIL, {"id": po_id}).fetchall()
    if not rows:
        return None
    first = rows[0]
    taken = {*_SUMMARY_KEYS, *_LINE_KEYS, "line_id", "has_receipts"}
    return PoDetailRows(
        header={k: v for k, v in first.items() if k not in taken},
        summary={k: first[k] for k in _SUMMARY_KEYS},
        lines=[{"id": r["line_id"], **{k: r[k] for k in _LINE_KEYS}} for r in rows if r["line_id"] is not None],
        has_receipts=bool(first["has_receipts"]),
    )


@dataclass(frozen=True)
class PoHeader:
    """The header of a new purchase order; po_number None lets the database number it."""

    po_number: str | None
    supplier_id: int
    po_date: date
    expected_delivery: date | None
    notes: str | None


def insert_po(conn: Connection, header: PoHeader, user_id: int) -> int:
    now = clock.now()
    row = conn.execute(
        """INSERT INTO purchase_orders (po_number, supplier_id, po_date, expected_delivery, notes, created_by,
                                        created_at, updated_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (
            header.po_number,
            header.supplier_id,
            header.po_date,
            header.expected_delivery,
            header.notes,
            user_id,
            now,
            now,
        ),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_header(conn: Connection, po_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "purchase_orders", po_id, changes, ("expected_delivery", "notes", "supplier_id", "po_date"))


def set_status(conn: Connection, po_id: int, status: str) -> None:
    conn.execute("UPDATE purchase_orders SET status = %s WHERE id = %s", (status, po_id))


def insert_line(conn: Connection, po_id: int, item_id: int, ordered_qty: Any, unit_cost: Any) -> int:
    row = conn.execute(
        "INSERT INTO po_lines (po_id, item_id, ordered_qty, unit_cost) VALUES (%s, %s, %s, %s) RETURNING id",
        (po_id, item_id, ordered_qty, unit_cost),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def get_line(conn: Connection, po_id: int, line_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM po_lines WHERE id = %s AND po_id = %s", (line_id, po_id)).fetchone()


def update_line(conn: Connection, line_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "po_lines", line_id, changes, ("item_id", "ordered_qty", "unit_cost"))


def delete_line(conn: Connection, line_id: int) -> None:
    conn.execute("DELETE FROM po_lines WHERE id = %s", (line_id,))


def line_count(conn: Connection, po_id: int) -> int:
    return count(conn, "SELECT count(*) FROM po_lines WHERE po_id = %(id)s", {"id": po_id})


def item_states(conn: Connection, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Active flags of items and their units, share-locked against deletion."""
    rows = conn.execute(
        """SELECT i.id, i.is_active, u.is_active AS unit_active FROM items i JOIN units u ON u.id = i.unit_id
            WHERE i.id = ANY(%s) FOR KEY SHARE OF i""",
        (item_ids,),
    ).fetchall()
    return {int(r["id"]): r for r in rows}


def add_history(
    conn: Connection,
    po_id: int,
    action: str,
    user_id: int | None,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        """INSERT INTO po_history (po_id, action, from_status, to_status, details, user_id, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (po_id, action, from_status, to_status, Jsonb(details or {}), user_id, clock.now()),
    )


def list_history(conn: Connection, po_id: int, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("h.po_id = %(id)s", id=po_id)
    return paged(
        conn,
        """SELECT h.id, h.po_id, h.action, h.from_status, h.to_status, h.details, h.user_id, u.email AS user_email,
                  h.created_at
             FROM po_history h LEFT JOIN users u ON u.id = h.user_id""",
        filters,
        "h.created_at DESC, h.id DESC",
        paging,
        count_from="po_history h",
    )


def insert_receipt(conn: Connection, po_id: int, receipt_date: date, notes: str | None, op: int, user_id: int) -> int:
    row = conn.execute(
        """INSERT INTO po_receipts (po_id, receipt_date, notes, operation_id, created_by, created_at)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
        (po_id, receipt_date, notes, op, user_id, clock.now()),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def insert_receipt_line(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(
        """INSERT INTO po_receipt_lines (receipt_id, po_line_id, received_qty, po_unit_cost, unit_cost, lot_id)
           VALUES (%(receipt_id)s, %(po_line_id)s, %(received_qty)s, %(po_unit_cost)s, %(unit_cost)s, %(lot_id)s)""",
        values,
    )
    conn.execute(
        "UPDATE po_lines SET received_qty = received_qty + %s WHERE id = %s",
        (values["received_qty"], values["po_line_id"]),
    )
