"""Lambda entry point of the dashboard function."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from dashboard_api.health import router as health_router
from dashboard_api.routes import router as dashboard_router
from farm_erp.http import create_app, lambda_handler

app = create_app("Farm ERP: dashboard", [dashboard_router, health_router])
handler = lambda_handler(app)
init_done()
