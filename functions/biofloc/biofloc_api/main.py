"""Lambda entry point of the biofloc function."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
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
init_done()
