"""The reservation-expiry job (docs/rules.md: Reservations and the expiry job): exactly-once per scheduled time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from farm_erp import clock
from local.lambda_context import LambdaContext
from reservation_expiry.main import handler
from tests.support.client import ApiClient

EVENTS = Path(__file__).resolve().parents[3] / "events"


def run(scheduled: str | None) -> dict[str, Any]:
    event = {} if scheduled is None else {"scheduled_time": scheduled}
    out: dict[str, Any] = handler(event, LambdaContext("ReservationExpiryFunction"))
    return out


@pytest.fixture
def reserved(api: ApiClient, make_user: Any, sql: Any) -> dict[str, Any]:
    """FEED-1 with 300 kg, and a 1 h reservation of 50 made at 10:00."""
    _, token = make_user("job@farm.test", grants={"inventory": "write"})
    clock.freeze(datetime(2025, 1, 20, 10, 0, tzinfo=UTC))
    unit = sql.execute("SELECT id FROM units WHERE abbreviation = 'kg'").fetchone()
    item = api.post("/inventory/items", token=token, json={"sku": "FEED-1", "name": "Feed", "unit_id": unit["id"]})
    item_id = item.json()["id"]
    add = api.post("/inventory/stock/add", token=token, json={"item_id": item_id, "quantity": "300", "unit_cost": "1"})
    assert add.status_code == 201, add
    res = api.post(
        "/inventory/reservations", token=token, json={"item_id": item_id, "quantity": "50", "duration_hours": 1}
    )
    assert res.status_code == 201, res
    return {"token": token, "item_id": item_id, "reservation_id": res.json()["id"]}


def test_scenario_3_expiry_run_and_redelivery(api: ApiClient, reserved: dict[str, Any], sql: Any) -> None:
    clock.freeze(datetime(2025, 1, 20, 11, 15, tzinfo=UTC))
    out = run("2025-01-20T11:15:00Z")
    assert out == {"status": "succeeded", "scheduled_time": "2025-01-20T11:15:00+00:00", "expired": 1}
    res = sql.execute("SELECT * FROM reservations WHERE id = %s", (reserved["reservation_id"],)).fetchone()
    assert res["status"] == "expired" and res["expired_at"] == clock.now()
    logs = sql.execute("SELECT * FROM activity_logs WHERE action = 'inventory.reservation.expire'").fetchall()
    assert len(logs) == 1 and logs[0]["user_id"] is None
    assert logs[0]["metadata"] == {
        "reservation_id": reserved["reservation_id"],
        "item_id": reserved["item_id"],
        "quantity": "50.000",
        "module_key": "inventory",
        "reserved_until": "2025-01-20T11:00:00+00:00",
    }
    run_row = sql.execute("SELECT * FROM job_runs").fetchone()
    assert (run_row["job"], run_row["status"], run_row["result"]) == ("reservation_expiry", "succeeded", {"expired": 1})

    assert run("2025-01-20T11:15:00Z")["status"] == "duplicate"
    assert sql.execute("SELECT count(*) AS n FROM job_runs").fetchone()["n"] == 1
    assert (
        len(sql.execute("SELECT id FROM activity_logs WHERE action = 'inventory.reservation.expire'").fetchall()) == 1
    )

    confirm = api.post(f"/inventory/reservations/{reserved['reservation_id']}/confirm", token=reserved["token"])
    assert confirm.status_code == 409 and confirm.json()["code"] == "invalid_state"


def test_live_reservations_are_left_alone(reserved: dict[str, Any], sql: Any) -> None:
    clock.freeze(datetime(2025, 1, 20, 10, 45, tzinfo=UTC))
    assert run("2025-01-20T10:45:00Z")["expired"] == 0
    assert sql.execute("SELECT status FROM reservations").fetchone()["status"] == "pending"


def test_missing_or_invalid_time_uses_the_current_slot(db_url: str, sql: Any) -> None:
    clock.freeze(datetime(2025, 3, 1, 8, 7, 31, tzinfo=UTC))
    assert run(None)["scheduled_time"] == "2025-03-01T08:00:00+00:00"
    assert run("not a time")["status"] == "duplicate"
    assert run("2025-03-01T08:00:00")["status"] == "duplicate"  # naive: not trusted, current slot again
    assert sql.execute("SELECT count(*) AS n FROM job_runs").fetchone()["n"] == 1


def test_purges_old_idempotency_keys_and_rate_limit_buckets(db_url: str, sql: Any, make_user: Any) -> None:
    user_id, _ = make_user()
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    clock.freeze(now)
    for key, age in (("old", timedelta(hours=25)), ("new", timedelta(hours=1))):
        sql.execute(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (%s, %s, 'h', %s)",
            (user_id, key, now - age),
        )
    for bucket, age in (("old", timedelta(minutes=61)), ("new", timedelta(minutes=5))):
        sql.execute(
            "INSERT INTO rate_limit_buckets (bucket, window_start, count) VALUES (%s, %s, 1)", (bucket, now - age)
        )
    assert run("2025-03-01T12:00:00Z")["status"] == "succeeded"
    assert [r["key"] for r in sql.execute("SELECT key FROM idempotency_keys").fetchall()] == ["new"]
    assert [r["bucket"] for r in sql.execute("SELECT bucket FROM rate_limit_buckets").fetchall()] == ["new"]


def test_failure_is_recorded_and_the_retry_runs_again(reserved: dict[str, Any], sql: Any) -> None:
    clock.freeze(datetime(2025, 1, 20, 11, 15, tzinfo=UTC))
    # A real database failure inside the run's transaction: a trigger that refuses to expire reservations.
    sql.execute("""CREATE FUNCTION refuse_expiry() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN RAISE EXCEPTION 'refused'; END $$""")
    sql.execute("CREATE TRIGGER refuse BEFORE UPDATE ON reservations FOR EACH ROW EXECUTE FUNCTION refuse_expiry()")
    with pytest.raises(psycopg.errors.RaiseException):
        run("2025-01-20T11:15:00Z")
    row = sql.execute("SELECT status, result FROM job_runs").fetchone()
    assert row == {"status": "failed", "result": {"error": "RaiseException"}}
    assert sql.execute("SELECT status FROM reservations").fetchone()["status"] == "pending"  # rolled back
    assert not sql.execute("SELECT id FROM activity_logs WHERE action = 'inventory.reservation.expire'").fetchall()

    sql.execute("DROP TRIGGER refuse ON reservations")
    assert run("2025-01-20T11:15:00Z") == {
        "status": "succeeded",
        "scheduled_time": "2025-01-20T11:15:00+00:00",
        "expired": 1,
    }
    assert sql.execute("SELECT status, result FROM job_runs").fetchone() == {
        "status": "succeeded",
        "result": {"expired": 1},
    }


def test_sample_schedule_event(db_url: str) -> None:
    event = json.loads((EVENTS / "reservation_expiry_schedule.json").read_text())
    clock.freeze(datetime(2025, 1, 1, 10, 15, tzinfo=UTC))
    assert handler(event, LambdaContext("ReservationExpiryFunction"))["status"] == "succeeded"
