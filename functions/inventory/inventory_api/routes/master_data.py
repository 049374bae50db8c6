"""Categories, suppliers and units of measure."""

from typing import Annotated, Any

from fastapi import Query, Response

from farm_erp.caching import REFERENCE_DATA
from farm_erp.http import Conn, Router
from farm_erp.lists import Page, Paging, page_of
from farm_erp.openapi import codes
from inventory_api.queries import master_data as master_data_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import PathId
from inventory_api.schemas.master_data import (
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    SupplierCreate,
    SupplierOut,
    SupplierUpdate,
    UnitCategory,
    UnitCreate,
    UnitOut,
    UnitUpdate,
)
from inventory_api.services import master_data as service

router = Router(tags=["inventory: master data"])
Search = Annotated[str | None, Query(max_length=100)]


@router.get("/inventory/categories", response_model=Page[CategoryOut], dependencies=REFERENCE_DATA)
async def list_categories(conn: Conn, caller: Inventory, paging: Paging, q: Search = None) -> dict[str, Any]:
    """Categories with their item counts."""
    rows, total = master_data_queries.list_categories(conn, q, paging)
    return page_of(rows, total, paging)


@router.post(
    "/inventory/categories", response_model=CategoryOut, status_code=201, responses=codes(409, "duplicate_name")
)
async def create_category(body: CategoryCreate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Create a category (names are unique, case-insensitively)."""
    return service.create_category(conn, caller, body)


@router.patch("/inventory/categories/{category_id}", response_model=CategoryOut, responses=codes(409, "duplicate_name"))
async def update_category(category_id: PathId, body: CategoryUpdate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Rename or describe a category."""
    return service.update_category(conn, caller, category_id, body)


@router.delete(
    "/inventory/categories/{category_id}",
    status_code=204,
    response_class=Response,
    responses=codes(409, "category_in_use"),
)
async def delete_category(category_id: PathId, conn: Conn, caller: Inventory) -> Response:
    """Delete a category that no item uses."""
    service.delete_category(conn, caller, category_id)
    return Response(status_code=204)


@router.get("/inventory/suppliers", response_model=Page[SupplierOut])
async def list_suppliers(
    conn: Conn, caller: Inventory, paging: Paging, q: Search = None, is_active: bool | None = True
) -> dict[str, Any]:
    """Suppliers (active ones unless is_active says otherwise)."""
    rows, total = master_data_queries.list_suppliers(conn, is_active, q, paging)
    return page_of(rows, total, paging)


@router.post(
    "/inventory/suppliers", response_model=SupplierOut, status_code=201, responses=codes(409, "duplicate_name")
)
async def create_supplier(body: SupplierCreate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Create a supplier."""
    return service.create_supplier(conn, caller, body)


@router.get("/inventory/suppliers/{supplier_id}", response_model=SupplierOut)
async def get_supplier(supplier_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """One supplier."""
    return service.get_supplier(conn, supplier_id)


@router.patch("/inventory/suppliers/{supplier_id}", response_model=SupplierOut, responses=codes(409, "duplicate_name"))
async def update_supplier(supplier_id: PathId, body: SupplierUpdate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Edit a supplier."""
    return service.update_supplier(conn, caller, supplier_id, body)


@router.delete("/inventory/suppliers/{supplier_id}", status_code=204, response_class=Response)
async def deactivate_supplier(supplier_id: PathId, conn: Conn, caller: Inventory) -> Response:
    """Deactivate a supplier (suppliers are never deleted)."""
    service.deactivate_supplier(conn, caller, supplier_id)
    return Response(status_code=204)


@router.get("/inventory/units", response_model=Page[UnitOut], dependencies=REFERENCE_DATA)
async def list_units(
    conn: Conn, caller: Inventory, paging: Paging, category: UnitCategory | None = None, is_active: bool | None = None
) -> dict[str, Any]:
    """Units of measure with their item counts."""
    rows, total = master_data_queries.list_units(conn, category, is_active, paging)
    return page_of(rows, total, paging)


@router.post("/inventory/units", response_model=UnitOut, status_code=201, responses=codes(409, "duplicate_name"))
async def create_unit(body: UnitCreate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Create a unit of measure."""
    return service.create_unit(conn, caller, body)


@router.patch(
    "/inventory/units/{unit_id}", response_model=UnitOut, responses=codes(409, "duplicate_name", "unit_in_use")
)
async def update_unit(unit_id: PathId, body: UnitUpdate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Edit a unit; its category and base factor are fixed once items use it."""
    return service.update_unit(conn, caller, unit_id, body)


@router.delete(
    "/inventory/units/{unit_id}", status_code=204, response_class=Response, responses=codes(409, "unit_in_use")
)
async def delete_unit(unit_id: PathId, conn: Conn, caller: Inventory) -> Response:
    """Delete a unit that no item uses."""
    service.delete_unit(conn, caller, unit_id)
    return Response(status_code=204)
