"""Categories, suppliers and units of measure (docs/rules.md: Master data)."""

from __future__ import annotations

from typing import Any

from farm_erp import audit
from farm_erp.db import Connection
from farm_erp.errors import Conflict, reject_nulls
from farm_erp.http import Caller
from inventory_api.queries import master_data as master_data_queries
from inventory_api.schemas.master_data import (
    CategoryCreate,
    CategoryUpdate,
    SupplierCreate,
    SupplierUpdate,
    UnitCreate,
    UnitUpdate,
)
from inventory_api.services.common import MODULE, found, on_duplicate

_DUP_CATEGORY = ("A category with this name already exists", "duplicate_name")
_DUP_SUPPLIER = ("A supplier with this name already exists", "duplicate_name")
_DUP_UNIT = ("A unit with this name or abbreviation already exists", "duplicate_name")


def create_category(conn: Connection, caller: Caller, body: CategoryCreate) -> dict[str, Any]:
    with on_duplicate(*_DUP_CATEGORY):
        category_id = master_data_queries.insert_category(conn, body.name, body.description, caller.user_id)
    audit.module_change(conn, caller.actor, MODULE, "category.create", "category", category_id, {"name": body.name})
    return found(master_data_queries.get_category(conn, category_id), "Category")


def update_category(conn: Connection, caller: Caller, category_id: int, body: CategoryUpdate) -> dict[str, Any]:
    before = found(master_data_queries.lock_row(conn, "categories", category_id), "Category")
    changes = body.changes()
    reject_nulls(changes, ("name",))
    with on_duplicate(*_DUP_CATEGORY):
        master_data_queries.update_category(conn, category_id, changes)
    after = found(master_data_queries.get_category(conn, category_id), "Category")
    audit.module_change(
        conn, caller.actor, MODULE, "category.update", "category", category_id, audit.changes(before, after, changes)
    )
    return after


def delete_category(conn: Connection, caller: Caller, category_id: int) -> None:
    found(master_data_queries.lock_row(conn, "categories", category_id), "Category")
    row = found(master_data_queries.get_category(conn, category_id), "Category")
    if row["item_count"]:
        raise Conflict("Items still use this category", "category_in_use")
    master_data_queries.delete_category(conn, category_id)
    audit.module_change(conn, caller.actor, MODULE, "category.delete", "category", category_id, {"name": row["name"]})


def get_supplier(conn: Connection, supplier_id: int) -> dict[str, Any]:
    return found(master_data_queries.get_supplier(conn, supplier_id), "Supplier")


def create_supplier(conn: Connection, caller: Caller, body: SupplierCreate) -> dict[str, Any]:
    with on_duplicate(*_DUP_SUPPLIER):
        supplier_id = master_data_queries.insert_supplier(conn, body.model_dump(), caller.user_id)
    audit.module_change(conn, caller.actor, MODULE, "supplier.create", "supplier", supplier_id, {"name": body.name})
    return get_supplier(conn, supplier_id)


def update_supplier(conn: Connection, caller: Caller, supplier_id: int, body: SupplierUpdate) -> dict[str, Any]:
    before = found(master_data_queries.lock_row(conn, "suppliers", supplier_id), "Supplier")
    changes = body.changes()
    reject_nulls(changes, ("name", "is_active"))
    with on_duplicate(*_DUP_SUPPLIER):
        master_data_queries.update_supplier(conn, supplier_id, changes)
    after = get_supplier(conn, supplier_id)
    audit.module_change(
        conn, caller.actor, MODULE, "supplier.update", "supplier", supplier_id, audit.changes(before, after, changes)
    )
    return after


def deactivate_supplier(conn: Connection, caller: Caller, supplier_id: int) -> None:
    before = found(master_data_queries.lock_row(conn, "suppliers", supplier_id), "Supplier")
    master_data_queries.update_supplier(conn, supplier_id, {"is_active": False})
    audit.module_change(
        conn, caller.actor, MODULE, "supplier.deactivate", "supplier", supplier_id, {"name": before["name"]}
    )


def create_unit(conn: Connection, caller: Caller, body: UnitCreate) -> dict[str, Any]:
    with on_duplicate(*_DUP_UNIT):
        unit_id = master_data_queries.insert_unit(conn, body.model_dump(), caller.user_id)
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "unit.create",
        "unit",
        unit_id,
        {"name": body.name, "abbreviation": body.abbreviation},
    )
    return found(master_data_queries.get_unit(conn, unit_id), "Unit")


def update_unit(conn: Connection, caller: Caller, unit_id: int, body: UnitUpdate) -> dict[str, Any]:
    found(master_data_queries.lock_row(conn, "units", unit_id), "Unit")
    before = found(master_data_queries.get_unit(conn, unit_id), "Unit")
    changes = body.changes()
    reject_nulls(changes, ("name", "abbreviation", "category", "is_active"))
    converts = any(k in changes and changes[k] != before[k] for k in ("category", "base_factor"))
    if converts and before["item_count"]:
        raise Conflict("Items use this unit: its category and base factor cannot change", "unit_in_use")
    with on_duplicate(*_DUP_UNIT):
        master_data_queries.update_unit(conn, unit_id, changes)
    after = found(master_data_queries.get_unit(conn, unit_id), "Unit")
    audit.module_change(
        conn, caller.actor, MODULE, "unit.update", "unit", unit_id, audit.changes(before, after, changes)
    )
    return after


def delete_unit(conn: Connection, caller: Caller, unit_id: int) -> None:
    found(master_data_queries.lock_row(conn, "units", unit_id), "Unit")
    row = found(master_data_queries.get_unit(conn, unit_id), "Unit")
    if row["item_count"]:
        raise Conflict("Items still use this unit", "unit_in_use")
    master_data_queries.delete_unit(conn, unit_id)
    audit.module_change(conn, caller.actor, MODULE, "unit.delete", "unit", unit_id, {"name": row["name"]})
