"""The consumption report's default window, kept aggregated per module and item (migration 0041).

The window is the last WINDOW_DAYS farm days, today included: [midnight starting today − 29, midnight after today)
in FARM_TIMEZONE. The database keeps the aggregate of the `use` ledger rows between two instants and a trigger adds
each new row; which instants is decided here, from the clock and the farm's time zone, so a new farm day or a new
FARM_TIMEZONE is one `move`. The report uses the aggregate only when it stands for exactly the bounds asked for,
and reads the ledger otherwise (another window, or a writer holding the window while it would have to move).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from farm_erp import clock
from farm_erp.db import Connection, database

WINDOW_DAYS = 30


def window(today: date) -> tuple[datetime, datetime]:
    """The default window's time bounds on a farm day: [since, until)."""
    return clock.day_start(today - timedelta(days=WINDOW_DAYS - 1)), clock.day_end(today)


def move(conn: Connection, since: datetime, until: datetime) -> bool:
    """Bring the aggregate to [since, until) in the caller's transaction; False (nothing changed) when a writer
    holds the window right now. Never waits for a lock.

    The report moves the window while it reads (a GET): one statement, complete by itself, which a read may run in
    its autocommit and keep whatever the request's outcome (farm_erp.db.Database.declare_write)."""
    database.declare_write()
    row = conn.execute("SELECT consumption_window_move(%s, %s) AS moved", (since, until)).fetchone()
    return bool(row and row["moved"])


def move_to_today(conn: Connection) -> bool:
    """The scheduled job's share: the first report of a farm day then finds the window already moved."""
    return move(conn, *window(clock.today()))
