"""The inventory rules with numbers other than the specification's worked examples."""

from __future__ import annotations

from typing import Any

from tests.integration.inventory.conftest import Inv


def test_fifo_by_received_date_with_rounded_rows(inv: Inv) -> None:
    item = inv.item("SALT-1")
    # Added out of order: FIFO follows received_date, then id; an expired lot is used too.
    inv.add(item["id"], "7", "0.3333", "2025-01-10", lot_number="B")
    inv.add(item["id"], "5", "1.1115", "2025-01-02", lot_number="A", expiry_date="2025-01-03")
    inv.add(item["id"], "4", "2.0000", "2025-01-10", lot_number="C")
    assert inv.view(item["id"])["stock_value"] == "15.89"  # 2.3331 + 5.5575 + 8 = 15.8906
    r = inv.use("13", sku=" salt-1 ")
    assert r.status_code == 200, r
    body = r.json()
    assert [(x["lot_number"], x["quantity"], x["cost"]) for x in body["lines"]] == [
        ("A", "5.000", "5.56"),
        ("B", "7.000", "2.33"),
        ("C", "1.000", "2.00"),
    ]
    assert body["total_cost"] == "9.89" and body["avg_unit_cost"] == "0.7608"
    rows = inv.ok("GET", "/inventory/ledger", params={"operation_id": body["operation_id"]})["items"]
    assert sorted(x["balance_after"] for x in rows) == ["11.000", "3.000", "4.000"]
    assert inv.view(item["id"])["stock_value"] == "6.00"


def test_avg_unit_cost_is_half_up(inv: Inv) -> None:
    item = inv.item("TINY-1")
    inv.add(item["id"], "8", "0.0013")
    body = inv.use("8", item_id=item["id"]).json()
    assert body["total_cost"] == "0.01" and body["avg_unit_cost"] == "0.0013"  # 0.00125


def test_adjustments_respect_reservations_and_default_costs(inv: Inv) -> None:
    item = inv.item("ADJ-1", default_price="9.9900")
    inv.add(item["id"], "50", "3.0000", "2025-01-15")
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": item["id"], "quantity": "35"})
    dec = inv.post(
        "/inventory/stock/adjustments",
        json={"item_id": item["id"], "type": "decrease", "quantity": "16", "reason": "x"},
    )
    assert dec.status_code == 409 and dec.json()["code"] == "insufficient_stock"
    assert dec.json()["errors"][0]["available"] == "15.000"
    below = inv.post(
        "/inventory/stock/adjustments", json={"item_id": item["id"], "type": "recount", "quantity": "34", "reason": "x"}
    )
    assert below.status_code == 409 and below.json()["code"] == "reserved_stock"
    ok = inv.ok(
        "POST",
        "/inventory/stock/adjustments",
        201,
        json={"item_id": item["id"], "type": "recount", "quantity": "35", "reason": "count"},
    )
    assert ok["qty_change"] == "-15.000" and [x["type"] for x in ok["ledger"]] == ["adjust_out"]
    up = inv.ok(
        "POST",
        "/inventory/stock/adjustments",
        201,
        json={"item_id": item["id"], "type": "recount", "quantity": "40", "reason": "found"},
    )
    assert up["ledger"][0]["type"] == "adjust_in" and up["ledger"][0]["unit_cost"] == "3.0000"
    assert up["ledger"][0]["cost"] == "15.00"
    view = inv.view(item["id"])
    assert (view["on_hand_qty"], view["reserved_qty"], view["available_qty"]) == ("40.000", "35.000", "5.000")
    # last_purchase_price ignores adjustment lots
    assert view["last_purchase_price"] == "3.0000"


def test_po_state_machine(inv: Inv) -> None:
    sup = inv.supplier("Sup A")
    a = inv.item("PO-A")
    b = inv.item("PO-B")
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={
            "supplier_id": sup,
            "po_date": "2025-01-10",
            "lines": [
                {"item_id": a["id"], "ordered_qty": "3", "unit_cost": "0.3333"},
                {"item_id": b["id"], "ordered_qty": "10", "unit_cost": "1.0050"},
            ],
        },
    )
    assert po["total_amount"] == "11.05"  # 1.00 + 10.05
    pid = po["id"]

    def status(to: str) -> Any:
        return inv.post(f"/inventory/purchase-orders/{pid}/status", json={"status": to})

    for bad in ("ordered", "received", "partially_received", "closed", "pending"):
        r = status(bad)
        assert r.status_code == 409 and r.json()["code"] == "invalid_transition", bad
    assert status("approved").status_code == 200
    for bad in ("approved", "received", "closed", "pending"):
        assert status(bad).json()["code"] == "invalid_transition", bad
    assert status("ordered").status_code == 200
    for bad in ("received", "partially_received", "closed", "approved"):
        assert status(bad).json()["code"] == "invalid_transition", bad
    lines = {ln["item_id"]: ln["id"] for ln in inv.ok("GET", f"/inventory/purchase-orders/{pid}")["lines"]}

    r1 = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{pid}/receive",
        201,
        json={"receipt_date": "2025-01-15", "lines": [{"po_line_id": lines[a["id"]], "received_qty": "1"}]},
    )
    assert r1["status"] == "partially_received"
    s = r1["summary"]
    assert (s["received_value_po"], s["lines_partial"], s["lines_open"], s["lines_complete"]) == ("0.33", 1, 1, 0)
    assert status("cancelled").json()["code"] == "invalid_transition"
    over = inv.post(
        f"/inventory/purchase-orders/{pid}/receive",
        json={"lines": [{"po_line_id": lines[a["id"]], "received_qty": "2.001"}]},
    )
    assert over.status_code == 409 and over.json()["code"] == "over_receipt"
    r2 = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{pid}/receive",
        201,
        json={
            "lines": [
                {"po_line_id": lines[a["id"]], "received_qty": "2"},
                {"po_line_id": lines[b["id"]], "received_qty": "10", "unit_cost": "1.0000"},
            ],
        },
    )
    s = r2["summary"]
    assert r2["status"] == "received"
    # po value per receipt line: 0.33 + 0.67 + 10.05; actual 0.33 + 0.67 + 10.00
    assert (s["ordered_value"], s["received_value_po"], s["received_value_actual"], s["variance"]) == (
        "11.05",
        "11.05",
        "11.00",
        "-0.05",
    )
    assert s["lines_complete"] == 2
    assert status("cancelled").json()["code"] == "invalid_transition"
    assert status("closed").status_code == 200
    assert status("cancelled").json()["code"] == "invalid_transition"
    history = inv.ok("GET", f"/inventory/purchase-orders/{pid}/history")["items"]
    moves = [(h["from_status"], h["to_status"]) for h in history if h["action"] == "status_changed"]
    assert moves[::-1] == [
        ("pending", "approved"),
        ("approved", "ordered"),
        ("ordered", "partially_received"),
        ("partially_received", "received"),
        ("received", "closed"),
    ]


def test_receive_with_close(inv: Inv) -> None:
    sup = inv.supplier("Sup B")
    a = inv.item("PO-C")
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={"supplier_id": sup, "lines": [{"item_id": a["id"], "ordered_qty": "10", "unit_cost": "2"}]},
    )
    pid = po["id"]
    inv.ok("POST", f"/inventory/purchase-orders/{pid}/status", json={"status": "approved"})
    inv.ok("POST", f"/inventory/purchase-orders/{pid}/status", json={"status": "ordered"})
    r = inv.ok(
        "POST",
        f"/inventory/purchase-orders/{pid}/receive",
        201,
        json={"close": True, "lines": [{"po_line_id": po["lines"][0]["id"], "received_qty": "4"}]},
    )
    assert r["status"] == "closed"
    assert inv.ok("GET", f"/inventory/purchase-orders/{pid}")["status"] == "closed"
    line = inv.ok("GET", f"/inventory/purchase-orders/{pid}")["lines"][0]
    assert (line["ordered_qty"], line["received_qty"], line["remaining_qty"]) == ("10.000", "4.000", "6.000")


def test_use_multi_lists_every_shortage(inv: Inv) -> None:
    a = inv.item("MU-A")
    b = inv.item("MU-B")
    c = inv.item("MU-C")
    inv.add(a["id"], "5", "1")
    inv.add(b["id"], "5", "1")
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": b["id"], "quantity": "2.5"})
    r = inv.post(
        "/inventory/stock/use-multi",
        json={
            "purpose": "mix",
            "lines": [
                {"sku": "mu-a", "quantity": "6"},
                {"item_id": c["id"], "quantity": "1"},
                {"item_id": b["id"], "quantity": "2.5"},
                {"item_id": inv.item("MU-D")["id"], "quantity": "0.001"},
            ],
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert [(e["index"], e["sku"], e["requested"], e["available"]) for e in r.json()["errors"]] == [
        (0, "MU-A", "6.000", "5.000"),
        (1, "MU-C", "1.000", "0.000"),
        (3, "MU-D", "0.001", "0.000"),
    ]
