"""The biofloc dashboard."""

from typing import Any

from biofloc_api.routes.deps import Biofloc
from biofloc_api.schemas.dashboard import DashboardOut
from farm_erp import biofloc_figures, clock
from farm_erp.http import Conn, Router

router = Router(tags=["biofloc: dashboard"])


@router.get("/biofloc/dashboard", response_model=DashboardOut)
async def dashboard(conn: Conn, _: Biofloc) -> dict[str, Any]:
    """Tanks, batches, water, recent mortality and batches due for harvest."""
    return biofloc_figures.dashboard_figures(conn, clock.today())
