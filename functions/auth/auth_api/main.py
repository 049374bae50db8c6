"""Lambda entry point of the auth function."""

from __future__ import annotations

from auth_api.routes import router
from farm_erp.http import create_app, lambda_handler

app = create_app("Farm ERP: auth", [router])
handler = lambda_handler(app)
