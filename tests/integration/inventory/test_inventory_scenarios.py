"""The inventory worked examples of docs/rules.md, with their exact numbers (concurrency is elsewhere)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from farm_erp import clock
from tests.integration.inventory.conftest import Inv


def test_1_fifo_costing(inv: Inv, feed32: dict[str, Any]) -> None:
    before = inv.view(feed32["id"])
    assert (before["on_hand_qty"], before["stock_value"]) == ("300.000", "12500.00")

    r = inv.use("150", sku="FEED-32")
    assert r.status_code == 200, r
    body = r.json()
    assert [(ln["lot_number"], ln["quantity"], ln["unit_cost"], ln["cost"]) for ln in body["lines"]] == [
        ("L1", "100.000", "40.0000", "4000.00"),
        ("L2", "50.000", "42.5000", "2125.00"),
    ]
    assert (body["total_cost"], body["avg_unit_cost"], body["on_hand_qty"]) == ("6125.00", "40.8333", "150.000")

    ledger = inv.ok("GET", "/inventory/ledger", params={"operation_id": body["operation_id"]})["items"]
    rows = sorted(ledger, key=lambda row: row["id"])
    assert [(x["qty_change"], x["cost"], x["balance_after"], x["type"]) for x in rows] == [
        ("-100.000", "4000.00", "200.000", "use"),
        ("-50.000", "2125.00", "150.000", "use"),
    ]
    assert [x["id"] for x in rows] == [ln["ledger_id"] for ln in body["lines"]]
    after = inv.view(feed32["id"])
    assert (after["on_hand_qty"], after["stock_value"]) == ("150.000", "6375.00")


def test_2_reservations_are_enforced(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    assert inv.use("150", sku="FEED-32").status_code == 200
    res = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "120"})
    assert res["status"] == "pending" and res["is_live"] is True
    assert inv.view(feed32["id"])["available_qty"] == "30.000"

    ledger_rows = sql.execute("SELECT count(*) AS n FROM stock_ledger").fetchone()["n"]
    r = inv.use("40", sku="FEED-32")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert r.json()["errors"][0] == {
        "index": 0,
        "item_id": feed32["id"],
        "sku": "FEED-32",
        "requested": "40.000",
        "available": "30.000",
    }
    assert sql.execute("SELECT count(*) AS n FROM stock_ledger").fetchone()["n"] == ledger_rows
    assert sql.execute("SELECT count(*) AS n FROM stock_operations WHERE kind = 'use'").fetchone()["n"] == 1

    r = inv.use("30", sku="FEED-32")
    assert r.status_code == 200, r
    assert (r.json()["total_cost"], r.json()["on_hand_qty"], r.json()["available_qty"]) == (
        "1275.00",
        "120.000",
        "0.000",
    )

    conf = inv.ok("POST", f"/inventory/reservations/{res['id']}/confirm")
    assert (conf["total_cost"], conf["on_hand_qty"]) == ("5100.00", "0.000")
    assert conf["reservation"]["status"] == "confirmed"
    assert all(ln["ledger_id"] for ln in conf["lines"])

    again = inv.post(f"/inventory/reservations/{res['id']}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_3_expired_reservation_cannot_be_confirmed(inv: Inv, feed32: dict[str, Any]) -> None:
    clock.freeze(datetime(2025, 1, 20, 10, 0, tzinfo=UTC))
    res = inv.ok(
        "POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "50", "duration_hours": 1}
    )
    assert inv.view(feed32["id"])["available_qty"] == "250.000"
    clock.freeze(datetime(2025, 1, 20, 11, 5, tzinfo=UTC))
    r = inv.post(f"/inventory/reservations/{res['id']}/confirm")
    assert r.status_code == 409 and r.json()["code"] == "reservation_expired"
    view = inv.view(feed32["id"])
    assert (view["reserved_qty"], view["available_qty"]) == ("0.000", "300.000")
    assert inv.ok("GET", f"/inventory/reservations/{res['id']}")["is_live"] is False


def test_4_partial_po_receipt(inv: Inv, sql: Any) -> None:
    clock.freeze(datetime(2025, 1, 25, 9, 0, tzinfo=UTC))
    supplier = inv.supplier()
    feed = inv.item("FEED-40")
    probio = inv.item("PROBIO-1")
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={
            "supplier_id": supplier,
            "lines": [
                {"item_id": feed["id"], "ordered_qty": "500", "unit_cost": "42.0000"},
                {"item_id": probio["id"], "ordered_qty": "20", "unit_cost": "150.0000"},
            ],
        },
    )
    assert [ln["line_total"] for ln in po["lines"]] == ["21000.00", "3000.00"]
    assert po["total_amount"] == "24000.00" and po["status"] == "pending"
    assert po["po_number"] == f"PO-{po['id']:06d}"
    feed_line, probio_line = (ln["id"] for ln in po["lines"])
    for status in ("approved", "ordered"):
        assert (
            inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": status})["status"] == status
        )

    clock.freeze(datetime(2025, 2, 1, 9, 0, tzinfo=UTC))
    rec = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{po['id']}/receive",
        201,
        json={"lines": [{"po_line_id": feed_line, "received_qty": "300", "unit_cost": "41.5000"}]},
    )
    assert rec["status"] == "partially_received"
    s = rec["summary"]
    assert (s["received_value_po"], s["received_value_actual"], s["variance"]) == ("12600.00", "12450.00", "-150.00")
    assert (s["lines_complete"], s["lines_partial"], s["lines_open"]) == (0, 1, 1)
    lot = sql.execute("SELECT * FROM lots WHERE id = %s", (rec["lines"][0]["lot_id"],)).fetchone()
    assert (lot["source"], lot["quantity_received"], lot["unit_cost"], lot["supplier_id"]) == (
        "purchase",
        300,
        41.5,
        supplier,
    )
    led = sql.execute("SELECT * FROM stock_ledger WHERE id = %s", (rec["lines"][0]["ledger_id"],)).fetchone()
    assert (led["type"], str(led["qty_change"]), str(led["cost"])) == ("purchase", "300.000", "12450.00")

    counts = sql.execute(
        "SELECT (SELECT count(*) FROM lots) AS lots, (SELECT count(*) FROM po_receipts) AS r, "
        "(SELECT count(*) FROM stock_ledger) AS l, (SELECT count(*) FROM po_history) AS h"
    ).fetchone()
    over = inv.post(
        f"/inventory/purchase-orders/{po['id']}/receive",
        json={"lines": [{"po_line_id": feed_line, "received_qty": "250"}]},
    )
    assert over.status_code == 409 and over.json()["code"] == "over_receipt"
    assert over.json()["errors"][0]["index"] == 0 and over.json()["errors"][0]["po_line_id"] == feed_line
    assert (
        sql.execute(
            "SELECT (SELECT count(*) FROM lots) AS lots, (SELECT count(*) FROM po_receipts) AS r, "
            "(SELECT count(*) FROM stock_ledger) AS l, (SELECT count(*) FROM po_history) AS h"
        ).fetchone()
        == counts
    )

    clock.freeze(datetime(2025, 2, 10, 9, 0, tzinfo=UTC))
    rec2 = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{po['id']}/receive",
        201,
        json={
            "lines": [
                {"po_line_id": feed_line, "received_qty": "200"},
                {"po_line_id": probio_line, "received_qty": "20"},
            ]
        },
    )
    assert rec2["status"] == "received"
    s = rec2["summary"]
    assert (s["received_value_actual"], s["received_value_po"], s["variance"]) == ("23850.00", "24000.00", "-150.00")
    assert (s["lines_complete"], s["lines_partial"], s["lines_open"]) == (2, 0, 0)

    closed = inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": "closed"})
    assert closed["status"] == "closed"
    again = inv.post(
        f"/inventory/purchase-orders/{po['id']}/receive",
        json={"lines": [{"po_line_id": probio_line, "received_qty": "1"}]},
    )
    assert again.status_code == 409
    cancel = inv.post(f"/inventory/purchase-orders/{po['id']}/status", json={"status": "cancelled"})
    assert cancel.status_code == 409 and cancel.json()["code"] == "invalid_transition"

    use = inv.use("400", item_id=feed["id"])
    assert use.status_code == 200, use
    assert (use.json()["total_cost"], use.json()["avg_unit_cost"]) == ("16650.00", "41.6250")
    assert [(ln["quantity"], ln["unit_cost"]) for ln in use.json()["lines"]] == [
        ("300.000", "41.5000"),
        ("100.000", "42.0000"),
    ]

    history = inv.ok("GET", f"/inventory/purchase-orders/{po['id']}/history")["items"]
    transitions = [(h["from_status"], h["to_status"]) for h in reversed(history) if h["action"] == "status_changed"]
    assert transitions == [
        ("pending", "approved"),
        ("approved", "ordered"),
        ("ordered", "partially_received"),
        ("partially_received", "received"),
        ("received", "closed"),
    ]
    assert [h["action"] for h in reversed(history)].count("received") == 2
    detail = inv.ok("GET", f"/inventory/purchase-orders/{po['id']}")
    assert len(detail["receipts"]) == 2
    assert [ln["remaining_qty"] for ln in detail["lines"]] == ["0.000", "0.000"]


def test_6_recount(inv: Inv, sql: Any) -> None:
    item = inv.item("SALT-1")
    inv.add(item["id"], "120", "10.0000")
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": item["id"], "quantity": "100"})

    def recount(q: str) -> Any:
        return inv.post(
            "/inventory/stock/adjustments",
            json={"item_id": item["id"], "type": "recount", "quantity": q, "reason": "count"},
        )

    r = recount("90")
    assert r.status_code == 409 and r.json()["code"] == "reserved_stock"
    r = recount("110")
    assert r.status_code == 201, r
    body = r.json()
    assert (body["qty_change"], body["previous_qty"], body["new_qty"]) == ("-10.000", "120.000", "110.000")
    assert [(x["type"], x["qty_change"]) for x in body["ledger"]] == [("adjust_out", "-10.000")]
    r = recount("110")
    assert r.status_code == 201 and r.json()["qty_change"] == "0.000" and r.json()["ledger"] == []
    assert sql.execute("SELECT count(*) AS n FROM stock_adjustments").fetchone()["n"] == 2


def test_7_guards(inv: Inv, feed32: dict[str, Any]) -> None:
    supplier = inv.supplier()
    item = inv.item("GUARD-1")
    inv.add(item["id"], "5", "1.0000")
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={"supplier_id": supplier, "lines": [{"item_id": item["id"], "ordered_qty": "1", "unit_cost": "1"}]},
    )
    for status in ("approved", "ordered"):
        inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": status})
    r = inv.post(f"/inventory/purchase-orders/{po['id']}/status", json={"status": "received"})
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"

    r = inv.call("DELETE", f"/inventory/items/{item['id']}")
    assert r.status_code == 409 and r.json()["code"] == "item_has_stock"

    r = inv.post("/inventory/items", json={"sku": " feed-32 ", "name": "Other", "unit_id": inv.unit("kg")})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_sku"


def test_8_export_stock(inv: Inv, feed32: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    assert inv.use("150", sku="FEED-32").status_code == 200
    r = inv.get("/inventory/exports/stock.xlsx")
    assert r.status_code == 200, r
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="stock-20250120.xlsx"'
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["Stock"]
    header = [c.value for c in ws[1]]
    assert header == [
        "SKU",
        "Item",
        "Category",
        "Unit",
        "On hand",
        "Reserved",
        "Available",
        "Reorder threshold",
        "Stock value",
        "Low stock",
    ]
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row["SKU"] == "FEED-32"
    assert isinstance(row["On hand"], int | float) and row["On hand"] == 150
    assert isinstance(row["Stock value"], int | float) and row["Stock value"] == 6375
    lots = wb["Lots"]
    assert [c.value for c in lots[1]][:5] == ["SKU", "Item", "Lot", "Received", "Expiry"]
    assert isinstance(lots["D2"].value, datetime) and lots["F2"].value == 150
    assert ws.column_dimensions["B"].width >= len("Feed 32%")
