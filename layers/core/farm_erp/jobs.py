"""Scheduled jobs (docs/rules.md: Reservations and the expiry job): expiry and housekeeping, every 15 minutes.

Exactly-once in effect: each delivery first claims `job_runs(job, scheduled_time)` in its own committed
transaction; a redelivery of a run that is running or has succeeded finds the row and does nothing. A run that
failed (or died without finishing) may be claimed again, which is how the scheduler's retry gets its second go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from farm_erp import audit, clock, consumption_window, stock
from farm_erp.db import Connection, database, transaction
from farm_erp.idempotency import RETENTION as IDEMPOTENCY_RETENTION
from farm_erp.observability import logger

RESERVATION_EXPIRY = "reservation_expiry"
PERIOD = timedelta(minutes=15)
RATE_LIMIT_RETENTION = timedelta(hours=1)
# A run still 'running' after this long died mid-way (the function times out after 120 s): it may be retried.
STALE_RUN = timedelta(minutes=10)


@dataclass(frozen=True)
class RunResult:
    status: str  # succeeded | duplicate
    scheduled_time: datetime
    expired: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "scheduled_time": self.scheduled_time.isoformat()}
        if self.status == "succeeded":
            out["expired"] = self.expired
        return out


def floor_to_period(at: datetime) -> datetime:
    """The 15-minute slot `at` falls in (the schedule's own tick when no time was delivered)."""
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def scheduled_time_of(event: Any) -> datetime:
    """`{"scheduled_time": "<ISO 8601>"}`; a missing or unreadable value falls back to now, floored to 15 min."""
    raw = event.get("scheduled_time") if isinstance(event, dict) else None
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return parsed.astimezone(UTC)
        except ValueError:
            pass
    fallback = floor_to_period(clock.now())
    logger.warning(
        "scheduled_time missing or invalid; using the current slot",
        extra={"received": str(raw)[:100], "scheduled_time": fallback.isoformat()},
    )
    return fallback


def claim_run(conn: Connection, job: str, scheduled_time: datetime) -> int | None:
    """The run's id if this delivery may do the work: a new run, a failed one, or one left running too long."""
    now = clock.now()
    row = conn.execute(
        """INSERT INTO job_runs (job, scheduled_time, status, started_at, created_at)
           VALUES (%(job)s, %(at)s, 'running', %(now)s, %(now)s)
           ON CONFLICT (job, scheduled_time) DO UPDATE
               SET status = 'running', started_at = EXCLUDED.started_at, finished_at = NULL, result = NULL
             WHERE job_runs.status = 'failed'
                OR (job_runs.status = 'running' AND job_runs.started_at < %(stale)s)
           RETURNING id""",
        {"job": job, "at": scheduled_time, "now": now, "stale": now - STALE_RUN},
    ).fetchone()
    return int(row["id"]) if row is not None else None


def finish_run(conn: Connection, job: str, scheduled_time: datetime, status: str, result: dict[str, Any]) -> None:
    """Record how the run ended (succeeded or failed, and what it did)."""
    conn.execute(
        """UPDATE job_runs SET status = %s, result = %s, finished_at = %s WHERE job = %s AND scheduled_time = %s""",
        (status, Jsonb(result), clock.now(), job, scheduled_time),
    )


def expire_reservations(conn: Connection, now: datetime) -> int:
    """Expire every due reservation, one system activity row each; returns how many."""
    expired = stock.expire_due_reservations(conn, now)
    for r in expired:
        audit.record(
            conn,
            audit.SYSTEM,
            "inventory.reservation.expire",
            module_key="inventory",
            entity_type="reservation",
            entity_id=r["id"],
            description=f"Reservation {r['id']} expired",
            metadata={
                "reservation_id": int(r["id"]),
                "item_id": int(r["item_id"]),
                "quantity": stock.qty_str(r["quantity"]),
                "module_key": r["module_key"],
                "reserved_until": r["reserved_until"].isoformat(),
            },
        )
    return len(expired)


def purge_housekeeping(conn: Connection, now: datetime) -> tuple[int, int]:
    """Idempotency keys older than 24 h and rate-limit windows older than 1 h."""
    keys = conn.execute("DELETE FROM idempotency_keys WHERE created_at < %s", (now - IDEMPOTENCY_RETENTION,))
    buckets = conn.execute("DELETE FROM rate_limit_buckets WHERE window_start < %s", (now - RATE_LIMIT_RETENTION,))
    return keys.rowcount, buckets.rowcount


def run_reservation_expiry(scheduled_time: datetime) -> RunResult:
    """One delivery of the job. Raises (after recording the failure) so that the scheduler retries."""
    with transaction() as conn:
        claimed = claim_run(conn, RESERVATION_EXPIRY, scheduled_time)
    if claimed is None:
        logger.info("duplicate delivery; nothing to do", extra={"scheduled_time": scheduled_time.isoformat()})
        return RunResult("duplicate", scheduled_time)
    try:
        with transaction() as conn:
            now = clock.now()
            expired = expire_reservations(conn, now)
            keys, buckets = purge_housekeeping(conn, now)
            finish_run(conn, RESERVATION_EXPIRY, scheduled_time, "succeeded", {"expired": expired})
    except Exception as exc:
        logger.exception("reservation expiry failed", extra={"scheduled_time": scheduled_time.isoformat()})
        try:
            with transaction() as conn:
                finish_run(conn, RESERVATION_EXPIRY, scheduled_time, "failed", {"error": type(exc).__name__})
        except Exception:  # noqa: BLE001 - the original error is the one to re-raise; the run stays 'running'
            database.close()
            logger.exception("could not mark the run failed")
        raise
    try:
        # Its own transaction: moving the window must hold no other lock (migration 0041). It never waits, and a
        # window it could not move is moved by the next report or the next run: never a reason to fail the job.
        with transaction() as conn:
            moved = consumption_window.move_to_today(conn)
    except Exception:  # noqa: BLE001 - see above
        moved = False
        logger.exception("could not move the consumption window")
    logger.info(
        "reservation expiry done",
        extra={
            "expired": expired,
            "idempotency_keys_purged": keys,
            "rate_limit_buckets_purged": buckets,
            "consumption_window_moved": moved,
        },
    )
    return RunResult("succeeded", scheduled_time, expired)
