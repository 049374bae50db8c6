"""Bad input on every inventory route: a 4xx with `detail`, never a 500, and nothing written."""

from __future__ import annotations

from typing import Any

from tests.integration.inventory.conftest import Inv

HUGE = "x" * 5000
TABLES = (
    "categories",
    "suppliers",
    "units",
    "items",
    "lots",
    "stock_ledger",
    "stock_operations",
    "reservations",
    "stock_adjustments",
    "purchase_orders",
    "po_lines",
    "po_receipts",
    "po_history",
    "item_module_mappings",
)


def snapshot(sql: Any) -> dict[str, Any]:
    counts = {t: sql.execute(f"SELECT count(*) AS n FROM {t}").fetchone()["n"] for t in TABLES}
    counts["on_hand"] = [r["on_hand_qty"] for r in sql.execute("SELECT on_hand_qty FROM items ORDER BY id")]
    counts["statuses"] = [r["status"] for r in sql.execute("SELECT status FROM purchase_orders ORDER BY id")]
    return counts


def test_every_route_rejects_bad_input(inv: Inv, feed32: dict[str, Any], sql: Any) -> None:
    item = feed32["id"]
    sup = inv.supplier()
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Cat"})["id"]
    po = inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={"supplier_id": sup, "lines": [{"item_id": item, "ordered_qty": "5", "unit_cost": "1"}]},
    )
    line = po["lines"][0]["id"]
    res = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": item, "quantity": "1"})["id"]
    before = snapshot(sql)
    kg = inv.unit("kg")
    cases: list[tuple[str, str, dict[str, Any]]] = [
        # master data
        ("POST", "/inventory/categories", {"json": {}}),
        ("POST", "/inventory/categories", {"json": {"name": HUGE}}),
        ("POST", "/inventory/categories", {"json": {"name": "ok", "extra": 1}}),
        ("POST", "/inventory/categories", {"json": {"name": ""}}),
        ("POST", "/inventory/categories", {"data": b"{not json"}),
        ("PATCH", f"/inventory/categories/{cat}", {"json": {}}),
        ("PATCH", "/inventory/categories/999999", {"json": {"name": "x"}}),
        ("PATCH", "/inventory/categories/abc", {"json": {"name": "x"}}),
        ("DELETE", "/inventory/categories/0", {}),
        ("DELETE", "/inventory/categories/99999999999999999999", {}),
        ("GET", "/inventory/categories", {"params": {"limit": 201}}),
        ("GET", "/inventory/categories", {"params": {"page": 0}}),
        ("POST", "/inventory/suppliers", {"json": {"name": "s", "is_active": "maybe"}}),
        ("POST", "/inventory/suppliers", {"json": {"name": "s", "phone": HUGE}}),
        ("GET", "/inventory/suppliers/999999", {}),
        ("PATCH", f"/inventory/suppliers/{sup}", {"json": {"unknown": 1}}),
        ("DELETE", "/inventory/suppliers/999999", {}),
        ("GET", "/inventory/suppliers", {"params": {"is_active": "perhaps"}}),
        ("POST", "/inventory/units", {"json": {"name": "u", "abbreviation": "u", "category": "time"}}),
        (
            "POST",
            "/inventory/units",
            {"json": {"name": "u", "abbreviation": "u", "category": "count", "base_factor": "-1"}},
        ),
        ("POST", "/inventory/units", {"json": {"name": "kilo", "abbreviation": "KG", "category": "weight"}}),
        ("PATCH", "/inventory/units/999999", {"json": {"name": "x"}}),
        ("DELETE", "/inventory/units/999999", {}),
        ("GET", "/inventory/units", {"params": {"category": "time"}}),
        # items
        ("POST", "/inventory/items", {"json": {"sku": "bad sku!", "name": "x", "unit_id": kg}}),
        ("POST", "/inventory/items", {"json": {"sku": "A" * 65, "name": "x", "unit_id": kg}}),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": 999999}}),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": kg, "category_id": 999999}}),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": kg, "default_price": "-1"}}),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": kg, "default_price": "NaN"}}),
        (
            "POST",
            "/inventory/items",
            {"json": {"sku": "OK-1", "name": "x", "unit_id": kg, "reorder_threshold": "1e20"}},
        ),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": "kg"}}),
        ("POST", "/inventory/items", {"json": {"sku": "OK-1", "name": "x", "unit_id": kg, "on_hand_qty": "5"}}),
        ("GET", "/inventory/items/999999", {}),
        ("GET", "/inventory/items", {"params": {"category_id": "x"}}),
        ("GET", "/inventory/items", {"params": {"q": HUGE}}),
        ("PATCH", f"/inventory/items/{item}", {"json": {}}),
        ("PATCH", f"/inventory/items/{item}", {"json": {"unit_id": None}}),
        ("PATCH", f"/inventory/items/{item}", {"json": {"default_supplier_id": 999999}}),
        ("PATCH", "/inventory/items/999999", {"json": {"name": "x"}}),
        ("DELETE", "/inventory/items/999999", {}),
        ("DELETE", "/inventory/items/999999/permanent", {}),
        ("GET", "/inventory/items/999999/lots", {}),
        ("GET", "/inventory/items/999999/modules", {}),
        ("PUT", "/inventory/items/999999/modules/biofloc", {"json": {}}),
        ("PUT", f"/inventory/items/{item}/modules/dashboard", {"json": {}}),
        ("PUT", f"/inventory/items/{item}/modules/biofloc", {"json": {"settings": "x"}}),
        ("PUT", f"/inventory/items/{item}/modules/biofloc", {"json": {"is_primary": "sometimes"}}),
        ("DELETE", f"/inventory/items/{item}/modules/biofloc", {}),
        ("GET", "/inventory/items/bulk", {"params": {"ids": "-1"}}),
        # stock
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "0"}}),
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "abc"}}),
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "1", "unit_cost": "-2"}}),
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "1", "received_date": "yesterday"}}),
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "1", "supplier_id": 999999}}),
        ("POST", "/inventory/stock/add", {"json": {"item_id": item, "quantity": "1", "lot_number": HUGE}}),
        ("POST", "/inventory/stock/use", {"json": {"item_id": item, "quantity": "1"}}),
        ("POST", "/inventory/stock/use", {"json": {"item_id": item, "quantity": "1", "purpose": HUGE}}),
        ("POST", "/inventory/stock/use", {"json": {"quantity": "1", "purpose": "x"}}),
        (
            "POST",
            "/inventory/stock/use",
            {"json": {"item_id": item, "sku": "FEED-32", "quantity": "1", "purpose": "x"}},
        ),
        ("POST", "/inventory/stock/use", {"json": {"item_id": item, "quantity": "-1", "purpose": "x"}}),
        (
            "POST",
            "/inventory/stock/use",
            {"json": {"item_id": item, "quantity": "1", "purpose": "x", "module_key": "admin"}},
        ),
        ("POST", "/inventory/stock/use", {"json": {"item_id": item, "quantity": "1000", "purpose": "x"}}),
        ("POST", "/inventory/stock/use", {"json": {"sku": "NO-SUCH", "quantity": "1", "purpose": "x"}}),
        ("POST", "/inventory/stock/use", {"json": {"item_id": 2**63, "quantity": "1", "purpose": "x"}}),
        ("POST", "/inventory/stock/use-multi", {"json": {"purpose": "x", "lines": []}}),
        (
            "POST",
            "/inventory/stock/use-multi",
            {"json": {"purpose": "x", "lines": [{"item_id": item, "quantity": "1"}] * 51}},
        ),
        (
            "POST",
            "/inventory/stock/use-multi",
            {"json": {"purpose": "x", "lines": [{"item_id": item, "quantity": "1", "x": 1}]}},
        ),
        ("POST", "/inventory/stock/use-multi", {"json": {"purpose": "x", "lines": "all"}}),
        (
            "POST",
            "/inventory/stock/adjustments",
            {"json": {"item_id": item, "type": "steal", "quantity": "1", "reason": "x"}},
        ),
        (
            "POST",
            "/inventory/stock/adjustments",
            {"json": {"item_id": item, "type": "increase", "quantity": "1", "reason": ""}},
        ),
        (
            "POST",
            "/inventory/stock/adjustments",
            {"json": {"item_id": 999999, "type": "increase", "quantity": "1", "reason": "x"}},
        ),
        (
            "POST",
            "/inventory/stock/adjustments",
            {"json": {"item_id": item, "type": "decrease", "quantity": "1", "lot_id": 999999, "reason": "x"}},
        ),
        (
            "POST",
            "/inventory/stock/adjustments",
            {
                "json": {
                    "item_id": item,
                    "type": "increase",
                    "quantity": "1",
                    "expiry_date": "2020-01-01",
                    "reason": "x",
                }
            },
        ),
        ("GET", "/inventory/stock/adjustments", {"params": {"type": "steal"}}),
        ("GET", "/inventory/stock/adjustments", {"params": {"from": "2025-02-01", "to": "2025-01-01"}}),
        ("GET", "/inventory/ledger", {"params": {"from": "not-a-date"}}),
        ("GET", "/inventory/ledger", {"params": {"type": "gift"}}),
        ("GET", "/inventory/ledger", {"params": {"operation_id": 0}}),
        # reservations
        ("POST", "/inventory/reservations", {"json": {"item_id": item, "quantity": "1", "duration_hours": 0}}),
        ("POST", "/inventory/reservations", {"json": {"item_id": item, "quantity": "1", "module_key": "dashboard"}}),
        ("POST", "/inventory/reservations", {"json": {"item_id": item, "quantity": "1", "external_ref": HUGE}}),
        ("POST", "/inventory/reservations", {"json": {"item_id": 999999, "quantity": "1"}}),
        ("POST", "/inventory/reservations", {"json": {"item_id": item, "quantity": "1000"}}),
        ("GET", "/inventory/reservations", {"params": {"status": "lost"}}),
        ("GET", "/inventory/reservations/999999", {}),
        ("POST", "/inventory/reservations/999999/cancel", {}),
        ("POST", "/inventory/reservations/first/confirm", {}),
        ("POST", f"/inventory/reservations/{res}/approve", {}),
        # purchase orders
        ("POST", "/inventory/purchase-orders", {"json": {"supplier_id": sup}}),
        (
            "POST",
            "/inventory/purchase-orders",
            {"json": {"supplier_id": 999999, "lines": [{"item_id": item, "ordered_qty": "1", "unit_cost": "1"}]}},
        ),
        (
            "POST",
            "/inventory/purchase-orders",
            {"json": {"supplier_id": sup, "lines": [{"item_id": 999999, "ordered_qty": "1", "unit_cost": "1"}]}},
        ),
        (
            "POST",
            "/inventory/purchase-orders",
            {
                "json": {
                    "supplier_id": sup,
                    "po_number": HUGE,
                    "lines": [{"item_id": item, "ordered_qty": "1", "unit_cost": "1"}],
                }
            },
        ),
        ("GET", "/inventory/purchase-orders/999999", {}),
        ("GET", "/inventory/purchase-orders", {"params": {"status": "lost"}}),
        ("PATCH", f"/inventory/purchase-orders/{po['id']}", {"json": {}}),
        ("PATCH", f"/inventory/purchase-orders/{po['id']}", {"json": {"supplier_id": 999999}}),
        ("PATCH", f"/inventory/purchase-orders/{po['id']}", {"json": {"po_date": None}}),
        ("POST", f"/inventory/purchase-orders/{po['id']}/status", {"json": {"status": "approve"}}),
        ("POST", f"/inventory/purchase-orders/{po['id']}/status", {"json": {"status": "received"}}),
        ("POST", "/inventory/purchase-orders/999999/status", {"json": {"status": "approved"}}),
        (
            "POST",
            f"/inventory/purchase-orders/{po['id']}/lines",
            {"json": {"item_id": item, "ordered_qty": "0", "unit_cost": "1"}},
        ),
        (
            "POST",
            f"/inventory/purchase-orders/{po['id']}/lines",
            {"json": {"item_id": item, "ordered_qty": "1", "unit_cost": "1"}},
        ),
        ("PATCH", f"/inventory/purchase-orders/{po['id']}/lines/{line}", {"json": {}}),
        ("PATCH", f"/inventory/purchase-orders/{po['id']}/lines/{line}", {"json": {"item_id": 999999}}),
        ("DELETE", f"/inventory/purchase-orders/{po['id']}/lines/{line}", {}),
        ("DELETE", f"/inventory/purchase-orders/{po['id']}/lines/999999", {}),
        (
            "POST",
            f"/inventory/purchase-orders/{po['id']}/receive",
            {"json": {"lines": [{"po_line_id": line, "received_qty": "1"}]}},
        ),
        ("POST", f"/inventory/purchase-orders/{po['id']}/receive", {"json": {"lines": []}}),
        ("POST", f"/inventory/purchase-orders/{po['id']}/duplicate", {"json": {"supplier_id": 999999}}),
        ("POST", f"/inventory/purchase-orders/{po['id']}/duplicate", {"json": {"expected_delivery": "2000-01-01"}}),
        ("GET", "/inventory/purchase-orders/999999/history", {}),
        # alerts, modules, exports
        ("GET", "/inventory/alerts/expiry", {"params": {"days": -1}}),
        ("GET", "/inventory/alerts/low-stock", {"params": {"limit": 0}}),
        ("GET", "/inventory/modules/admin/items", {}),
        ("GET", "/inventory/modules/biofloc/consumption", {"params": {"from": "2030-01-01"}}),
        ("GET", "/inventory/exports/ledger.xlsx", {"params": {"from": "x"}}),
        ("GET", "/inventory/exports/stock.xlsx", {"params": {"category_id": -5}}),
        ("GET", "/inventory/exports/purchase-orders.xlsx", {"params": {"status": "lost"}}),
        ("GET", "/inventory/nothing-here", {}),
    ]
    for method, path, kw in cases:
        r = inv.call(method, path, **kw)
        assert 400 <= r.status_code < 500, (method, path, kw, r)
        assert "detail" in r.json(), (method, path, r)
    assert snapshot(sql) == before
