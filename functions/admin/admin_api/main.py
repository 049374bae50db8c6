"""Lambda entry point of the admin function."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from admin_api.routes import activity, catalog, permissions, security, users
from farm_erp.http import create_app, lambda_handler

app = create_app(
    "Farm ERP: admin",
    [users.router, catalog.router, permissions.router, activity.router, security.router],
)
handler = lambda_handler(app)
init_done()
