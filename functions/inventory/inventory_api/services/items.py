"""Items: create, edit, deactivate, delete, bulk fetch and module mappings (docs/rules.md: Master data)."""

from __future__ import annotations

from typing import Any

from farm_erp import audit, stock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, invalid, reject_nulls
from farm_erp.http import Caller
from farm_erp.lists import PageParams
from inventory_api.queries import items as item_queries
from inventory_api.schemas.items import ItemCreate, ItemUpdate
from inventory_api.services.common import MODULE, found, on_duplicate

_DUP_SKU = ("An item with this SKU already exists", "duplicate_sku")
_NOT_NULL = ("sku", "name", "unit_id", "default_price", "reorder_threshold", "min_stock_level", "is_active")
MAX_BULK_KEYS = 100
# The item's reference columns and the item view's field that nests each.
_REFERENCES = {"category_id": "category", "unit_id": "unit", "default_supplier_id": "default_supplier"}


def get_item(conn: Connection, item_id: int) -> dict[str, Any]:
    return found(item_queries.get_item(conn, item_id), "Item")


def _check_references(
    conn: Connection, category_id: int | None, unit_id: int | None, default_supplier_id: int | None
) -> None:
    """The referenced category, unit and supplier must exist, and the unit and supplier be active (422); None is
    a reference the request does not set."""
    states = item_queries.reference_states(conn, category_id, unit_id, default_supplier_id)
    if category_id is not None and states["category"] is None:
        raise invalid("category_id", "Unknown category")
    if unit_id is not None and not states["unit"]:
        raise invalid("unit_id", "Unknown or inactive unit")
    if default_supplier_id is not None and not states["supplier"]:
        raise invalid("default_supplier_id", "Unknown or inactive supplier")


def create_item(conn: Connection, caller: Caller, body: ItemCreate) -> dict[str, Any]:
    _check_references(conn, body.category_id, body.unit_id, body.default_supplier_id)
    with on_duplicate(*_DUP_SKU):
        item_id = item_queries.insert_item(conn, body.model_dump(), caller.user_id)
    audit.module_change(
        conn, caller.actor, MODULE, "item.create", "item", item_id, {"sku": body.sku, "name": body.name}
    )
    return get_item(conn, item_id)


def update_item(conn: Connection, caller: Caller, item_id: int, body: ItemUpdate) -> dict[str, Any]:
    if not stock.lock_items(conn, [item_id]):
        raise NotFound("Item not found")
    before = get_item(conn, item_id)
    changes = body.changes()
    reject_nulls(changes, _NOT_NULL)
    # only a reference the request changes is checked: an item keeps a supplier that was deactivated since
    moved = {key: value for key, value in changes.items() if key in _REFERENCES and value != _ref_id(before, key)}
    _check_references(conn, moved.get("category_id"), moved.get("unit_id"), moved.get("default_supplier_id"))
    usage = item_queries.item_usage(conn, item_id)
    if "unit_id" in moved and usage["has_lots"]:
        raise Conflict("The item has lots: its unit cannot change", "item_has_lots")
    if body.is_active is False and before["is_active"]:
        _check_deactivation(before, usage)
    with on_duplicate(*_DUP_SKU):
        item_queries.update_item(conn, item_id, changes)
    after = get_item(conn, item_id)
    audit.module_change(
        conn, caller.actor, MODULE, "item.update", "item", item_id, audit.changes(_flat(before), _flat(after), changes)
    )
    return after


def _ref_id(view: dict[str, Any], key: str) -> Any:
    """The id behind a reference column of the item view (which nests it as `{id, name}`)."""
    return (view[_REFERENCES[key]] or {}).get("id")


def _flat(view: dict[str, Any]) -> dict[str, Any]:
    """The item view with its references as the columns a PATCH names (for the audit metadata)."""
    flat = {key: value for key, value in view.items() if not isinstance(value, dict)}
    for key in _REFERENCES:
        flat[key] = _ref_id(view, key)
    return flat


def _check_deactivation(item: dict[str, Any], usage: dict[str, Any]) -> None:
    if item["on_hand_qty"] > 0:
        raise Conflict("The item still has stock on hand", "item_has_stock")
    if usage["has_live_reservations"]:
        raise Conflict("The item has live reservations", "item_reserved")
    if usage["on_open_po"]:
        raise Conflict("The item is on an open purchase order", "item_on_open_po")


def deactivate_item(conn: Connection, caller: Caller, item_id: int) -> None:
    if not stock.lock_items(conn, [item_id]):
        raise NotFound("Item not found")
    item = get_item(conn, item_id)
    if item["is_active"]:
        _check_deactivation(item, item_queries.item_usage(conn, item_id))
        item_queries.update_item(conn, item_id, {"is_active": False})
    audit.module_change(conn, caller.actor, MODULE, "item.deactivate", "item", item_id, {"sku": item["sku"]})


def delete_item(conn: Connection, caller: Caller, item_id: int) -> None:
    if not stock.lock_items(conn, [item_id]):
        raise NotFound("Item not found")
    item = get_item(conn, item_id)
    if item["is_active"]:
        raise Conflict("Deactivate the item before deleting it", "item_active")
    usage = item_queries.item_usage(conn, item_id)
    if usage["has_lots"] or usage["has_ledger"] or usage["has_po_lines"]:
        raise Conflict("The item has lots, ledger rows or purchase-order lines", "item_has_history")
    item_queries.delete_item(conn, item_id)
    audit.module_change(
        conn, caller.actor, MODULE, "item.delete", "item", item_id, {"sku": item["sku"], "name": item["name"]}
    )


def _split_keys(raw: str | None, field: str) -> list[str]:
    if raw is None:
        return []
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if len(keys) > MAX_BULK_KEYS:
        raise invalid(field, f"At most {MAX_BULK_KEYS} values", where="query")
    return keys


def bulk(conn: Connection, ids_raw: str | None, skus_raw: str | None, include_lots: bool) -> dict[str, Any]:
    """Active items by ids and/or SKUs, with what was not found (unknown or inactive)."""
    id_keys = _split_keys(ids_raw, "ids")
    skus = list(dict.fromkeys(stock.normalise_sku(sku) for sku in _split_keys(skus_raw, "skus")))
    if not id_keys and not skus:
        raise invalid("ids", "Give ids or skus", where="query")
    try:
        ids = list(dict.fromkeys(int(k) for k in id_keys))
    except ValueError:
        raise invalid("ids", "ids must be integers", where="query") from None
    if any(not 1 <= item_id < 2**63 for item_id in ids):
        raise invalid("ids", "ids must be positive 64-bit integers", where="query")
    items = item_queries.bulk_items(conn, ids, skus)
    if include_lots and items:
        lots: dict[int, list[dict[str, Any]]] = {int(item["id"]): [] for item in items}
        for lot in item_queries.lots_of(conn, list(lots)):
            lots[int(lot["item_id"])].append(lot)
        for item in items:
            item["lots"] = lots[int(item["id"])]
    found_ids = {int(item["id"]) for item in items}
    found_skus = {str(item["sku"]) for item in items}
    return {
        "items": items,
        "total": len(items),
        "page": 1,
        "limit": 2 * MAX_BULK_KEYS,
        "not_found": {
            "ids": [item_id for item_id in ids if item_id not in found_ids],
            "skus": [sku for sku in skus if sku not in found_skus],
        },
    }


def list_mappings(conn: Connection, item_id: int, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    get_item(conn, item_id)
    return item_queries.list_mappings(conn, item_id, paging)


def set_mapping(
    conn: Connection, caller: Caller, item_id: int, module_key: str, is_primary: bool, settings: dict[str, Any]
) -> dict[str, Any]:
    get_item(conn, item_id)
    before = item_queries.get_mapping(conn, item_id, module_key)
    row = item_queries.upsert_mapping(conn, item_id, module_key, is_primary, settings, caller.user_id)
    metadata = {"module_key": module_key, "is_primary": is_primary, "settings": settings}
    if before is not None:
        metadata = {"module_key": module_key, **audit.changes(before, row, ("is_primary", "settings"))}
    audit.module_change(conn, caller.actor, MODULE, "mapping.set", "item", item_id, metadata)
    return row


def delete_mapping(conn: Connection, caller: Caller, item_id: int, module_key: str) -> None:
    get_item(conn, item_id)
    if not item_queries.delete_mapping(conn, item_id, module_key):
        raise NotFound("Mapping not found")
    audit.module_change(conn, caller.actor, MODULE, "mapping.delete", "item", item_id, {"module_key": module_key})
