"""Fixed-window rate limits stored in PostgreSQL (docs/rules.md: Rate limits)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from farm_erp import clock
from farm_erp.db import Connection, database
from farm_erp.errors import TooManyRequests
from farm_erp.settings import get_settings


def hit(conn: Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one request in `bucket`'s current window; 429 with Retry-After past the limit.

    The count is committed at once, so that a request that then fails (and rolls back) still counts. So it must be
    the request's first write: called after one, it raises CommitAfterWrite (a 500) rather than commit the request's
    work half done (farm_erp.db.Database.commit_first_write).
    """
    if not get_settings().rate_limits_enabled:
        return
    now = clock.now()
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % window_seconds, UTC)
    row = database.commit_first_write(
        conn,
        """INSERT INTO rate_limit_buckets (bucket, window_start, count)
           SELECT %s, %s, 1 WHERE {unwritten}
           ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limit_buckets.count + 1
           RETURNING count""",
        (bucket, start),
    )
    if int(row["count"]) > limit:
        retry_after = max(1, math.ceil(start.timestamp() + window_seconds - now.timestamp()))
        raise TooManyRequests(
            "Too many requests",
            "rate_limited",
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )
