"""Lambda entry point of the biofloc function."""

from __future__ import annotations

from biofloc_api.routes import batches, dashboard, events, feedings, gradings, inputs, tanks, water
from farm_erp.http import create_app, lambda_handler

app = create_app(
    "Farm ERP: biofloc",
    [
        tanks.router,
        batches.router,
        gradings.router,
        feedings.router,
        events.router,
        water.router,
        inputs.router,
        dashboard.router,
    ],
)
handler = lambda_handler(app)
