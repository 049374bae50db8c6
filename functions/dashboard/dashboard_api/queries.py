"""What the dashboard reads besides the figures: the modules and their flags (the caller comes from signed_in)."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection


def modules(conn: Connection) -> list[dict[str, Any]]:
    """Every module in sidebar order (display_order, then key)."""
    return conn.execute(
        "SELECT key, name, description, icon, display_order, is_active FROM modules ORDER BY display_order, key"
    ).fetchall()
