"""The maintained figures (migration 0030) through a varied scenario: after each kind of change they equal a fresh
computation from the base tables, and the routes built on them show the expected values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from farm_erp import clock
from local.lambda_context import LambdaContext
from reservation_expiry.main import handler as expiry_job
from tests.integration.inventory.conftest import Inv
from tests.support.factories import token_for
from tests.support.figures import check_figures


def _dashboard(inv: Inv) -> dict[str, Any]:
    return dict(inv.ok("GET", "/inventory/dashboard"))


def _category_items(inv: Inv, category_id: int) -> int:
    rows = inv.ok("GET", "/inventory/categories", params={"limit": 200})["items"]
    return int(next(r["item_count"] for r in rows if r["id"] == category_id))


def _low(inv: Inv) -> tuple[list[tuple[str, str]], int]:
    page = inv.ok("GET", "/inventory/alerts/low-stock", params={"limit": 50})
    return [(r["sku"], r["deficit"]) for r in page["items"]], page["total"]


def test_figures_follow_every_kind_of_change(inv: Inv, sql: Any, writer: tuple[int, str]) -> None:
    check_figures(sql)
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed"})["id"]
    a = inv.item("FIG-A", reorder_threshold="60", category_id=cat)["id"]
    b = inv.item("FIG-B", reorder_threshold="10", category_id=cat)["id"]
    c = inv.item("FIG-C")["id"]
    check_figures(sql)
    assert _category_items(inv, cat) == 2
    # No stock yet: both items with a threshold are low.
    assert _low(inv) == ([("FIG-A", "60.000"), ("FIG-B", "10.000")], 2)

    inv.add(a, "50", "2.5000", "2025-01-10")
    inv.add(a, "100", "3.0000", "2025-01-15")
    inv.add(c, "7.5", "1.1111")
    check_figures(sql)
    dash = _dashboard(inv)
    assert (dash["total_items"], dash["active_items"], dash["low_stock_items"]) == (3, 3, 1)
    assert dash["total_stock_value"] == "433.33"  # 125 + 300 + 8.33325

    # A reservation makes A low; once past reserved_until it no longer counts, before the job has run.
    res = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": a, "quantity": "95", "duration_hours": 1})
    check_figures(sql)
    assert _low(inv) == ([("FIG-B", "10.000"), ("FIG-A", "5.000")], 2)
    clock.advance(timedelta(hours=2))
    inv.token = token_for(sql, writer[0])  # tokens live 30 minutes
    check_figures(sql)
    assert _low(inv) == ([("FIG-B", "10.000")], 1)
    assert _dashboard(inv)["low_stock_items"] == 1
    assert expiry_job({"scheduled_time": clock.now().isoformat()}, LambdaContext("job"))["status"] == "succeeded"
    assert inv.ok("GET", f"/inventory/reservations/{res['id']}")["status"] == "expired"
    check_figures(sql)

    # Use (FIFO over two lots), confirm and cancel reservations, adjustments of each type.
    assert inv.use("60", item_id=a).status_code == 200
    check_figures(sql)
    keep = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": a, "quantity": "20"})
    drop = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": a, "quantity": "5"})
    inv.ok("POST", f"/inventory/reservations/{keep['id']}/confirm")
    inv.ok("POST", f"/inventory/reservations/{drop['id']}/cancel")
    check_figures(sql)
    for body in (
        {"type": "increase", "quantity": "3", "unit_cost": "9.9999"},
        {"type": "decrease", "quantity": "1"},
        {"type": "recount", "quantity": "40"},
    ):
        inv.ok("POST", "/inventory/stock/adjustments", 201, json={"item_id": a, "reason": "count", **body})
        check_figures(sql)
    assert _low(inv) == ([("FIG-A", "20.000"), ("FIG-B", "10.000")], 2)

    # A purchase order's life: open, approved, received (lots with expiry dates), closed.
    sup = inv.supplier()
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={
            "supplier_id": sup,
            "po_date": "2025-01-15",
            "lines": [{"item_id": b, "ordered_qty": "30", "unit_cost": "2"}],
        },
    )
    check_figures(sql)
    assert (_dashboard(inv)["open_pos"], _dashboard(inv)["pos_awaiting_approval"]) == (1, 1)
    for status in ("approved", "ordered"):
        inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": status})
    inv.ok(
        "POST",
        f"/inventory/purchase-orders/{po['id']}/receive",
        201,
        json={
            "close": True,
            "receipt_date": "2025-01-18",
            "lines": [{"po_line_id": po["lines"][0]["id"], "received_qty": "30", "expiry_date": "2025-02-01"}],
        },
    )
    check_figures(sql)
    dash = _dashboard(inv)
    assert (dash["open_pos"], dash["pos_awaiting_approval"], dash["expiring_lots_30d"]) == (0, 0, 1)
    assert _low(inv) == ([("FIG-A", "20.000")], 1)

    # Item edits: threshold, category, deactivation of an item without stock, deletion of one without history.
    inv.ok("PATCH", f"/inventory/items/{a}", json={"reorder_threshold": "10"})
    inv.ok("PATCH", f"/inventory/items/{b}", json={"category_id": None})
    check_figures(sql)
    assert _category_items(inv, cat) == 1
    d = inv.item("FIG-D", reorder_threshold="1")["id"]
    assert _low(inv)[1] == 1
    assert inv.call("DELETE", f"/inventory/items/{d}").status_code == 204
    check_figures(sql)
    assert inv.call("DELETE", f"/inventory/items/{d}/permanent").status_code == 204
    check_figures(sql)
    dash = _dashboard(inv)
    assert (dash["total_items"], dash["active_items"], dash["low_stock_items"]) == (3, 3, 0)
    items = inv.ok("GET", "/inventory/items", params={"limit": 1})
    assert items["total"] == 3 and len(items["items"]) == 1
    assert (
        inv.ok("GET", "/inventory/ledger", params={"limit": 1})["total"]
        == sql.execute("SELECT count(*) AS n FROM stock_ledger").fetchone()["n"]
    )


def test_refresh_recomputes_what_a_bulk_load_bypassed(inv: Inv, sql: Any) -> None:
    """A load with triggers off (as the bench seeds) leaves the figures stale until refresh_figures(), which
    recomputes them without touching updated_at (a recount is not an edit)."""
    a = inv.item("BULK-A", reorder_threshold="5")["id"]
    inv.add(a, "2", "1.5000")
    updated = sql.execute("SELECT updated_at FROM items WHERE id = %s", (a,)).fetchone()["updated_at"]

    def bulk(remaining: str) -> None:
        with sql.transaction():
            sql.execute("SET LOCAL session_replication_role = replica")
            sql.execute("UPDATE lots SET remaining_qty = %s WHERE item_id = %s", (remaining, a))

    bulk("1")
    with sql.transaction():
        sql.execute("SET LOCAL session_replication_role = replica")
        sql.execute(
            "INSERT INTO purchase_orders (po_number, supplier_id, po_date) VALUES ('BULK-1', %s, '2025-01-15')",
            (inv.supplier(),),
        )
    stale = _dashboard(inv)
    sql.execute("SELECT refresh_figures()")
    fresh = _dashboard(inv)
    assert (stale["total_stock_value"], stale["open_pos"]) == ("3.00", 0)
    assert (fresh["total_stock_value"], fresh["open_pos"]) == ("1.50", 1)
    check_figures(sql)
    bulk("2")  # back to what the ledger says
    sql.execute("SELECT refresh_figures()")
    assert sql.execute("SELECT updated_at FROM items WHERE id = %s", (a,)).fetchone()["updated_at"] == updated


def test_last_purchase_price_is_the_latest_bought_lot_whatever_changes_the_lots(inv: Inv, sql: Any) -> None:
    """The item keeps its latest 'manual' or 'purchase' lot's unit cost (migration 0044): latest received date,
    then the higher id; an older delivery recorded later does not replace it, stock movements and adjustment lots
    leave it, and a lot edited, moved to another item or deleted recomputes both items."""
    a = inv.item("LPP-A")["id"]
    b = inv.item("LPP-B")["id"]

    def price(item_id: int) -> Any:
        return inv.view(item_id)["last_purchase_price"]

    def day(days_ago: int) -> str:
        return (clock.today() - timedelta(days=days_ago)).isoformat()

    assert price(a) is None
    inv.add(a, "10", "2.0000", day(10))
    inv.add(a, "10", "9.9999", day(20))  # an older delivery, recorded later
    assert price(a) == "2.0000"
    inv.add(a, "10", "3.5000", day(10))  # same day: the later lot wins
    assert price(a) == "3.5000"
    inv.ok("POST", "/inventory/stock/use", json={"item_id": a, "quantity": "25", "purpose": "feed"})
    inv.ok(
        "POST",
        "/inventory/stock/adjustments",
        201,
        json={"item_id": a, "type": "recount", "quantity": "40", "reason": "found"},
    )
    assert price(a) == "3.5000"
    check_figures(sql)

    # Lots edited in place (no route does; a correction by hand must not leave the figure behind). This lot holds
    # no stock, so the items' balances stay as the ledger says.
    with sql.transaction():
        lot = sql.execute(
            """INSERT INTO lots (item_id, lot_number, source, received_date, quantity_received, remaining_qty,
                                 unit_cost)
               VALUES (%s, 'LPP-X', 'manual', %s, 1, 0, 4.25) RETURNING id""",
            (a, day(5)),
        ).fetchone()["id"]
    assert price(a) == "4.2500"
    with sql.transaction():
        sql.execute("UPDATE lots SET unit_cost = 4.5 WHERE id = %s", (lot,))
    assert price(a) == "4.5000"
    with sql.transaction():
        sql.execute("UPDATE lots SET received_date = %s WHERE id = %s", (day(30), lot))
    assert price(a) == "3.5000"
    with sql.transaction():
        sql.execute("UPDATE lots SET item_id = %s WHERE id = %s", (b, lot))
    assert (price(a), price(b)) == ("3.5000", "4.5000")
    check_figures(sql)
    with sql.transaction():
        sql.execute("DELETE FROM lots WHERE id = %s", (lot,))
    assert price(b) is None
    with sql.transaction():
        sql.execute("SET LOCAL session_replication_role = replica")  # a bulk load: the triggers are off
        sql.execute("UPDATE items SET last_purchase_price = 1 WHERE id = %s", (b,))
    sql.execute("SELECT refresh_figures()")
    assert price(b) is None
