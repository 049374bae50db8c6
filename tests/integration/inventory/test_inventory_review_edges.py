"""Purchase-order numbers past six digits, and adjustments that name an inactive item."""

from __future__ import annotations

from typing import Any

from tests.integration.inventory.conftest import Inv


def _po(inv: Inv, supplier: int, item: int) -> dict[str, Any]:
    body = {"supplier_id": supplier, "lines": [{"item_id": item, "ordered_qty": "1", "unit_cost": "1"}]}
    return dict(inv.ok("POST", "/inventory/purchase-orders", 201, json=body))


def test_default_po_numbers_keep_every_digit(inv: Inv, sql: Any) -> None:
    supplier, item = inv.supplier(), inv.item("PO-NUM")["id"]
    assert _po(inv, supplier, item)["po_number"] == "PO-000001"
    seq = "pg_get_serial_sequence('purchase_orders', 'id')"
    for last, expected in ((123_455, "PO-123456"), (999_998, "PO-999999"), (1_234_566, "PO-1234567")):
        sql.execute(f"SELECT setval({seq}, %s)", (last,))
        po = _po(inv, supplier, item)
        assert (po["id"], po["po_number"]) == (last + 1, expected)
    sql.execute(f"SELECT setval({seq}, %s)", (9_223_372_036_854_775_806,))
    assert _po(inv, supplier, item)["po_number"] == "PO-9223372036854775807"


def test_an_adjustment_of_an_inactive_item_is_422(inv: Inv) -> None:
    item = inv.item("RETIRED")["id"]
    inv.ok("DELETE", f"/inventory/items/{item}", 204)
    assert inv.view(item)["is_active"] is False
    for kind in ("increase", "recount"):
        body = {"item_id": item, "type": kind, "quantity": "5", "reason": "found"}
        r = inv.post("/inventory/stock/adjustments", json=body)
        assert r.status_code == 422, r
        assert r.json()["detail"][0]["loc"] == ["body", "item_id"]
    assert inv.view(item)["on_hand_qty"] == "0.000"
