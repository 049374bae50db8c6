"""What confirming the caller costs on the warm path.

Every signed-in request runs farm_erp.callers.live_caller as its first statement (session live, user active, role,
grants, active modules). A warm route cannot be timed with and without it in one run, so the check is timed on its
own: the query on a warm connection inside an open transaction, as a request runs it, p50 and p95 of many runs.
The transaction's BEGIN is not counted: a request pays it for its first statement with or without the check.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

RUNS = 1000
WARMUP = 50


def measure(token: str, runs: int = RUNS) -> dict[str, Any]:
    """Time live_caller for the token's user and session on the bench database (DATABASE_URL)."""
    from farm_erp import clock
    from farm_erp.callers import live_caller
    from farm_erp.db import connect
    from farm_erp.tokens import verify_access_token

    claims = verify_access_token(token)
    samples: list[float] = []
    with connect() as conn:
        for i in range(WARMUP + runs):
            started = time.perf_counter()
            row = live_caller(conn, claims.user_id, claims.session_id, clock.now())
            elapsed = (time.perf_counter() - started) * 1000
            if row is None:
                raise RuntimeError("the bench caller's session is not live")
            if i >= WARMUP:
                samples.append(elapsed)
            if i % 100 == 99:
                conn.rollback()  # a request's transaction holds one check, not hundreds: keep snapshots short
        conn.rollback()
    ordered = sorted(samples)
    return {
        "runs": runs,
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def render(result: dict[str, Any]) -> str:
    return (
        f"caller check (the first statement of every signed-in request), {result['runs']} runs: "
        f"p50 {result['p50_ms']:.3f} ms, p95 {result['p95_ms']:.3f} ms, max {result['max_ms']:.3f} ms"
    )
