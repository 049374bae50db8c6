"""Items: the item master with stock figures, bulk fetch, lots."""

from typing import Annotated, Any

from fastapi import Query, Response

from farm_erp.http import Conn, Router
from farm_erp.lists import NotPaged, Page, Paging, page_of
from farm_erp.openapi import codes
from inventory_api.queries import items as item_queries
from inventory_api.routes.deps import Inventory
from inventory_api.schemas.common import MAX_ID, PathId
from inventory_api.schemas.items import BulkOut, ItemCreate, ItemOut, ItemUpdate, LotOut
from inventory_api.services import items as service

router = Router(tags=["inventory: items"])
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/inventory/items", response_model=Page[ItemOut])
async def list_items(
    conn: Conn,
    caller: Inventory,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100)] = None,
    category_id: QueryId = None,
    supplier_id: QueryId = None,
    is_active: bool | None = None,
    low_stock: bool | None = None,
) -> dict[str, Any]:
    """The item master with stock figures (one query per page)."""
    filters = item_queries.ItemFilters(q, category_id, supplier_id, is_active, low_stock)
    rows, total = item_queries.list_items(conn, filters, paging)
    return page_of(rows, total, paging)


@router.get("/inventory/items/bulk", response_model=BulkOut, dependencies=[NotPaged])
async def bulk_items(
    conn: Conn,
    caller: Inventory,
    ids: Annotated[str | None, Query(max_length=2100)] = None,
    skus: Annotated[str | None, Query(max_length=10100)] = None,
    include_lots: bool = False,
) -> dict[str, Any]:
    """Active items by `ids=1,2` and/or `skus=A,B` (up to 100 each), with what was not found. Not a paged list:
    `page`/`limit` are 422."""
    return service.bulk(conn, ids, skus, include_lots)


@router.post("/inventory/items", response_model=ItemOut, status_code=201, responses=codes(409, "duplicate_sku"))
async def create_item(body: ItemCreate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Create an item (SKU trimmed and upper-cased, unique)."""
    return service.create_item(conn, caller, body)


@router.get("/inventory/items/{item_id}", response_model=ItemOut)
async def get_item(item_id: PathId, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """One item view."""
    return service.get_item(conn, item_id)


@router.patch(
    "/inventory/items/{item_id}", response_model=ItemOut, responses=codes(409, "duplicate_sku", "item_has_lots")
)
async def update_item(item_id: PathId, body: ItemUpdate, conn: Conn, caller: Inventory) -> dict[str, Any]:
    """Edit an item; its unit is fixed once it has lots."""
    return service.update_item(conn, caller, item_id, body)


@router.delete(
    "/inventory/items/{item_id}",
    status_code=204,
    response_class=Response,
    responses=codes(409, "item_has_stock", "item_reserved", "item_on_open_po"),
)
async def deactivate_item(item_id: PathId, conn: Conn, caller: Inventory) -> Response:
    """Deactivate an item without stock, live reservations or open purchase orders."""
    service.deactivate_item(conn, caller, item_id)
    return Response(status_code=204)


@router.delete(
    "/inventory/items/{item_id}/permanent",
    status_code=204,
    response_class=Response,
    responses=codes(409, "item_active", "item_has_history"),
)
async def delete_item(item_id: PathId, conn: Conn, caller: Inventory) -> Response:
    """Physically delete an inactive item that never had stock or purchase-order lines."""
    service.delete_item(conn, caller, item_id)
    return Response(status_code=204)


@router.get("/inventory/items/{item_id}/lots", response_model=Page[LotOut])
async def list_lots(
    item_id: PathId, conn: Conn, caller: Inventory, paging: Paging, include_exhausted: bool = False
) -> Any:
    """An item's lots in FIFO order (received date, id)."""
    service.get_item(conn, item_id)
    rows, total = item_queries.list_lots(conn, item_id, include_exhausted, paging)
    return page_of(rows, total, paging)
