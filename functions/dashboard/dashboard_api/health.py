"""Public routes: service info, health (database and scheduled job) and liveness."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Literal

import psycopg
from fastapi.responses import JSONResponse

from farm_erp import __version__, clock
from farm_erp.db import Connection, database
from farm_erp.fields import DeferredModel
from farm_erp.http import Router
from farm_erp.settings import get_settings

router = Router(tags=["health"])
STALE_AFTER = timedelta(minutes=35)
CHECK_SECONDS = 2
JOBS = ("reservation_expiry",)


class ServiceInfo(DeferredModel):
    name: str
    version: str
    health: str


class JobHealth(DeferredModel):
    last_scheduled_time: str | None
    last_status: str | None
    stale: bool


class Health(DeferredModel):
    status: Literal["ok", "degraded", "down"]
    database: Literal["ok", "down"]
    version: str | None = None
    environment: str | None = None
    jobs: dict[str, JobHealth] | None = None


class Pong(DeferredModel):
    message: str


@contextmanager
def _cancel_after(conn: Connection, seconds: float) -> Iterator[None]:
    """Bound the check from the client side: past `seconds` a timer cancels the query in flight (PostgreSQL's
    cancel request). No session setting is involved, so nothing pins the connection in RDS Proxy or a pooler; the
    role's statement_timeout remains the server-side bound."""
    timer = threading.Timer(seconds, conn.cancel_safe)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@router.get("/", response_model=ServiceInfo)
async def service_info() -> dict[str, str]:
    """Service name and version."""
    return {"name": "Farm ERP API", "version": __version__, "health": "/health"}


@router.get("/ping", response_model=Pong)
async def ping() -> dict[str, str]:
    """Liveness: answers without touching the database."""
    return {"message": "pong"}


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health() -> Any:
    """Database reachability (2 s to connect, 2 s to answer) and the freshness of the scheduled job."""
    try:
        conn = database.connection(connect_timeout=CHECK_SECONDS)
        with _cancel_after(conn, CHECK_SECONDS):
            rows = conn.execute(
                """SELECT DISTINCT ON (job) job, scheduled_time, status,
                          (SELECT max(scheduled_time) FROM job_runs s WHERE s.job = j.job AND s.status = 'succeeded')
                              AS last_success
                     FROM job_runs j WHERE job = ANY(%s) ORDER BY job, scheduled_time DESC""",
                (list(JOBS),),
            ).fetchall()
    except psycopg.Error:
        database.close()
        return JSONResponse(status_code=503, content={"status": "down", "database": "down"})
    now = clock.now()
    by_job = {r["job"]: r for r in rows}
    jobs: dict[str, dict[str, Any]] = {}
    for job in JOBS:
        r = by_job.get(job)
        last_success = r["last_success"] if r else None
        jobs[job] = {
            "last_scheduled_time": r["scheduled_time"].isoformat() if r else None,
            "last_status": r["status"] if r else None,
            "stale": last_success is None or now - last_success > STALE_AFTER,
        }
    s = get_settings()
    return {
        "status": "degraded" if any(j["stale"] for j in jobs.values()) else "ok",
        "database": "ok",
        "version": __version__,
        "environment": s.environment,
        "jobs": jobs,
    }
