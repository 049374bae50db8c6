"""Lambda entry point of the admin function."""

from __future__ import annotations

from admin_api.routes import activity, catalog, permissions, security, users
from farm_erp.http import create_app, lambda_handler

app = create_app(
    "Farm ERP: admin",
    [users.router, catalog.router, permissions.router, activity.router, security.router],
)
handler = lambda_handler(app)
