"""A read runs its statements in autocommit (no BEGIN, no COMMIT); anything else runs in one transaction. Seen on
the wire: libpq's own trace of the connection, through the real handlers. And the tests' check that a read wrote
nothing (farm_erp.db.READ_CHECK) fails a read that writes without declaring it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from farm_erp import db
from farm_erp.db import WroteInRead, database
from tests.support.client import ApiClient


@contextmanager
def wire(tmp_path: Path) -> Iterator[list[str]]:
    """The simple-protocol commands (BEGIN, COMMIT, ROLLBACK) the container's connection sends inside the block."""
    sent: list[str] = []
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        pgconn = database.connection().pgconn
        database.finish(commit=True)
        pgconn.trace(out.fileno())
        try:
            yield sent
        finally:
            pgconn.untrace()
    for line in trace.read_text().splitlines():
        if "\tF\t" in line and "\tQuery\t" in line:
            sent.append(line.split("\tQuery\t", 1)[1].strip().strip('"'))


@pytest.fixture
def production_reads() -> Iterator[None]:
    """Reads as production runs them (the integration tests otherwise check them in a transaction)."""
    db.READ_CHECK = False
    try:
        yield
    finally:
        db.READ_CHECK = True


def test_a_read_sends_no_begin_and_a_write_one_transaction(
    api: ApiClient, admin_token: str, tmp_path: Path, production_reads: None
) -> None:
    api.get("/inventory/units", token=admin_token)  # the connection exists before the trace starts
    with wire(tmp_path) as sent:
        assert api.get("/inventory/units", token=admin_token).status_code == 200
        assert api.get("/inventory/items/999999", token=admin_token).status_code == 404
    assert sent == []
    with wire(tmp_path) as sent:
        made = api.post("/inventory/categories", json={"name": "Read mode"}, token=admin_token)
        assert made.status_code == 201
        assert api.get("/inventory/categories", token=admin_token).json()["total"] >= 1
        refused = api.post("/inventory/categories", json={"name": "Read mode"}, token=admin_token)
        assert refused.status_code == 409
    assert sent == ["BEGIN", "COMMIT", "BEGIN", "ROLLBACK"]


def test_a_read_that_writes_without_saying_so_fails_the_check(sql: Any) -> None:
    with database.request(reading=True):
        database.connection().execute("SELECT pg_current_xact_id()")  # takes a transaction id, as a write does
        with pytest.raises(WroteInRead):
            database.finish(commit=True)
    with database.request(reading=True):
        database.connection().execute("SELECT 1")
        database.finish(commit=True)
    with database.request(reading=True):
        database.declare_write()
        database.connection().execute("SELECT pg_current_xact_id()")
        database.finish(commit=True)
    with database.request(reading=False):
        database.connection().execute("SELECT pg_current_xact_id()")
        database.finish(commit=True)
