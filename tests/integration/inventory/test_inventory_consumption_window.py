"""The consumption report's maintained default window (migration 0041): farm-day edges in a zone that is not UTC,
the roll-over to the next farm day, a change of FARM_TIMEZONE, an operation with rows on both sides of an edge, a
writer holding the window while it would move, and the scheduled job moving it. After each test the inventory
conftest also compares the aggregate with the ledger (tests/support/figures.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from farm_erp import clock, settings, stock
from local.lambda_context import LambdaContext
from reservation_expiry.main import handler as expiry_job
from tests.integration.inventory.conftest import Inv
from tests.support.factories import token_for

# Asia/Kolkata is UTC+05:30 all year: farm midnight is 18:30 UTC the day before.
ZONE = "Asia/Kolkata"
TODAY_END = datetime(2025, 3, 10, 18, 30, tzinfo=UTC)  # midnight starting 11 March, farm time
WINDOW_START = datetime(2025, 2, 8, 18, 30, tzinfo=UTC)  # midnight starting 9 February (today − 29 days)
TICK = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def farm_zone(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FARM_TIMEZONE", ZONE)
    settings.reset_caches()
    yield
    monkeypatch.undo()
    settings.reset_caches()


def at(inv: Inv, writer: tuple[int, str], when: datetime) -> None:
    """Move the frozen clock; the token must not be from the future or expired at the new time."""
    clock.freeze(when)
    inv.token = token_for(inv.sql, writer[0])


def report(inv: Inv, **params: str) -> dict[str, Any]:
    return dict(inv.ok("GET", "/inventory/modules/biofloc/consumption", params=params))


def rows(page: dict[str, Any]) -> list[tuple[str, str, str, int, datetime]]:
    return [
        (r["sku"], r["quantity"], r["cost"], r["operations"], datetime.fromisoformat(r["last_used_at"]))
        for r in page["items"]
    ]


def state(sql: Any) -> tuple[datetime | None, datetime | None]:
    row = sql.execute("SELECT since, until FROM consumption_window_state").fetchone()
    return row["since"], row["until"]


def use(inv: Inv, sku: str, qty: str) -> None:
    assert inv.use(qty, sku=sku, module_key="biofloc").status_code == 200


@pytest.fixture
def stocked(inv: Inv) -> Inv:
    """FEED (lots 10 @ 2.50 then 100 @ 3.00) and SALT (50 @ 1.00), received on 2025-01-20."""
    feed = inv.item("FEED")["id"]
    inv.add(feed, "10", "2.5000", "2025-01-10")
    inv.add(feed, "100", "3.0000", "2025-01-15")
    inv.add(inv.item("SALT")["id"], "50", "1.0000")
    return inv


def test_window_edges_and_day_roll_over_in_farm_time(stocked: Inv, writer: tuple[int, str], sql: Any) -> None:
    inv = stocked
    at(inv, writer, WINDOW_START - TICK)  # 23:59:59.999999 on 8 February, farm time: outside
    use(inv, "SALT", "1")
    at(inv, writer, WINDOW_START)  # the window's first instant
    use(inv, "SALT", "2")
    use(inv, "FEED", "4")  # lot 1 (2.50)
    at(inv, writer, TODAY_END - TICK)  # the last instant of today
    use(inv, "FEED", "8")  # 6 from lot 1, 2 from lot 2: two ledger rows, one operation
    page = report(inv)
    assert (page["from"], page["to"], page["total"], page["total_cost"]) == ("2025-02-09", "2025-03-10", 2, "33.00")
    assert rows(page) == [
        ("FEED", "12.000", "31.00", 2, TODAY_END - TICK),  # 4 @ 2.50, then 6 @ 2.50 + 2 @ 3.00
        ("SALT", "2.000", "2.00", 1, WINDOW_START),
    ]
    assert state(sql) == (WINDOW_START, TODAY_END)
    # The same days asked for explicitly: the same answer.
    assert report(inv, **{"from": "2025-02-09", "to": "2025-03-10"})["items"] == page["items"]

    # Midnight: a use on the new farm day is outside the window until the window moves.
    at(inv, writer, TODAY_END)
    use(inv, "SALT", "5")
    assert state(sql) == (WINDOW_START, TODAY_END)
    page = report(inv)  # 11 March: 10 February to 11 March; 9 February's uses leave
    assert (page["from"], page["to"], page["total"], page["total_cost"]) == ("2025-02-10", "2025-03-11", 2, "26.00")
    assert rows(page) == [
        ("FEED", "8.000", "21.00", 1, TODAY_END - TICK),
        ("SALT", "5.000", "5.00", 1, TODAY_END),
    ]
    assert state(sql) == (WINDOW_START + timedelta(days=1), TODAY_END + timedelta(days=1))

    # Days later with nothing used: everything leaves.
    at(inv, writer, TODAY_END + timedelta(days=40))
    page = report(inv)
    assert (page["items"], page["total"], page["total_cost"]) == ([], 0, "0.00")
    assert sql.execute("SELECT count(*) AS n FROM consumption_window").fetchone()["n"] == 0


def test_a_new_farm_timezone_moves_the_window(
    stocked: Inv, writer: tuple[int, str], sql: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = stocked
    at(inv, writer, datetime(2025, 3, 10, 20, 0, tzinfo=UTC))  # 11 March 01:30 farm time, 10 March in UTC
    use(inv, "SALT", "3")
    at(inv, writer, datetime(2025, 3, 10, 21, 0, tzinfo=UTC))
    assert [r[:4] for r in rows(report(inv))] == [("SALT", "3.000", "3.00", 1)]
    assert state(sql) == (WINDOW_START + timedelta(days=1), TODAY_END + timedelta(days=1))
    # The same instant in UTC is still 10 March: the window's bounds move back by 18:30 hours (recomputed)
    monkeypatch.setenv("FARM_TIMEZONE", "UTC")
    settings.reset_caches()
    at(inv, writer, datetime(2025, 3, 10, 21, 0, tzinfo=UTC))
    page = report(inv)
    assert (page["from"], page["to"]) == ("2025-02-09", "2025-03-10")
    assert [r[:4] for r in rows(page)] == [("SALT", "3.000", "3.00", 1)]
    assert state(sql) == (datetime(2025, 2, 9, tzinfo=UTC), datetime(2025, 3, 11, tzinfo=UTC))


def test_an_operation_across_days_counts_once_while_any_row_is_inside(
    stocked: Inv, writer: tuple[int, str], sql: Any, db_url: str
) -> None:
    """One operation with rows on four farm days (not something a route writes, but nothing in the ledger forbids
    it): it counts once while any of its rows is in the window, whether its rows leave with the head or come in
    with the tail of a move, and leaves with its last row."""
    inv = stocked
    at(inv, writer, TODAY_END - TICK)
    report(inv)  # the window exists from here on: the trigger maintains it
    feed = sql.execute("SELECT id FROM items WHERE sku = 'FEED'").fetchone()["id"]
    day = timedelta(days=1)
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        op = stock.new_operation(conn, "use", "biofloc", user_id=writer[0])
        # before the window, its first day, its second day, tomorrow; all from lot 1 (2.50)
        for when, qty in ((WINDOW_START - TICK, "1"), (WINDOW_START, "2"), (WINDOW_START + day, "3"), (TODAY_END, "4")):
            stock.consume(
                conn,
                [stock.ConsumeLine(item_id=feed, quantity=Decimal(qty))],
                operation_id=op,
                module_key="biofloc",
                user_id=writer[0],
                occurred_at=when,
            )
        conn.commit()
    assert rows(report(inv)) == [("FEED", "5.000", "12.50", 1, WINDOW_START + day)]
    at(inv, writer, TODAY_END)  # the first day leaves, tomorrow comes in
    assert rows(report(inv)) == [("FEED", "7.000", "17.50", 1, TODAY_END)]
    at(inv, writer, TODAY_END + day)  # the second day leaves
    assert rows(report(inv)) == [("FEED", "4.000", "10.00", 1, TODAY_END)]
    at(inv, writer, TODAY_END + 30 * day)
    assert report(inv)["items"] == []


def test_a_writer_holding_the_window_makes_the_report_read_the_ledger(
    stocked: Inv, writer: tuple[int, str], sql: Any, db_url: str
) -> None:
    inv = stocked
    at(inv, writer, TODAY_END - TICK)
    use(inv, "FEED", "4")
    report(inv)
    at(inv, writer, TODAY_END)
    with psycopg.connect(db_url) as held:
        held.execute("SELECT FROM consumption_window_state FOR SHARE")  # as a ledger write does until it commits
        page = report(inv)  # does not wait, and is right
        assert [r[:4] for r in rows(page)] == [("FEED", "4.000", "10.00", 1)]
        assert state(sql) == (WINDOW_START, TODAY_END)
    assert rows(report(inv)) == rows(page)
    assert state(sql) == (WINDOW_START + timedelta(days=1), TODAY_END + timedelta(days=1))


def test_the_scheduled_job_moves_the_window_to_the_new_farm_day(
    stocked: Inv, writer: tuple[int, str], sql: Any
) -> None:
    inv = stocked
    at(inv, writer, TODAY_END - TICK)
    use(inv, "SALT", "1")
    report(inv)
    at(inv, writer, TODAY_END + timedelta(minutes=15))
    assert expiry_job({"scheduled_time": clock.now().isoformat()}, LambdaContext("job"))["status"] == "succeeded"
    assert state(sql) == (WINDOW_START + timedelta(days=1), TODAY_END + timedelta(days=1))
    assert [r[:4] for r in rows(report(inv))] == [("SALT", "1.000", "1.00", 1)]


def test_a_use_written_in_one_statement_over_two_lots_counts_once(
    stocked: Inv, writer: tuple[int, str], sql: Any, db_url: str
) -> None:
    """Row triggers of a multi-row INSERT all see the statement's rows: the operation still counts once. Written
    and checked inside one transaction that is rolled back, since the rows bypass the lots (farm_erp.stock writes
    one statement per row today; this keeps the aggregate right if it ever batches them)."""
    inv = stocked
    at(inv, writer, TODAY_END - TICK)
    report(inv)  # the window exists from here on
    feed = sql.execute("SELECT id FROM items WHERE sku = 'FEED'").fetchone()["id"]
    with psycopg.connect(db_url, row_factory=dict_row) as conn:
        op = stock.new_operation(conn, "use", "biofloc", user_id=writer[0])
        conn.execute(
            """INSERT INTO stock_ledger (operation_id, item_id, lot_id, type, qty_change, unit_cost, cost,
                                         balance_after, module_key, occurred_at, created_by)
               SELECT %(op)s, l.item_id, l.id, 'use', -1, l.unit_cost, l.unit_cost, 0, 'biofloc', %(at)s, %(user)s
                 FROM lots l WHERE l.item_id = %(item)s""",
            {"op": op, "at": TODAY_END - TICK, "user": writer[0], "item": feed},
        )
        row = conn.execute(
            "SELECT operations, use_rows FROM consumption_window WHERE item_id = %s AND module_key = 'biofloc'",
            (feed,),
        ).fetchone()
        conn.rollback()
    assert row == {"operations": 1, "use_rows": 2}
