"""Lambda entry point of the inventory function."""

from __future__ import annotations

from farm_erp.http import create_app, lambda_handler
from inventory_api.routes import ROUTERS

app = create_app("Farm ERP: inventory", ROUTERS)
handler = lambda_handler(app)
