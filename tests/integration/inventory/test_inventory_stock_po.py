"""Stock add, use-multi, adjustments, reservations, purchase-order edits, duplicate, alerts, dashboard, exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.integration.inventory.conftest import Inv


def test_stock_add_rules(inv: Inv, sql: Any) -> None:
    item = inv.item("ADD-1", default_price="7.5")
    out = inv.add(item["id"], "10", "2", lot_number="BATCH-9", expiry_date="2025-06-01")
    assert out["on_hand_qty"] == "10.000" and out["lot_number"] == "BATCH-9"
    default = inv.ok("POST", "/inventory/stock/add", 201, json={"item_id": item["id"], "quantity": "1"})
    assert default["lot_number"] == f"LOT-{default['lot_id']}"
    lot = sql.execute("SELECT unit_cost, source FROM lots WHERE id = %s", (default["lot_id"],)).fetchone()
    assert (str(lot["unit_cost"]), lot["source"]) == ("7.5000", "manual")
    op = sql.execute("SELECT kind, ref_id FROM stock_operations WHERE id = %s", (default["operation_id"],)).fetchone()
    assert op == {"kind": "add", "ref_id": default["lot_id"]}
    future = inv.post(
        "/inventory/stock/add", json={"item_id": item["id"], "quantity": "1", "received_date": "2025-01-21"}
    )
    assert future.status_code == 422 and future.json()["detail"][0]["loc"] == ["body", "received_date"]
    early = inv.post("/inventory/stock/add", json={"item_id": item["id"], "quantity": "1", "expiry_date": "2025-01-01"})
    assert early.status_code == 422
    assert inv.post("/inventory/stock/add", json={"item_id": 999, "quantity": "1"}).status_code == 422


def test_use_multi_is_atomic_and_lists_every_shortage(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    salt = inv.item("SALT-9")
    inv.add(salt["id"], "5", "3")
    lime = inv.item("LIME-9")
    inv.add(lime["id"], "2", "1")
    r = inv.post(
        "/inventory/stock/use-multi",
        json={
            "purpose": "pond prep",
            "lines": [
                {"sku": "feed-32", "quantity": "10"},
                {"item_id": salt["id"], "quantity": "6"},
                {"item_id": lime["id"], "quantity": "3"},
            ],
        },
    )
    assert r.status_code == 409
    assert [(e["index"], e["requested"], e["available"]) for e in r.json()["errors"]] == [
        (1, "6.000", "5.000"),
        (2, "3.000", "2.000"),
    ]
    assert sql.execute("SELECT count(*) AS n FROM stock_ledger WHERE type = 'use'").fetchone()["n"] == 0
    ok = inv.ok(
        "POST",
        "/inventory/stock/use-multi",
        json={
            "purpose": "pond prep",
            "module_key": "biofloc",
            "lines": [{"sku": "feed-32", "quantity": "110"}, {"item_id": salt["id"], "quantity": "5"}],
        },
    )
    assert [x["total_cost"] for x in ok["results"]] == ["4425.00", "15.00"]
    assert ok["total_cost"] == "4440.00"
    rows = sql.execute("SELECT DISTINCT module_key, operation_id FROM stock_ledger WHERE type = 'use'").fetchall()
    assert rows == [{"module_key": "biofloc", "operation_id": ok["operation_id"]}]
    dup = inv.post(
        "/inventory/stock/use-multi",
        json={
            "purpose": "x",
            "lines": [{"sku": "FEED-32", "quantity": "1"}, {"item_id": feed32["id"], "quantity": "1"}],
        },
    )
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"] == ["body", "lines", 1, "item_id"]
    unknown = inv.post("/inventory/stock/use-multi", json={"purpose": "x", "lines": [{"sku": "NOPE", "quantity": "1"}]})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "lines", 0, "sku"]
    both = inv.post(
        "/inventory/stock/use-multi",
        json={"purpose": "x", "lines": [{"sku": "FEED-32", "item_id": feed32["id"], "quantity": "1"}]},
    )
    assert both.status_code == 422
    name = inv.use("1", sku="Feed 32%")  # a SKU never matches a name
    assert name.status_code == 422


ADJUSTMENTS = "/inventory/stock/adjustments"


def _adjust(inv: Inv, item_id: int, kind: str, quantity: str, **kw: Any) -> Any:
    body = {"item_id": item_id, "type": kind, "quantity": quantity, "reason": kw.pop("reason", "x"), **kw}
    return inv.ok("POST", ADJUSTMENTS, 201, json=body)


def test_an_increase_is_a_new_adjustment_lot_at_the_latest_cost(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    up = _adjust(inv, feed32["id"], "increase", "10", reason="found a bag")
    assert (up["unit_cost"], up["previous_qty"], up["new_qty"]) == ("42.5000", "300.000", "310.000")
    assert [(x["type"], x["qty_change"], x["cost"]) for x in up["ledger"]] == [("adjust_in", "10.000", "425.00")]
    lot = sql.execute("SELECT source, remaining_qty FROM lots WHERE id = %s", (up["lot_id"],)).fetchone()
    assert lot["source"] == "adjustment"


def test_a_decrease_from_a_named_lot_takes_only_that_lot(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    l2 = sql.execute("SELECT id FROM lots WHERE lot_number = 'L2'").fetchone()["id"]
    down = _adjust(inv, feed32["id"], "decrease", "20", lot_id=l2, reason="spoiled")
    assert [(x["lot_number"], x["qty_change"]) for x in down["ledger"]] == [("L2", "-20.000")]
    r = inv.post(
        ADJUSTMENTS,
        json={"item_id": feed32["id"], "type": "decrease", "quantity": "200", "lot_id": l2, "reason": "spoiled"},
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_lot"


def test_a_decrease_without_a_lot_is_fifo_within_the_stock(inv: Inv, feed32: dict[str, Any]) -> None:
    fifo = _adjust(inv, feed32["id"], "decrease", "120", reason="rats")
    assert [(x["lot_number"], x["qty_change"]) for x in fifo["ledger"]] == [("L1", "-100.000"), ("L2", "-20.000")]
    r = inv.post(ADJUSTMENTS, json={"item_id": feed32["id"], "type": "decrease", "quantity": "1000", "reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"


def test_a_recount_above_on_hand_adds_the_difference(inv: Inv, feed32: dict[str, Any]) -> None:
    up = _adjust(inv, feed32["id"], "recount", "330", unit_cost="1", reason="count")
    assert (up["qty_change"], up["ledger"][0]["type"]) == ("30.000", "adjust_in")


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "increase", "quantity": "0", "reason": "x"},
        {"type": "recount", "quantity": "1", "lot_id": "L2", "reason": "x"},
        {"type": "decrease", "quantity": "1"},
    ],
    ids=["zero_increase", "lot_on_a_recount", "no_reason"],
)
def test_a_bad_adjustment_is_422(inv: Inv, feed32: dict[str, Any], sql: Any, bad: dict[str, Any]) -> None:
    if bad.get("lot_id") == "L2":
        bad = {**bad, "lot_id": sql.execute("SELECT id FROM lots WHERE lot_number = 'L2'").fetchone()["id"]}
    assert inv.post(ADJUSTMENTS, json={"item_id": feed32["id"], **bad}).status_code == 422


def test_adjustments_are_listed_by_item_type_and_date(inv: Inv, feed32: dict[str, Any]) -> None:
    _adjust(inv, feed32["id"], "increase", "10")
    _adjust(inv, feed32["id"], "decrease", "20")
    _adjust(inv, feed32["id"], "decrease", "30")
    history = inv.ok("GET", ADJUSTMENTS, params={"item_id": feed32["id"], "type": "decrease"})
    assert history["total"] == 2
    assert inv.ok("GET", ADJUSTMENTS, params={"from": "2025-01-21"})["total"] == 0


def test_a_decrease_cannot_take_reserved_stock(inv: Inv, feed32: dict[str, Any]) -> None:
    # Adjustments never touch reservations: a decrease below the reserved quantity is refused.
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "250"})
    r = inv.post(ADJUSTMENTS, json={"item_id": feed32["id"], "type": "decrease", "quantity": "60", "reason": "x"})
    assert r.status_code == 409 and r.json()["errors"][0]["available"] == "50.000"


def test_reservation_lifecycle(inv: Inv, feed32: dict[str, Any]) -> None:
    r = inv.post("/inventory/reservations", json={"item_id": feed32["id"], "quantity": "301"})
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    res = inv.ok(
        "POST",
        "/inventory/reservations",
        201,
        json={
            "item_id": feed32["id"],
            "quantity": "10",
            "module_key": "biofloc",
            "external_ref": "FEED-PLAN-7",
            "duration_hours": 720,
        },
    )
    assert datetime.fromisoformat(res["reserved_until"]) == datetime(2025, 2, 19, 9, 0, tzinfo=UTC)
    assert inv.ok("GET", "/inventory/reservations")["total"] == 1
    assert inv.ok("GET", "/inventory/reservations", params={"module_key": "inventory"})["total"] == 0
    cancelled = inv.ok("POST", f"/inventory/reservations/{res['id']}/cancel")
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    r = inv.post(f"/inventory/reservations/{res['id']}/cancel")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert inv.post(f"/inventory/reservations/{res['id']}/confirm").json()["code"] == "invalid_state"
    assert inv.ok("GET", "/inventory/reservations", params={"status": "cancelled"})["total"] == 1
    assert inv.post("/inventory/reservations/999/confirm").status_code == 404
    assert inv.get("/inventory/reservations/999").status_code == 404
    assert (
        inv.post(
            "/inventory/reservations", json={"item_id": feed32["id"], "quantity": "1", "duration_hours": 721}
        ).status_code
        == 422
    )


def _po(inv: Inv, supplier: int, *items: int) -> dict[str, Any]:
    return dict(
        inv.ok(
            "POST",
            "/inventory/purchase-orders",
            201,
            json={
                "supplier_id": supplier,
                "po_date": "2025-01-15",
                "expected_delivery": "2025-01-30",
                "notes": "n",
                "lines": [{"item_id": i, "ordered_qty": "10", "unit_cost": "2.5"} for i in items],
            },
        )
    )


def test_po_lines_header_and_history(inv: Inv, sql: Any) -> None:
    sup = inv.supplier()
    a, b, c = (inv.item(f"PO-{n}")["id"] for n in range(3))
    po = _po(inv, sup, a, b)
    assert po["total_amount"] == "50.00"
    po = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{po['id']}/lines",
        json={"item_id": c, "ordered_qty": "4", "unit_cost": "1.25"},
    )
    assert po["total_amount"] == "55.00"
    dup = inv.post(
        f"/inventory/purchase-orders/{po['id']}/lines", json={"item_id": c, "ordered_qty": "1", "unit_cost": "1"}
    )
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_line"
    line_c = po["lines"][2]["id"]
    po = inv.ok("PATCH", f"/inventory/purchase-orders/{po['id']}/lines/{line_c}", json={"ordered_qty": "8"})
    assert po["lines"][2]["line_total"] == "10.00"
    po = inv.ok("DELETE", f"/inventory/purchase-orders/{po['id']}/lines/{line_c}")
    assert len(po["lines"]) == 2
    inv.ok("DELETE", f"/inventory/purchase-orders/{po['id']}/lines/{po['lines'][1]['id']}")
    last = inv.call("DELETE", f"/inventory/purchase-orders/{po['id']}/lines/{po['lines'][0]['id']}")
    assert last.status_code == 409 and last.json()["code"] == "last_line"
    assert (
        inv.call("PATCH", f"/inventory/purchase-orders/{po['id']}/lines/999999", json={"ordered_qty": "1"}).status_code
        == 404
    )
    other = inv.supplier("Other Co")
    po = inv.ok(
        "PATCH",
        f"/inventory/purchase-orders/{po['id']}",
        json={"supplier_id": other, "po_date": "2025-01-16", "expected_delivery": None},
    )
    assert po["supplier"]["name"] == "Other Co" and po["expected_delivery"] is None
    bad = inv.call("PATCH", f"/inventory/purchase-orders/{po['id']}", json={"expected_delivery": "2025-01-01"})
    assert bad.status_code == 422
    inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": "approved", "note": "ok"})
    r = inv.call("PATCH", f"/inventory/purchase-orders/{po['id']}", json={"supplier_id": sup})
    assert r.status_code == 409
    assert (
        inv.ok("PATCH", f"/inventory/purchase-orders/{po['id']}", json={"notes": "call first"})["notes"] == "call first"
    )
    r = inv.post(
        f"/inventory/purchase-orders/{po['id']}/lines", json={"item_id": c, "ordered_qty": "1", "unit_cost": "1"}
    )
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": "cancelled"})
    assert inv.call("PATCH", f"/inventory/purchase-orders/{po['id']}", json={"notes": "x"}).status_code == 409
    actions = [h["action"] for h in inv.ok("GET", f"/inventory/purchase-orders/{po['id']}/history")["items"]]
    assert actions == [
        "status_changed",
        "updated",
        "status_changed",
        "updated",
        "line_removed",
        "line_removed",
        "line_updated",
        "line_added",
        "created",
    ]
    listed = inv.ok("GET", "/inventory/purchase-orders", params={"status": "cancelled"})
    assert listed["total"] == 1 and listed["items"][0]["line_count"] == 1
    assert inv.ok("GET", "/inventory/purchase-orders", params={"q": "other"})["total"] == 1
    assert inv.ok("GET", "/inventory/purchase-orders", params={"from": "2025-01-17"})["total"] == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # po_history is append-only
        sql.execute("DELETE FROM po_history")


def test_po_create_rules(inv: Inv) -> None:
    sup = inv.supplier()
    a = inv.item("PC-1")["id"]
    off = inv.item("PC-2", is_active=False)["id"]
    base = {"supplier_id": sup, "lines": [{"item_id": a, "ordered_qty": "1", "unit_cost": "1"}]}
    named = inv.ok("POST", "/inventory/purchase-orders", 201, json={**base, "po_number": "po-77"})
    assert named["po_number"] == "po-77"
    r = inv.post("/inventory/purchase-orders", json={**base, "po_number": "PO-77"})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_po_number"
    two = {"item_id": a, "ordered_qty": "1", "unit_cost": "1"}
    assert inv.post("/inventory/purchase-orders", json={**base, "lines": [two, two]}).status_code == 422
    r = inv.post("/inventory/purchase-orders", json={**base, "lines": [{**two, "item_id": off}]})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lines", 0, "item_id"]
    assert inv.post("/inventory/purchase-orders", json={**base, "lines": []}).status_code == 422
    assert inv.post("/inventory/purchase-orders", json={**base, "lines": [two] * 101}).status_code == 422
    assert inv.post("/inventory/purchase-orders", json={**base, "po_date": "2025-02-01"}).status_code == 422
    assert (
        inv.post(
            "/inventory/purchase-orders", json={**base, "po_date": "2025-01-10", "expected_delivery": "2025-01-09"}
        ).status_code
        == 422
    )


def test_receive_rules(inv: Inv) -> None:
    sup = inv.supplier()
    a, b = inv.item("RC-1")["id"], inv.item("RC-2")["id"]
    po = _po(inv, sup, a, b)
    line = po["lines"][0]["id"]
    body = {"lines": [{"po_line_id": line, "received_qty": "1"}]}
    r = inv.post(f"/inventory/purchase-orders/{po['id']}/receive", json=body)
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    for s in ("approved", "ordered"):
        inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": s})
    other = _po(inv, sup, a)
    for bad in (
        {"lines": [{"po_line_id": other["lines"][0]["id"], "received_qty": "1"}]},
        {"lines": [{"po_line_id": line, "received_qty": "1"}, {"po_line_id": line, "received_qty": "1"}]},
        {"lines": [{"po_line_id": line, "received_qty": "0"}]},
        {"receipt_date": "2025-01-14", **body},
        {"receipt_date": "2025-01-21", **body},
        {"lines": [{"po_line_id": line, "received_qty": "1", "expiry_date": "2025-01-19"}]},
    ):
        assert inv.post(f"/inventory/purchase-orders/{po['id']}/receive", json=bad).status_code == 422, bad
    done = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{po['id']}/receive",
        201,
        json={
            "close": True,
            "receipt_date": "2025-01-18",
            "lines": [{"po_line_id": line, "received_qty": "4", "lot_number": "RCV-1", "expiry_date": "2025-12-31"}],
        },
    )
    assert done["status"] == "closed"
    assert inv.view(a)["on_hand_qty"] == "4.000"
    lots = inv.ok("GET", f"/inventory/items/{a}/lots")["items"]
    assert (lots[0]["lot_number"], lots[0]["received_date"], lots[0]["po_id"]) == ("RCV-1", "2025-01-18", po["id"])


def test_duplicate_po(inv: Inv, sql: Any) -> None:
    sup = inv.supplier()
    a, b = inv.item("DP-1")["id"], inv.item("DP-2")["id"]
    po = _po(inv, sup, a, b)
    inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/status", json={"status": "cancelled"})
    assert inv.call("DELETE", f"/inventory/items/{b}").status_code == 204
    copy = inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/duplicate", 201, json={"po_number": "COPY-1"})
    assert (copy["status"], copy["po_number"], copy["skipped_item_ids"]) == ("pending", "COPY-1", [b])
    assert [ln["item_id"] for ln in copy["lines"]] == [a] and copy["po_date"] == "2025-01-20"
    no_body = inv.ok("POST", f"/inventory/purchase-orders/{po['id']}/duplicate", 201)
    assert no_body["po_number"] == f"PO-{no_body['id']:06d}"
    for pid, key in ((po["id"], "to_po_id"), (copy["id"], "from_po_id")):
        hist = inv.ok("GET", f"/inventory/purchase-orders/{pid}/history")["items"]
        assert any(h["action"] == "duplicated" and key in h["details"] for h in hist)
    only_inactive = _po(inv, sup, inv.item("DP-3")["id"])
    sql.execute("UPDATE items SET is_active = false WHERE sku = 'DP-3'")
    r = inv.post(f"/inventory/purchase-orders/{only_inactive['id']}/duplicate", json={})
    assert r.status_code == 409 and r.json()["code"] == "no_active_items"
    assert inv.post("/inventory/purchase-orders/999/duplicate", json={}).status_code == 404


def test_alerts_dashboard_and_consumption(inv: Inv, feed32: dict[str, Any]) -> None:
    inv.ok("PATCH", f"/inventory/items/{feed32['id']}", json={"reorder_threshold": "400"})
    low = inv.item("LOW-1", name="Low one", reorder_threshold="10")
    inv.add(low["id"], "8", "1", expiry_date="2025-01-25")
    inv.add(low["id"], "1", "1", "2025-01-01", expiry_date="2025-01-10")
    inv.add(low["id"], "1", "1", expiry_date="2025-03-30")
    alerts = inv.ok("GET", "/inventory/alerts/low-stock")
    assert [(a["sku"], a["deficit"]) for a in alerts["items"]] == [("FEED-32", "100.000"), ("LOW-1", "0.000")]
    expiry = inv.ok("GET", "/inventory/alerts/expiry")["items"]
    assert [(e["expiry_date"], e["days_until_expiry"], e["state"]) for e in expiry] == [
        ("2025-01-10", -10, "expired"),
        ("2025-01-25", 5, "expiring"),
    ]
    assert inv.ok("GET", "/inventory/alerts/expiry", params={"days": 365})["total"] == 3
    assert inv.get("/inventory/alerts/expiry", params={"days": 366}).status_code == 422
    inv.use("5", sku="FEED-32")
    inv.use("5", sku="FEED-32", module_key="biofloc")
    inv.use("1", sku="LOW-1", module_key="biofloc")
    sup = inv.supplier()
    _po(inv, sup, low["id"])
    dash = inv.ok("GET", "/inventory/dashboard")
    assert dash == {
        "total_items": 2,
        "active_items": 2,
        "total_stock_value": "12109.00",
        "low_stock_items": 2,
        "expiring_lots_30d": 1,
        "expired_lots": 0,
        "open_pos": 1,
        "pos_awaiting_approval": 1,
        "transactions_7d": 8,
    }
    cons = inv.ok("GET", "/inventory/modules/biofloc/consumption")
    assert (cons["module_key"], cons["from"], cons["to"], cons["total_cost"]) == (
        "biofloc",
        "2024-12-22",
        "2025-01-20",
        "201.00",
    )
    assert [(c["sku"], c["quantity"], c["cost"], c["operations"]) for c in cons["items"]] == [
        ("FEED-32", "5.000", "200.00", 1),
        ("LOW-1", "1.000", "1.00", 1),
    ]
    assert (
        inv.ok("GET", "/inventory/modules/inventory/consumption", params={"from": "2025-01-21", "to": "2025-01-22"})[
            "total"
        ]
        == 0
    )
    assert inv.get("/inventory/modules/admin/consumption").status_code == 422


def test_ledger_and_po_exports(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    from openpyxl import load_workbook

    inv.use("150", sku="FEED-32")
    r = inv.get("/inventory/exports/ledger.xlsx", params={"item_id": feed32["id"]})
    assert r.status_code == 200 and r.headers["content-disposition"] == 'attachment; filename="ledger-20250120.xlsx"'
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:6] == ["Date", "SKU", "Item", "Type", "Lot", "Qty change"]
    assert ws.max_row == 5 and isinstance(ws["A2"].value, datetime) and ws["F2"].value == -50
    assert ws["L2"].value == "writer@farm.test"
    sup = inv.supplier()
    _po(inv, sup, feed32["id"])
    r = inv.get("/inventory/exports/purchase-orders.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Purchase orders", "Lines"]
    assert wb["Purchase orders"]["F2"].value == 25 and wb["Lines"]["D2"].value == 10
    assert r.headers["content-disposition"] == 'attachment; filename="purchase-orders-20250120.xlsx"'


def test_export_over_fifty_thousand_rows_is_422(inv: Inv, sql: Any) -> None:
    unit = inv.unit("kg")
    sql.execute(
        "INSERT INTO items (sku, name, unit_id) SELECT 'BULK-' || n, 'Bulk ' || n, %s FROM generate_series(1, 50001) n",
        (unit,),
    )
    r = inv.get("/inventory/exports/stock.xlsx")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "too_many_rows"
    assert inv.get("/inventory/exports/stock.xlsx", params={"q": "BULK-5000"}).status_code == 200


def test_idempotent_retry_of_a_use_deducts_once(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    headers = {"Idempotency-Key": "use-1"}
    first = inv.post("/inventory/stock/use", json={"sku": "FEED-32", "quantity": "10", "purpose": "x"}, headers=headers)
    again = inv.post("/inventory/stock/use", json={"sku": "FEED-32", "quantity": "10", "purpose": "x"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert inv.view(feed32["id"])["on_hand_qty"] == "290.000"
    other = inv.post("/inventory/stock/use", json={"sku": "FEED-32", "quantity": "11", "purpose": "x"}, headers=headers)
    assert other.status_code == 422
    assert sql.execute("SELECT count(*) AS n FROM stock_operations WHERE kind = 'use'").fetchone()["n"] == 1


def test_po_view_reads_header_summary_and_lines_in_one_statement(inv: Inv) -> None:
    """The view of an order is one statement after the caller check, plus one for its receipts when it has some;
    what it shows is the same as the three reads it replaced: lines in order, receipts with their lines, summary."""
    from bench.sqlcount import counting

    sup = inv.supplier()
    a, b = inv.item("OV-1")["id"], inv.item("OV-2")["id"]
    po = _po(inv, sup, b, a)
    path = f"/inventory/purchase-orders/{po['id']}"
    with counting() as counter:
        view = inv.ok("GET", path)
    assert len(_reads(counter.statements)) == 1, counter.statements
    assert [(ln["item_id"], ln["remaining_qty"]) for ln in view["lines"]] == [(b, "10.000"), (a, "10.000")]
    assert view["receipts"] == [] and view["summary"]["lines_open"] == 2 and view["total_amount"] == "50.00"
    for s in ("approved", "ordered"):
        inv.ok("POST", f"{path}/status", json={"status": s})
    line = view["lines"][1]["id"]
    inv.ok("POST", f"{path}/receive", 201, json={"lines": [{"po_line_id": line, "received_qty": "4"}]})
    with counting() as counter:
        after = inv.ok("GET", path)
    assert len(_reads(counter.statements)) == 2, counter.statements
    assert [ln["received_qty"] for ln in after["lines"]] == ["0.000", "4.000"]
    assert [[(rl["po_line_id"], rl["received_qty"]) for rl in r["lines"]] for r in after["receipts"]] == [
        [(line, "4.000")]
    ]
    assert (after["status"], after["summary"]["lines_partial"], after["summary"]["received_value_po"]) == (
        "partially_received",
        1,
        "10.00",
    )
    assert inv.get("/inventory/purchase-orders/999999").status_code == 404


def _reads(statements: list[str]) -> list[str]:
    """The statements of the route itself: the caller check (the authorizer's and the function's) and the tests'
    check that a read wrote nothing (farm_erp.db.READ_CHECK) left out."""
    return [s for s in statements if "live_caller" not in s and "pg_current_xact_id_if_assigned" not in s]
