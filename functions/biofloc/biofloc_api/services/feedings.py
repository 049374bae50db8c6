"""Feeding sessions (docs/rules.md: Feeding): the session, its lines, the FIFO stock deduction and the batch's feed cost
are written in the request's one transaction, so any failure leaves nothing behind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from biofloc_api.queries import assignments as assignment_queries
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import feedings as feeding_queries
from biofloc_api.queries import locks as lock_queries
from biofloc_api.schemas.feedings import FeedingBulk, FeedingCreate
from biofloc_api.services.common import MODULE, check_event_date, ensure_active, tank_ref
from farm_erp import audit, clock, stock
from farm_erp.db import Connection
from farm_erp.errors import AppError, Conflict, ValidationFailed
from farm_erp.fields import QTY, quantize
from farm_erp.http import Caller
from farm_erp.lists import DateRange, PageParams, page_of


def with_lines(conn: Connection, feedings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach lines and, per line, the ledger rows (lots) that paid for it: one query for any number of rows."""
    if not feedings:
        return []
    by_feeding: dict[int, list[dict[str, Any]]] = {}
    for line in feeding_queries.lines_with_lots(conn, [f["id"] for f in feedings]):
        by_feeding.setdefault(line["feeding_id"], []).append(line)
    return [{**f, "lines": by_feeding.get(f["id"], [])} for f in feedings]


def list_feedings(
    conn: Connection, tank_id: int | None, batch_id: int | None, dates: DateRange, paging: PageParams
) -> dict[str, Any]:
    rows, total = feeding_queries.list_feedings(
        conn, tank_id=tank_id, batch_id=batch_id, date_from=dates.from_, date_to=dates.to, paging=paging
    )
    return page_of(with_lines(conn, rows), total, paging)


def _line_error(index: int, field: str, msg: str, type_: str = "value_error") -> ValidationFailed:
    return ValidationFailed(["body", "lines", index, field], msg, type_)


def create_feeding(conn: Connection, caller: Caller, body: FeedingCreate) -> dict[str, Any]:
    feeding_id = int(_feed(conn, caller, body)["feeding_id"])
    return with_lines(conn, feeding_queries.feedings_by_id(conn, [feeding_id]))[0]


def _feed(
    conn: Connection,
    caller: Caller,
    body: FeedingCreate,
    operation_id: int | None = None,
    *,
    own_activity_row: bool = True,
) -> dict[str, Any]:
    """One session; a bulk request passes its one stock operation (one per stock-changing request) and writes
    the one activity row itself (`own_activity_row=False`). Returns the session's audit figures."""
    tank_ref(conn, body.tank_id)
    tank = lock_queries.lock_tanks(conn, [body.tank_id])[body.tank_id]
    assignment = assignment_queries.open_assignment_of_tank(conn, body.tank_id)
    if assignment is None:
        raise Conflict(f"Tank {tank['code']} holds no batch", "tank_empty")
    batch_id = int(assignment["batch_id"])
    batch = lock_queries.lock_batches(conn, [batch_id])[batch_id]
    ensure_active(batch)
    check_event_date(body.feeding_date, batch, "feeding_date", clock.today(), assignment)

    requested = [stock.ConsumeLine(item_id=ln.item_id, sku=ln.sku, quantity=ln.quantity_kg) for ln in body.lines]
    item_ids = stock.resolve_lines(conn, requested)
    seen: set[int] = set()
    for i, item_id in enumerate(item_ids):
        if item_id in seen:
            raise _line_error(i, "item_id", "The same item appears twice in one session")
        seen.add(item_id)
    items = stock.lock_items(conn, item_ids)
    item_qtys: list[Decimal] = []
    for i, (line, item_id) in enumerate(zip(body.lines, item_ids, strict=True)):
        item = items[item_id]
        if item["unit_category"] != "weight" or item["base_factor"] is None:
            raise _line_error(i, "item_id", f"{item['sku']} is not measured in a weight unit", "not_weight_unit")
        item_qty = quantize(line.quantity_kg / item["base_factor"], QTY)
        if item_qty <= 0:
            raise _line_error(i, "quantity_kg", f"Too small to measure in {item['unit']}")
        item_qtys.append(item_qty)
    if feeding_queries.session_taken(conn, body.tank_id, body.feeding_date, body.session_number):
        raise Conflict(
            f"Session {body.session_number} of {body.feeding_date} is already recorded for tank {tank['code']}",
            "duplicate_session",
        )

    single = operation_id is None
    if operation_id is None:
        operation_id = stock.new_operation(
            conn,
            "feeding",
            MODULE,
            user_id=caller.user_id,
            purpose=f"Feeding {tank['code']} {body.feeding_date} session {body.session_number}",
        )
    total_kg = sum((ln.quantity_kg for ln in body.lines), Decimal(0))
    feeding_id = feeding_queries.insert_feeding(
        conn,
        tank_id=body.tank_id,
        batch_id=batch_id,
        feeding_date=body.feeding_date,
        session_number=body.session_number,
        feed_time=body.feed_time,
        total_feed_kg=total_kg,
        operation_id=operation_id,
        notes=body.notes,
        user_id=caller.user_id,
        created_at=clock.now(),
    )
    line_ids = [
        feeding_queries.insert_line(conn, feeding_id, i, item_id, line.quantity_kg, item_qty)
        for i, (line, item_id, item_qty) in enumerate(zip(body.lines, item_ids, item_qtys, strict=True))
    ]
    used = stock.consume(
        conn,
        [
            stock.ConsumeLine(
                item_id=item_id, quantity=item_qty, ref_line_id=line_id, tank_id=body.tank_id, fish_batch_id=batch_id
            )
            for item_id, item_qty, line_id in zip(item_ids, item_qtys, line_ids, strict=True)
        ],
        operation_id=operation_id,
        module_key=MODULE,
        user_id=caller.user_id,
    )
    for line_id, consumption in zip(line_ids, used, strict=True):
        feeding_queries.set_line_cost(conn, line_id, consumption.total_cost)
    total_cost = sum((c.total_cost for c in used), Decimal(0))
    feeding_queries.set_feeding_cost(conn, feeding_id, total_cost)
    if single:
        stock.set_operation_ref(conn, operation_id, feeding_id)
    batch_queries.bump_batch(conn, batch_id, total_feed_kg=total_kg)
    batch_queries.add_cost(conn, batch_id, "feed", total_cost)
    figures = {
        "feeding_id": feeding_id,
        "tank_id": body.tank_id,
        "batch_id": batch_id,
        "total_feed_kg": str(total_kg),
        "total_cost": str(total_cost),
        "operation_id": operation_id,
    }
    if own_activity_row:
        audit.module_change(
            conn,
            caller.actor,
            MODULE,
            "feeding.create",
            "feeding",
            feeding_id,
            {k: v for k, v in figures.items() if k != "feeding_id"},
        )
    return figures


def create_bulk(conn: Connection, caller: Caller, body: FeedingBulk) -> dict[str, Any]:
    """All sessions or none; the first failure names its session (and line) index.

    Every row the sessions touch is locked before any session is written, in the global order: all tanks (ids
    ascending), then all batches, then all items (their lots follow in stock.consume). Locking session by session
    took tank, batch and items of the first before the tank of the second, so two bulk requests naming the same
    tanks in opposite orders could deadlock.
    """
    _lock_all(conn, body)
    operation_id = stock.new_operation(
        conn, "feeding", MODULE, user_id=caller.user_id, purpose=f"Bulk feeding: {len(body.sessions)} sessions"
    )
    sessions = []
    for index, session in enumerate(body.sessions):
        try:
            sessions.append(_feed(conn, caller, session, operation_id, own_activity_row=False))
        except AppError as exc:
            raise _in_session(exc, index) from None
    ids = [int(s["feeding_id"]) for s in sessions]
    # One activity row for the request; each session's figures are in its metadata.
    audit.module_change(
        conn,
        caller.actor,
        MODULE,
        "feeding.bulk_create",
        "stock_operation",
        operation_id,
        {"operation_id": operation_id, "sessions": sessions},
    )
    return {"items": with_lines(conn, feeding_queries.feedings_by_id(conn, ids))}


def _lock_all(conn: Connection, body: FeedingBulk) -> None:
    """Lock every tank, then every batch, then every item of the request (ids ascending at each step)."""
    for index, session in enumerate(body.sessions):
        try:
            tank_ref(conn, session.tank_id)
        except AppError as exc:
            raise _in_session(exc, index) from None
    lock_queries.lock_tanks(conn, [s.tank_id for s in body.sessions])
    batch_ids = []
    for session in body.sessions:
        assignment = assignment_queries.open_assignment_of_tank(conn, session.tank_id)
        if assignment is not None:  # an empty tank is refused when its session runs
            batch_ids.append(int(assignment["batch_id"]))
    lock_queries.lock_batches(conn, batch_ids)
    item_ids: list[int] = []
    for index, session in enumerate(body.sessions):
        requested = [stock.ConsumeLine(item_id=ln.item_id, sku=ln.sku, quantity=ln.quantity_kg) for ln in session.lines]
        try:
            item_ids += stock.resolve_lines(conn, requested)
        except AppError as exc:
            raise _in_session(exc, index) from None
    stock.lock_items(conn, item_ids)


def _in_session(exc: AppError, index: int) -> AppError:
    """The same error, located in session `index` of a bulk request."""
    if isinstance(exc, ValidationFailed):
        for item in exc.items:
            loc = list(item["loc"])
            item["loc"] = ["body", "sessions", index, *(loc[1:] if loc[:1] == ["body"] else loc)]
        return exc
    if exc.errors is not None:
        exc.errors = [{"session": index, **e} for e in exc.errors]
    exc.extra = {**exc.extra, "session": index}
    exc.detail = f"Session {index}: {exc.detail}"
    return exc
