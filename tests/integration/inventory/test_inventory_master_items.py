"""Master data, items (item view, filters, lifecycle), bulk fetch, lots and module mappings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from farm_erp import clock
from local.lambda_context import LambdaContext
from tests.integration.inventory.conftest import Inv
from tests.support.client import ApiClient
from tests.support.factories import as_caller

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_category_names_are_unique_ignoring_case_and_spaces(inv: Inv) -> None:
    inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed", "description": "Pellets"})
    dup = inv.post("/inventory/categories", json={"name": " FEED "})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_name"


def test_categories_are_searched_and_count_their_items(inv: Inv) -> None:
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed", "description": "Pellets"})
    assert cat["item_count"] == 0
    inv.ok("POST", "/inventory/categories", 201, json={"name": "Tools"})
    inv.item("F-1", category_id=cat["id"])
    listed = inv.ok("GET", "/inventory/categories", params={"q": "fe"})
    assert listed["total"] == 1 and listed["items"][0]["item_count"] == 1


def test_a_category_rename_is_audited_with_before_and_after(inv: Inv, sql: Any) -> None:
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed", "description": "Pellets"})
    assert inv.ok("PATCH", f"/inventory/categories/{cat['id']}", json={"name": "Feeds"})["name"] == "Feeds"
    update = sql.execute("SELECT metadata FROM activity_logs WHERE action = 'inventory.category.update'").fetchone()[
        "metadata"
    ]
    assert update == {"before": {"name": "Feed"}, "after": {"name": "Feeds"}}


def test_a_category_in_use_cannot_be_deleted(inv: Inv) -> None:
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed"})
    inv.item("F-1", category_id=cat["id"])
    r = inv.call("DELETE", f"/inventory/categories/{cat['id']}")
    assert r.status_code == 409 and r.json()["code"] == "category_in_use"


def test_an_unused_category_is_deleted_and_audited(inv: Inv, sql: Any) -> None:
    inv.ok("POST", "/inventory/categories", 201, json={"name": "Feed"})
    other = inv.ok("POST", "/inventory/categories", 201, json={"name": "Spare"})
    assert inv.call("DELETE", f"/inventory/categories/{other['id']}").status_code == 204
    assert inv.call("DELETE", f"/inventory/categories/{other['id']}").status_code == 404
    actions = [r["action"] for r in sql.execute("SELECT action FROM activity_logs ORDER BY id").fetchall()]
    assert actions.count("inventory.category.create") == 2 and "inventory.category.delete" in actions


def test_units_seeded_and_guarded(inv: Inv) -> None:
    units = inv.ok("GET", "/inventory/units", params={"limit": 200})
    assert units["total"] == 25
    by_abbr = {u["abbreviation"]: u for u in units["items"]}
    assert by_abbr["g"]["base_factor"] == "0.001" and by_abbr["box"]["base_factor"] is None
    assert by_abbr["acre"]["base_factor"] == "4046.8564224"
    assert inv.ok("GET", "/inventory/units", params={"category": "area"})["total"] == 3
    inv.item("U-1", unit="g")
    r = inv.call("PATCH", f"/inventory/units/{by_abbr['g']['id']}", json={"base_factor": "0.002"})
    assert r.status_code == 409 and r.json()["code"] == "unit_in_use"
    assert inv.call("DELETE", f"/inventory/units/{by_abbr['g']['id']}").status_code == 409
    assert inv.call("PATCH", f"/inventory/units/{by_abbr['g']['id']}", json={"name": "Grams"}).status_code == 200
    new = inv.ok("POST", "/inventory/units", 201, json={"name": "Sack", "abbreviation": "sk", "category": "count"})
    assert (
        inv.post("/inventory/units", json={"name": "Other", "abbreviation": "SK", "category": "count"}).status_code
        == 409
    )
    inv.ok("PATCH", f"/inventory/units/{new['id']}", json={"category": "weight", "base_factor": "25"})
    assert inv.call("DELETE", f"/inventory/units/{new['id']}").status_code == 204


def test_supplier_names_are_unique_ignoring_case(inv: Inv) -> None:
    sid = inv.supplier("Aqua Feeds")
    assert inv.post("/inventory/suppliers", json={"name": "aqua feeds"}).status_code == 409
    assert inv.ok("PATCH", f"/inventory/suppliers/{sid}", json={"phone": "555"})["phone"] == "555"


def test_a_deactivated_supplier_is_listed_only_when_asked_for(inv: Inv) -> None:
    sid = inv.supplier("Aqua Feeds")
    assert inv.call("DELETE", f"/inventory/suppliers/{sid}").status_code == 204
    assert inv.ok("GET", "/inventory/suppliers")["total"] == 0
    assert inv.ok("GET", "/inventory/suppliers", params={"is_active": "false"})["items"][0]["id"] == sid
    assert inv.ok("GET", f"/inventory/suppliers/{sid}")["is_active"] is False


def test_an_inactive_supplier_cannot_be_named_on_an_item_a_stock_add_or_a_po(inv: Inv) -> None:
    sid = inv.supplier("Aqua Feeds")
    inv.call("DELETE", f"/inventory/suppliers/{sid}")
    r = inv.post(
        "/inventory/items", json={"sku": "S-1", "name": "x", "unit_id": inv.unit("kg"), "default_supplier_id": sid}
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "default_supplier_id"]
    item = inv.item("S-2")
    r = inv.post(
        "/inventory/stock/add", json={"item_id": item["id"], "quantity": "1", "unit_cost": "1", "supplier_id": sid}
    )
    assert r.status_code == 422
    r = inv.post(
        "/inventory/purchase-orders",
        json={"supplier_id": sid, "lines": [{"item_id": item["id"], "ordered_qty": "1", "unit_cost": "1"}]},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "supplier_id"]


def test_item_view_derived_fields(inv: Inv, feed32: dict[str, Any]) -> None:
    assert feed32["sku"] == "FEED-32" and feed32["unit"]["abbreviation"] == "kg"
    view = inv.view(feed32["id"])
    assert view["last_purchase_price"] == "42.5000"  # the latest manual lot
    assert view["has_history"] is True and view["is_low_stock"] is False
    inv.ok("PATCH", f"/inventory/items/{feed32['id']}", json={"reorder_threshold": "250"})
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "60"})
    view = inv.view(feed32["id"])
    assert (view["reserved_qty"], view["available_qty"], view["is_low_stock"]) == ("60.000", "240.000", True)
    fresh = inv.item("NEW-1", default_price="3.25")
    assert fresh["has_history"] is False and fresh["last_purchase_price"] is None and fresh["stock_value"] == "0.00"
    assert fresh["default_price"] == "3.2500" and fresh["category"] is None


def test_item_list_filters_and_paging(inv: Inv, feed32: dict[str, Any]) -> None:
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Chem"})["id"]
    sup = inv.supplier()
    inv.item("CHEM-1", name="Alpha chem", category_id=cat, default_supplier_id=sup, reorder_threshold="5")
    inv.item("CHEM-2", name="Beta chem", category_id=cat, is_active=False)
    everything = inv.ok("GET", "/inventory/items")
    assert everything["total"] == 3 and [i["sku"] for i in everything["items"]] == ["CHEM-1", "CHEM-2", "FEED-32"]
    assert inv.ok("GET", "/inventory/items", params={"category_id": cat})["total"] == 2
    assert inv.ok("GET", "/inventory/items", params={"supplier_id": sup})["total"] == 1
    assert inv.ok("GET", "/inventory/items", params={"is_active": "false"})["items"][0]["sku"] == "CHEM-2"
    assert [i["sku"] for i in inv.ok("GET", "/inventory/items", params={"low_stock": "true"})["items"]] == ["CHEM-1"]
    assert inv.ok("GET", "/inventory/items", params={"q": "feed"})["items"][0]["sku"] == "FEED-32"
    page = inv.ok("GET", "/inventory/items", params={"page": 2, "limit": 2})
    assert (page["total"], page["page"], page["limit"], len(page["items"])) == (3, 2, 2, 1)


def test_item_edit_rules(inv: Inv, feed32: dict[str, Any]) -> None:
    r = inv.call("PATCH", f"/inventory/items/{feed32['id']}", json={"unit_id": inv.unit("g")})
    assert r.status_code == 409 and r.json()["code"] == "item_has_lots"
    other = inv.item("OTHER-1")
    r = inv.call("PATCH", f"/inventory/items/{other['id']}", json={"sku": "feed-32"})
    assert r.status_code == 409 and r.json()["code"] == "duplicate_sku"
    assert inv.ok("PATCH", f"/inventory/items/{other['id']}", json={"sku": " other-2 "})["sku"] == "OTHER-2"
    assert (
        inv.ok("PATCH", f"/inventory/items/{other['id']}", json={"unit_id": inv.unit("g")})["unit"]["abbreviation"]
        == "g"
    )
    r = inv.call("PATCH", f"/inventory/items/{other['id']}", json={"name": None})
    assert r.status_code == 422


def test_reserved_stock_cannot_be_used(inv: Inv, feed32: dict[str, Any]) -> None:
    res = inv.ok("POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "1"})
    assert inv.use("300", sku="FEED-32").status_code == 409  # one unit is reserved
    assert inv.use("299", sku="FEED-32").status_code == 200
    inv.ok("POST", f"/inventory/reservations/{res['id']}/confirm")


def test_an_item_with_history_is_deactivated_but_never_deleted(inv: Inv, feed32: dict[str, Any]) -> None:
    assert inv.use("300", sku="FEED-32").status_code == 200
    r = inv.call("DELETE", f"/inventory/items/{feed32['id']}/permanent")
    assert r.status_code == 409 and r.json()["code"] == "item_active"
    assert inv.call("DELETE", f"/inventory/items/{feed32['id']}").status_code == 204
    r = inv.call("DELETE", f"/inventory/items/{feed32['id']}/permanent")
    assert r.status_code == 409 and r.json()["code"] == "item_has_history"


def test_a_reserved_item_takes_an_increase_adjustment(inv: Inv) -> None:
    item = inv.item("DEL-1")
    inv.add(item["id"], "1", "1")
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": item["id"], "quantity": "1"})
    inv.ok(
        "POST",
        "/inventory/stock/adjustments",
        201,
        json={"item_id": item["id"], "type": "increase", "quantity": "1", "reason": "found"},
    )


def test_an_item_on_an_open_po_cannot_be_deactivated(inv: Inv) -> None:
    spare = inv.item("DEL-2")
    inv.ok(
        "POST",
        "/inventory/purchase-orders",
        201,
        json={"supplier_id": inv.supplier(), "lines": [{"item_id": spare["id"], "ordered_qty": "1", "unit_cost": "1"}]},
    )
    r = inv.call("DELETE", f"/inventory/items/{spare['id']}")
    assert r.status_code == 409 and r.json()["code"] == "item_on_open_po"


def test_an_item_without_history_is_deleted_for_good(inv: Inv) -> None:
    clean = inv.item("DEL-3")
    inv.ok("PUT", f"/inventory/items/{clean['id']}/modules/biofloc", json={"is_primary": True})
    assert inv.call("DELETE", f"/inventory/items/{clean['id']}").status_code == 204
    assert inv.call("DELETE", f"/inventory/items/{clean['id']}/permanent").status_code == 204
    assert inv.get(f"/inventory/items/{clean['id']}").status_code == 404


def test_an_inactive_item_cannot_be_used_reserved_or_added_to(inv: Inv, feed32: dict[str, Any]) -> None:
    assert inv.use("300", sku="FEED-32").status_code == 200
    assert inv.call("DELETE", f"/inventory/items/{feed32['id']}").status_code == 204
    r = inv.use("1", item_id=feed32["id"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "item_id"]
    assert inv.post("/inventory/reservations", json={"item_id": feed32["id"], "quantity": "1"}).status_code == 422
    assert inv.post("/inventory/stock/add", json={"item_id": feed32["id"], "quantity": "1"}).status_code == 422


def test_reserved_item_cannot_be_deactivated(inv: Inv, feed32: dict[str, Any]) -> None:
    inv.use("300", sku="FEED-32")
    inv.add(feed32["id"], "1", "1")
    inv.ok("POST", "/inventory/reservations", 201, json={"item_id": feed32["id"], "quantity": "1"})
    inv.ok(
        "POST",
        "/inventory/stock/adjustments",
        201,
        json={"item_id": feed32["id"], "type": "recount", "quantity": "1", "reason": "count"},
    )
    r = inv.call("DELETE", f"/inventory/items/{feed32['id']}")
    assert r.status_code == 409 and r.json()["code"] == "item_has_stock"


def test_bulk_fetch(inv: Inv, feed32: dict[str, Any]) -> None:
    other = inv.item("OTHER-9", is_active=False)
    out = inv.ok(
        "GET",
        "/inventory/items/bulk",
        params={"ids": f"{feed32['id']},{other['id']},999999", "skus": " feed-32 ,NOPE", "include_lots": "true"},
    )
    assert [i["sku"] for i in out["items"]] == ["FEED-32"]
    assert [lot["lot_number"] for lot in out["items"][0]["lots"]] == ["L1", "L2"]
    assert out["not_found"] == {"ids": [other["id"], 999999], "skus": ["NOPE"]}
    assert inv.get("/inventory/items/bulk").status_code == 422
    assert inv.get("/inventory/items/bulk", params={"ids": "a,b"}).status_code == 422
    assert inv.get("/inventory/items/bulk", params={"ids": ",".join(str(n) for n in range(1, 102))}).status_code == 422
    assert inv.ok("GET", "/inventory/items/bulk", params={"skus": "FEED-32"})["items"][0]["lots"] is None


def test_lots_in_fifo_order(inv: Inv, feed32: dict[str, Any]) -> None:
    inv.add(feed32["id"], "5", "1", "2025-01-01", expiry_date="2025-01-10")
    lots = inv.ok("GET", f"/inventory/items/{feed32['id']}/lots")["items"]
    assert [(lot["received_date"], lot["is_expired"]) for lot in lots] == [
        ("2025-01-01", True),
        ("2025-01-05", False),
        ("2025-01-20", False),
    ]
    inv.use("5", item_id=feed32["id"])
    assert inv.ok("GET", f"/inventory/items/{feed32['id']}/lots")["total"] == 2
    assert inv.ok("GET", f"/inventory/items/{feed32['id']}/lots", params={"include_exhausted": "true"})["total"] == 3
    assert inv.get("/inventory/items/999/lots").status_code == 404


def test_module_mappings(inv: Inv, feed32: dict[str, Any]) -> None:
    b = inv.item("AAA-1", name="Aaa")
    c = inv.item("ZZZ-1", name="Zzz")
    inv.ok("PUT", f"/inventory/items/{b['id']}/modules/biofloc", json={})
    m = inv.ok("PUT", f"/inventory/items/{c['id']}/modules/biofloc", json={"is_primary": True, "settings": {"a": 1}})
    assert m["settings"] == {"a": 1} and m["is_primary"] is True
    inv.ok("PUT", f"/inventory/items/{feed32['id']}/modules/biofloc", json={})
    names = [i["name"] for i in inv.ok("GET", "/inventory/modules/biofloc/items")["items"]]
    assert names == ["Zzz", "Aaa", "Feed 32%"]
    assert inv.ok("GET", f"/inventory/items/{c['id']}/modules")["items"][0]["module_key"] == "biofloc"
    assert inv.call("PUT", f"/inventory/items/{c['id']}/modules/admin", json={}).status_code == 422
    assert inv.call("PUT", f"/inventory/items/{c['id']}/modules/biofloc", json={"settings": [1]}).status_code == 422
    assert inv.call("DELETE", f"/inventory/items/{c['id']}/modules/biofloc").status_code == 204
    assert inv.call("DELETE", f"/inventory/items/{c['id']}/modules/biofloc").status_code == 404


def test_read_grant_reads_but_cannot_write(api: ApiClient, make_user: Any, inv: Inv) -> None:
    _, reader = make_user("reader@farm.test", grants={"inventory": "read"})
    assert api.get("/inventory/items", token=reader).status_code == 200
    assert api.get("/inventory/dashboard", token=reader).status_code == 200
    r = api.post("/inventory/categories", token=reader, json={"name": "x"})
    assert r.status_code == 403
    _, nobody = make_user("nobody@farm.test")
    assert api.get("/inventory/items", token=nobody).status_code == 403


def test_sample_events_through_the_handler(inv: Inv, feed32: dict[str, Any], writer: tuple[int, str]) -> None:
    from inventory_api.main import handler

    for name in ("inventory_list_items", "inventory_stock_use", "inventory_export_stock"):
        event = json.loads((EVENTS / f"{name}.json").read_text())
        out = handler(as_caller(event, inv.sql, writer[0]), LambdaContext("InventoryFunction"))
        assert out["statusCode"] == 200, out
    assert inv.view(feed32["id"])["on_hand_qty"] == "150.000"
    assert out["isBase64Encoded"] is True
    assert clock.today().isoformat() == "2025-01-20"


def test_patch_cannot_null_a_required_field(inv: Inv, sql: Any) -> None:
    """Omitting a field leaves it; sending null for a NOT NULL column is 422 on that field, nothing written."""
    cat = inv.ok("POST", "/inventory/categories", 201, json={"name": "Minerals"})
    sup = inv.ok("POST", "/inventory/suppliers", 201, json={"name": "Aqua Supplies"})
    for path, body, field in (
        (f"/inventory/categories/{cat['id']}", {"name": None}, "name"),
        (f"/inventory/suppliers/{sup['id']}", {"is_active": None}, "is_active"),
        (f"/inventory/units/{inv.unit('kg')}", {"abbreviation": None}, "abbreviation"),
    ):
        r = inv.call("PATCH", path, json=body)
        assert r.status_code == 422, r
        assert r.json()["detail"][0]["loc"] == ["body", field]
    assert sql.execute("SELECT name FROM categories WHERE id = %s", (cat["id"],)).fetchone()["name"] == "Minerals"
    assert sql.execute("SELECT count(*) AS n FROM activity_logs WHERE action LIKE '%%.update'").fetchone()["n"] == 0
