"""The inventory API's routers, in the order they are mounted (static paths before `{id}` paths)."""

from fastapi import APIRouter

from inventory_api.routes import (
    alerts,
    exports,
    items,
    master_data,
    purchase_orders,
    reservations,
    stock,
)

ROUTERS: list[APIRouter] = [
    master_data.router,
    items.router,
    stock.router,
    reservations.router,
    purchase_orders.router,
    alerts.router,
    exports.router,
]
