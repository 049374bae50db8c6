"""The local stand-in for EventBridge Scheduler: a rate job runs at once for the boundary just passed, then at every
boundary, and a redelivery of a time already run does nothing; the digest runs at its cron time only."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from farm_erp import settings
from local.invokers import InProcessInvoker
from local.server import Scheduler
from local.template_routes import ApiConfig
from tests.support.client import ApiClient


def test_scheduler_runs_the_expiry_job_at_each_boundary(sql: Any, config: ApiConfig) -> None:
    scheduler = Scheduler(config, InProcessInvoker(), period=1)
    scheduler.start()
    time.sleep(2.3)
    scheduler.stopped.set()
    scheduler.join(timeout=5)
    runs = sql.execute("SELECT job, scheduled_time, status FROM job_runs ORDER BY scheduled_time").fetchall()
    assert len(runs) >= 2
    assert {r["job"] for r in runs} == {"reservation_expiry"}
    assert all(r["status"] == "succeeded" for r in runs)
    times = [r["scheduled_time"].timestamp() for r in runs]
    assert all(t == int(t) for t in times)  # whole boundaries of the period
    assert len(set(times)) == len(times)


def test_first_boundary_makes_health_ok(sql: Any, config: ApiConfig, api: ApiClient) -> None:
    scheduler = Scheduler(config, InProcessInvoker(), period=900)
    now = time.time()
    scheduler._deliver(now - now % 900)
    scheduler._deliver(now - now % 900)  # the same time again: a duplicate delivery
    assert sql.execute("SELECT count(*) AS n FROM job_runs").fetchone()["n"] == 1
    health = api.get("/health").json()
    assert health["status"] == "ok"
    assert health["jobs"]["reservation_expiry"]["stale"] is False


def test_the_digest_runs_at_its_cron_time_not_at_start(
    sql: Any, config: ApiConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(tmp_path))
    settings.reset_caches()
    scheduler = Scheduler(config, InProcessInvoker(), period=900)
    six = datetime(2025, 3, 1, 6, 0, tzinfo=UTC).timestamp()
    assert scheduler.next_run("DigestFunction", six - 1) == six
    assert scheduler.next_run("DigestFunction", six) == six + 86400
    assert scheduler.next_run("ReservationExpiryFunction", six + 60) == six + 900
    # The start-up catch-up delivers the rate schedules only.
    scheduler._deliver(six)
    assert [r["job"] for r in sql.execute("SELECT job FROM job_runs").fetchall()] == ["reservation_expiry"]
    scheduler._deliver_one("DigestFunction", six)
    run = sql.execute("SELECT scheduled_time, status FROM job_runs WHERE job = 'daily_digest'").fetchone()
    assert run == {"scheduled_time": datetime(2025, 3, 1, 6, 0, tzinfo=UTC), "status": "succeeded"}
