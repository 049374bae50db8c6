"""Lambda entry point of the inventory function."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from farm_erp.http import create_app, lambda_handler
from inventory_api.routes import ROUTERS

app = create_app("Farm ERP: inventory", ROUTERS)
handler = lambda_handler(app)
init_done()
