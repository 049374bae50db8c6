"""Lambda entry point of the dashboard function."""

from __future__ import annotations

from dashboard_api.health import router as health_router
from farm_erp.api import create_app, lambda_handler

app = create_app("Farm ERP: dashboard", [health_router])
handler = lambda_handler(app)
