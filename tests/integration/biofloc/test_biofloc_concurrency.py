"""Races between Lambda containers (worker processes with their own connections) on one batch, one lot, one tank."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from farm_erp import clock
from local.gateway import Gateway
from local.invokers import ProcessPoolInvoker
from local.template_routes import ApiConfig
from tests.conftest import app_db_url
from tests.integration.biofloc.conftest import Farm
from tests.support.client import ApiClient, Response
from tests.support.factories import token_for
from tests.support.pooler import Pooler

pytestmark = pytest.mark.gateway


@pytest.fixture(scope="module")
def pool(pg_server: Any, pooler: Pooler | None, config: ApiConfig) -> Iterator[ApiClient]:
    """Two warm containers per function, bound to the per-test database (the same name for every test)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = app_db_url(pg_server, pooler)
    invoker = ProcessPoolInvoker(max_containers=2, env=env)
    yield ApiClient(Gateway(config, invoker, authorizer_ttl=0))
    invoker.close()


@pytest.fixture
def live(farm: Farm, pool: ApiClient) -> tuple[Farm, ApiClient]:
    """The farm on the real clock (the containers cannot see a frozen one), and the pool warmed up."""
    clock.freeze(None)
    farm.token = token_for(farm.sql, farm.user_id)
    _race(lambda: pool.get("/biofloc/tanks", token=farm.token), lambda: pool.get("/biofloc/tanks", token=farm.token))
    return farm, pool


def _race(*calls: Callable[[], Response]) -> list[Response]:
    with ThreadPoolExecutor(len(calls)) as ex:
        return [f.result() for f in [ex.submit(c) for c in calls]]


def test_feeding_and_complete_harvest_race_on_one_batch(live: tuple[Farm, ApiClient]) -> None:
    farm, pool = live
    today = str(clock.today())
    t1 = farm.tank("T1")
    b = farm.batch("B1", t1["id"], today, 100, "10")
    farm.stock_in("FEED-32", "kg", "100", "40.0000")
    feed = {
        "tank_id": t1["id"],
        "feeding_date": today,
        "session_number": 1,
        "lines": [{"sku": "FEED-32", "quantity_kg": "10"}],
    }
    harvest = {
        "batch_id": b["id"],
        "harvest_date": today,
        "harvest_type": "complete",
        "fish_count": 100,
        "total_weight_kg": "1",
    }
    fed, harvested = _race(
        lambda: pool.post("/biofloc/feedings", json=feed, token=farm.token),
        lambda: pool.post("/biofloc/harvests", json=harvest, token=farm.token),
    )
    assert harvested.status_code == 201, harvested
    assert fed.status_code in (201, 409), fed
    row = farm.batch_row(b["id"])
    assert row["status"] == "harvested"
    if fed.status_code == 201:
        assert row["costs"]["feed"] == "400.00" and farm.on_hand("FEED-32") == 90
    else:
        assert fed.json()["code"] == "tank_empty"
        assert row["costs"]["feed"] == "0.00" and farm.on_hand("FEED-32") == 100


def test_two_feedings_race_on_one_lot(live: tuple[Farm, ApiClient]) -> None:
    farm, pool = live
    today = str(clock.today())
    t1, t2 = farm.tank("T1"), farm.tank("T2")
    farm.batch("B1", t1["id"], today, 100, "10")
    farm.batch("B2", t2["id"], today, 100, "10")
    farm.stock_in("FEED-32", "kg", "100", "40.0000")

    def feed(tank_id: int) -> Callable[[], Response]:
        body = {
            "tank_id": tank_id,
            "feeding_date": today,
            "session_number": 1,
            "lines": [{"sku": "FEED-32", "quantity_kg": "60"}],
        }
        return lambda: pool.post("/biofloc/feedings", json=body, token=farm.token)

    results = _race(feed(t1["id"]), feed(t2["id"]))
    assert sorted(r.status_code for r in results) == [201, 409], results
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "insufficient_stock" and loser["errors"][0]["available"] == "40.000"
    assert farm.on_hand("FEED-32") == 40
    assert farm.one("SELECT count(*) AS n FROM feedings")["n"] == 1


def test_two_stockings_race_on_one_tank(live: tuple[Farm, ApiClient]) -> None:
    farm, pool = live
    today = str(clock.today())
    t1 = farm.tank("T1")

    def stock(code: str) -> Callable[[], Response]:
        body = {
            "code": code,
            "species": "Tilapia",
            "stocking_date": today,
            "initial_count": 10,
            "initial_avg_weight_g": "1",
            "tank_id": t1["id"],
        }
        return lambda: pool.post("/biofloc/batches", json=body, token=farm.token)

    results = _race(stock("B1"), stock("B2"))
    assert sorted(r.status_code for r in results) == [201, 409], results
    assert next(r for r in results if r.status_code == 409).json()["code"] == "tank_unavailable"
    open_rows = farm.one(
        "SELECT count(*) AS n FROM tank_assignments WHERE tank_id = %s AND end_date IS NULL", (t1["id"],)
    )
    assert open_rows["n"] == 1


def test_bulk_feedings_naming_tanks_in_opposite_orders_both_succeed(live: tuple[Farm, ApiClient]) -> None:
    """Each bulk request locks all its tanks, then batches, then items before writing: two requests naming the
    same tanks in opposite orders queue behind each other instead of deadlocking (409 busy)."""
    farm, pool = live
    today = str(clock.today())
    tanks = [farm.tank(f"T{n}")["id"] for n in (1, 2, 3)]
    for n, tank_id in enumerate(tanks, start=1):
        farm.batch(f"B{n}", tank_id, today, 100, "10")
    for sku in ("FEED-A", "FEED-B"):
        farm.stock_in(sku, "kg", "1000", "40.0000")

    def bulk(order: list[int], session: int) -> Response:
        sessions = [
            {
                "tank_id": tank_id,
                "feeding_date": today,
                "session_number": session,
                "lines": [{"sku": "FEED-A", "quantity_kg": "1"}, {"sku": "FEED-B", "quantity_kg": "1"}],
            }
            for tank_id in order
        ]
        return pool.post("/biofloc/feedings/bulk", json={"sessions": sessions}, token=farm.token)

    for round_ in range(5):
        forward, backward = _race(partial(bulk, tanks, 2 * round_ + 1), partial(bulk, tanks[::-1], 2 * round_ + 2))
        assert forward.status_code == 201, forward
        assert backward.status_code == 201, backward
    assert farm.on_hand("FEED-A") == farm.on_hand("FEED-B") == 1000 - 5 * 2 * 3
