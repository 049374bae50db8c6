"""Items: the item view (one query per page), lots, bulk fetch, mappings and the checks behind deletes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from farm_erp import clock, figures
from farm_erp.db import Connection
from farm_erp.inventory_figures import OPEN_PO_STATUSES
from farm_erp.lists import PageParams
from farm_erp.sql import Filters, count, limited, paged, update_columns
from inventory_api.schemas.common import ref

ITEM_COLUMNS = (
    "sku",
    "name",
    "description",
    "category_id",
    "unit_id",
    "default_supplier_id",
    "default_price",
    "reorder_threshold",
    "min_stock_level",
    "is_active",
)

# Live reservations of item i at %(now)s. The live ones are among the pending ones, whose sum the item keeps
# (pending_reserved_qty, migration 0030): an item with nothing pending skips the look-up. None is 0.000, a quantity
# at its scale, so that the answer prints it as it is (farm_erp.fields) instead of rounding a bare 0.
RESERVED = """(CASE WHEN i.pending_reserved_qty = 0 THEN 0.000 ELSE
                (SELECT COALESCE(sum(r.quantity), 0.000) FROM reservations r
                  WHERE r.item_id = i.id AND r.status = 'pending' AND r.reserved_until > %(now)s) END)"""
LOW_STOCK = f"(i.is_active AND i.reorder_threshold > 0 AND i.on_hand_qty - {RESERVED} <= i.reorder_threshold)"

# Every derived field of the item view (docs/rules.md: Item view), for the items of {source}. The per-item ones are
# sub-selects that are index look-ups (reservations_pending_idx, stock_ledger_item_idx, po_lines_item_idx), so a
# page costs a few look-ups per row whatever the size of the tables. The names of the category, unit and supplier
# are joins: as sub-selects the planner probed those small tables by a sequential scan per row (a 50-row page ran
# in 1.43 ms, 0.55 ms joined), and the joins cost an item by id 0.1 ms more planning. The stock value and the last
# purchase price are kept on the item (lots_value, migration 0030; last_purchase_price, migration 0044).
_VIEW = f"""
SELECT i.id, i.sku, i.name, i.description, i.is_active, i.default_price, i.reorder_threshold,
       i.min_stock_level, i.on_hand_qty, i.category_id, c.name AS category_name,
       i.unit_id, u.abbreviation AS unit_abbreviation, i.default_supplier_id, s.name AS supplier_name,
       {RESERVED} AS reserved_qty,
       round(i.lots_value, 2) AS stock_value,
       i.last_purchase_price,
       (EXISTS (SELECT 1 FROM stock_ledger sl WHERE sl.item_id = i.id)
        OR EXISTS (SELECT 1 FROM po_lines pl WHERE pl.item_id = i.id)) AS has_history
  FROM {{source}}
  JOIN units u ON u.id = i.unit_id
  LEFT JOIN categories c ON c.id = i.category_id
  LEFT JOIN suppliers s ON s.id = i.default_supplier_id
"""


# The item list's order (and its exports').
_ORDER = "i.name, i.id"


def view(row: dict[str, Any]) -> dict[str, Any]:
    """A database row of _VIEW as the item view."""
    available = row["on_hand_qty"] - row["reserved_qty"]
    threshold = row["reorder_threshold"]
    return {
        "id": row["id"],
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "category": ref(row["category_id"], row["category_name"]),
        "unit": {"id": row["unit_id"], "abbreviation": row["unit_abbreviation"]},
        "default_supplier": ref(row["default_supplier_id"], row["supplier_name"]),
        "default_price": row["default_price"],
        "reorder_threshold": row["reorder_threshold"],
        "min_stock_level": row["min_stock_level"],
        "on_hand_qty": row["on_hand_qty"],
        "reserved_qty": row["reserved_qty"],
        "available_qty": available,
        "stock_value": row["stock_value"],
        "last_purchase_price": row["last_purchase_price"],
        "is_low_stock": bool(row["is_active"] and threshold > 0 and available <= threshold),
        "has_history": row["has_history"],
        "is_active": row["is_active"],
    }


@dataclass(frozen=True)
class ItemFilters:
    q: str | None = None
    category_id: int | None = None
    supplier_id: int | None = None
    is_active: bool | None = None
    low_stock: bool | None = None

    def maintained_count(self) -> str | None:
        """The maintained figure that is this filter's count, when there is one (farm_erp.figures)."""
        if self.q or self.category_id is not None or self.supplier_id is not None or self.low_stock is not None:
            return None
        return {None: "items", True: "active_items"}.get(self.is_active)

    def filters(self) -> Filters:
        """The conditions on items `i`; the statement supplies %(now)s (live reservations, for low_stock)."""
        filters = Filters()
        filters.search(self.q, "i.sku", "i.name")
        filters.when(self.category_id, "i.category_id = %(category_id)s", "category_id")
        filters.when(self.supplier_id, "i.default_supplier_id = %(supplier_id)s", "supplier_id")
        filters.when(self.is_active, "i.is_active = %(is_active)s", "is_active")
        if self.low_stock is True:
            filters.add(LOW_STOCK)
        elif self.low_stock is False:
            filters.add(f"NOT {LOW_STOCK}")
        return filters


def list_items(conn: Connection, item_filters: ItemFilters, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """One page of item views and the filtered count, in one statement: the page is chosen from items alone (the
    filters and the order are on items), then each of its rows gets its look-ups."""
    maintained = item_filters.maintained_count()
    rows, total = paged(
        conn,
        _VIEW.format(source="items i"),
        item_filters.filters(),
        _ORDER,
        paging,
        page_from="items i",
        count_from="items i",
        total=figures.totals_sql(maintained) if maintained is not None else None,
        params={"now": clock.now()},
    )
    return [view(r) for r in rows], total


def iter_items(conn: Connection, item_filters: ItemFilters, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` item views in list order (exports)."""
    filters = item_filters.filters()
    statement = limited(_VIEW.format(source="items i"), filters, _ORDER, page_from="items i")
    rows = conn.execute(statement, {**filters.params, "now": clock.now(), "limit": limit})
    return [view(r) for r in rows.fetchall()]


def get_item(conn: Connection, item_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        _VIEW.format(source="items i") + " WHERE i.id = %(id)s", {"id": item_id, "now": clock.now()}
    ).fetchone()
    return None if row is None else view(row)


def bulk_items(conn: Connection, ids: list[int], skus: list[str]) -> list[dict[str, Any]]:
    """Active items by id or normalised SKU, in one query."""
    rows = conn.execute(
        _VIEW.format(source="items i")
        + " WHERE i.is_active AND (i.id = ANY(%(ids)s) OR i.sku = ANY(%(skus)s)) ORDER BY i.name, i.id",
        {"ids": ids, "skus": skus, "now": clock.now()},
    ).fetchall()
    return [view(r) for r in rows]


_LOT = """SELECT l.id, l.item_id, l.lot_number, l.source, l.received_date, l.expiry_date,
                 (l.expiry_date IS NOT NULL AND l.expiry_date < %(today)s) AS is_expired,
                 l.quantity_received, l.remaining_qty, l.unit_cost, round(l.remaining_qty * l.unit_cost, 2) AS value,
                 l.supplier_id, s.name AS supplier_name, l.po_id, l.po_line_id, l.notes, l.created_at
            FROM lots l LEFT JOIN suppliers s ON s.id = l.supplier_id"""


def _lot(row: dict[str, Any]) -> dict[str, Any]:
    row["supplier"] = ref(row.pop("supplier_id"), row.pop("supplier_name"))
    return row


def list_lots(
    conn: Connection, item_id: int, include_exhausted: bool, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    """An item's lots in FIFO order."""
    filters = Filters()
    filters.add("l.item_id = %(item)s", item=item_id)
    if not include_exhausted:
        filters.add("l.remaining_qty > 0")
    filters.params["today"] = clock.today()  # is_expired in the select list
    rows, total = paged(conn, _LOT, filters, "l.received_date, l.id", paging, count_from="lots l")
    return [_lot(r) for r in rows], total


def lots_of(conn: Connection, item_ids: list[int]) -> list[dict[str, Any]]:
    """Lots holding stock of several items, FIFO within each item (bulk fetch)."""
    rows = conn.execute(
        f"{_LOT} WHERE l.item_id = ANY(%(ids)s) AND l.remaining_qty > 0 ORDER BY l.item_id, l.received_date, l.id",
        {"ids": item_ids, "today": clock.today()},
    ).fetchall()
    return [_lot(r) for r in rows]


def insert_item(conn: Connection, values: Mapping[str, Any], user_id: int) -> int:
    columns = [column for column in ITEM_COLUMNS if column in values]
    row = conn.execute(
        f"INSERT INTO items ({', '.join(columns)}, created_by) "
        f"VALUES ({', '.join('%(' + column + ')s' for column in columns)}, %(created_by)s) RETURNING id",
        {**{column: values[column] for column in columns}, "created_by": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_item(conn: Connection, item_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "items", item_id, changes, ITEM_COLUMNS)


def reference_states(
    conn: Connection, category_id: int | None, unit_id: int | None, supplier_id: int | None
) -> dict[str, Any]:
    """is_active of the referenced rows (None when a row does not exist); locks them against deletion."""
    row = conn.execute(
        """SELECT (SELECT true FROM categories WHERE id = %(c)s FOR KEY SHARE) AS category,
                  (SELECT is_active FROM units WHERE id = %(u)s FOR KEY SHARE) AS unit,
                  (SELECT is_active FROM suppliers WHERE id = %(s)s FOR KEY SHARE) AS supplier""",
        {"c": category_id, "u": unit_id, "s": supplier_id},
    ).fetchone()
    assert row is not None
    return row


def item_usage(conn: Connection, item_id: int) -> dict[str, Any]:
    """What blocks deactivation or deletion of an item."""
    row = conn.execute(
        """SELECT EXISTS (SELECT 1 FROM lots WHERE item_id = %(id)s) AS has_lots,
                  EXISTS (SELECT 1 FROM stock_ledger WHERE item_id = %(id)s) AS has_ledger,
                  EXISTS (SELECT 1 FROM po_lines WHERE item_id = %(id)s) AS has_po_lines,
                  EXISTS (SELECT 1 FROM po_lines pl JOIN purchase_orders po ON po.id = pl.po_id
                           WHERE pl.item_id = %(id)s AND po.status = ANY(%(open)s)) AS on_open_po,
                  EXISTS (SELECT 1 FROM reservations WHERE item_id = %(id)s AND status = 'pending'
                             AND reserved_until > %(now)s) AS has_live_reservations""",
        {"id": item_id, "open": list(OPEN_PO_STATUSES), "now": clock.now()},
    ).fetchone()
    assert row is not None
    return row


def delete_item(conn: Connection, item_id: int) -> None:
    conn.execute("DELETE FROM item_module_mappings WHERE item_id = %s", (item_id,))
    conn.execute("DELETE FROM items WHERE id = %s", (item_id,))


def list_mappings(conn: Connection, item_id: int, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.add("m.item_id = %(item)s", item=item_id)
    return paged(
        conn,
        "SELECT m.* FROM item_module_mappings m",
        filters,
        "m.module_key",
        paging,
        count_from="item_module_mappings m",
    )


def get_mapping(conn: Connection, item_id: int, module_key: str) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM item_module_mappings WHERE item_id = %s AND module_key = %s", (item_id, module_key)
    ).fetchone()


def upsert_mapping(
    conn: Connection, item_id: int, module_key: str, is_primary: bool, settings: dict[str, Any], user_id: int
) -> dict[str, Any]:
    row = conn.execute(
        """INSERT INTO item_module_mappings (item_id, module_key, is_primary, settings, created_by)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (item_id, module_key) DO UPDATE
               SET is_primary = EXCLUDED.is_primary, settings = EXCLUDED.settings
           RETURNING *""",
        (item_id, module_key, is_primary, Jsonb(settings), user_id),
    ).fetchone()
    assert row is not None
    return row


def delete_mapping(conn: Connection, item_id: int, module_key: str) -> bool:
    deleted = conn.execute(
        "DELETE FROM item_module_mappings WHERE item_id = %s AND module_key = %s", (item_id, module_key)
    )
    return deleted.rowcount > 0


def module_items(conn: Connection, module_key: str, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    """Mapped active items, primary first, then by name."""
    source = """(SELECT m.item_id AS id, m.is_primary, m.settings, i0.name FROM item_module_mappings m
                  JOIN items i0 ON i0.id = m.item_id
                 WHERE m.module_key = %(module)s AND i0.is_active
                 ORDER BY m.is_primary DESC, i0.name, i0.id LIMIT %(limit)s OFFSET %(offset)s) p
                JOIN items i ON i.id = p.id"""
    statement = (
        _VIEW.format(source=source).replace("SELECT i.id,", "SELECT p.is_primary, p.settings, i.id,", 1)
        + " ORDER BY p.is_primary DESC, i.name, i.id"
    )
    params = {"module": module_key, "limit": paging.limit, "offset": paging.offset, "now": clock.now()}
    rows = conn.execute(statement, params).fetchall()
    total = count(
        conn,
        """SELECT count(*) FROM item_module_mappings m JOIN items i ON i.id = m.item_id
            WHERE m.module_key = %(module)s AND i.is_active""",
        {"module": module_key},
    )
    return [{**view(r), "is_primary": r["is_primary"], "settings": r["settings"]} for r in rows], total


def lots_for_export(conn: Connection, item_ids: list[int], limit: int) -> list[dict[str, Any]]:
    """Lots holding stock of the exported items, in FIFO order per item."""
    return conn.execute(
        """SELECT i.sku, i.name AS item_name, l.lot_number, l.received_date, l.expiry_date, l.remaining_qty,
                  l.unit_cost, round(l.remaining_qty * l.unit_cost, 2) AS value, s.name AS supplier_name
             FROM lots l JOIN items i ON i.id = l.item_id LEFT JOIN suppliers s ON s.id = l.supplier_id
            WHERE l.item_id = ANY(%s) AND l.remaining_qty > 0
            ORDER BY i.name, i.id, l.received_date, l.id LIMIT %s""",
        (item_ids, limit),
    ).fetchall()
