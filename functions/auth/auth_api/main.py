"""Lambda entry point of the auth function."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from auth_api.routes import router
from farm_erp.http import create_app, lambda_handler

app = create_app("Farm ERP: auth", [router])
handler = lambda_handler(app)
init_done()
