"""The shared stock ledger (docs/rules.md: Stock ledger): lots, FIFO consumption, ledger rows, reservations.

Inventory, biofloc (feeding, tank inputs) and the reservation-expiry job call these functions inside their own
transaction; every statement that changes stock, lots, ledger rows or reservations is here and nowhere else.

Locking. Rows are locked in one global order, items → reservations → lots (items and lots ascending, lots in FIFO
order), so two stock changes can wait for each other but never deadlock. An item's stock figures are read in a
statement *after* its lock is held: a `SELECT … FOR UPDATE` that waited re-reads only the locked row, while its
sub-selects would still see the snapshot taken before the wait (a reservation committed meanwhile would be missed).
Quantities change by relative amounts (`on_hand_qty = on_hand_qty - x`), never by writing back a value read earlier.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.errors import Conflict, NotFound, ValidationFailed
from farm_erp.fields import MONEY, QTY, UNIT_COST, quantize

ZERO = Decimal(0)
LEDGER_TYPE_OF_SOURCE = {"manual": "add", "purchase": "purchase", "adjustment": "adjust_in"}
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ConsumeLine:
    """One line to consume: exactly one of item_id / sku; quantity in the item's own unit."""

    item_id: int | None = None
    sku: str | None = None
    quantity: Decimal = Decimal(0)
    ref_line_id: int | None = None
    tank_id: int | None = None
    fish_batch_id: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class LotTake:
    """What one lot gave to a line (one ledger row)."""

    lot_id: int
    lot_number: str
    quantity: Decimal
    unit_cost: Decimal
    cost: Decimal
    ledger_id: int


@dataclass(frozen=True)
class Consumption:
    """The result of one consumed line (docs/rules.md: Stock ledger)."""

    item_id: int
    sku: str
    quantity: Decimal
    lines: list[LotTake]
    total_cost: Decimal
    avg_unit_cost: Decimal
    on_hand_qty: Decimal
    available_qty: Decimal


@dataclass(frozen=True)
class LotAdded:
    """A new lot and its ledger row."""

    lot_id: int
    lot_number: str
    ledger_id: int
    quantity: Decimal
    unit_cost: Decimal
    cost: Decimal
    on_hand_qty: Decimal


def normalise_sku(sku: str) -> str:
    """SKUs are stored and compared trimmed and upper-case."""
    return sku.strip().upper()


def qty_str(value: Decimal) -> str:
    return f"{quantize(value, QTY):.3f}"


# --- operations ---------------------------------------------------------------------------------------------------


def new_operation(
    conn: Connection,
    kind: str,
    module_key: str,
    *,
    user_id: int | None,
    ref_id: int | None = None,
    purpose: str | None = None,
    notes: str | None = None,
) -> int:
    """The one stock_operations row of a stock-changing request; every ledger row points to it."""
    row = conn.execute(
        """INSERT INTO stock_operations (kind, module_key, ref_id, purpose, notes, created_by, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (kind, module_key, ref_id, purpose, notes, user_id, clock.now()),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def set_operation_ref(conn: Connection, operation_id: int, ref_id: int) -> None:
    """Point the operation at the record it belongs to, once that record has an id."""
    conn.execute("UPDATE stock_operations SET ref_id = %s WHERE id = %s", (ref_id, operation_id))


# --- items --------------------------------------------------------------------------------------------------------


def lock_items(
    conn: Connection, item_ids: Iterable[int], *, exclude_reservation_id: int | None = None
) -> dict[int, dict[str, Any]]:
    """Lock the items (ids ascending), then read them and their stock figures with a fresh snapshot.

    Each row: id, sku, name, unit_id, is_active, on_hand_qty, default_price, unit (abbreviation), unit_category,
    base_factor, unit_active, reserved_qty, available_qty. Unknown ids are simply absent.

    reserved_qty counts live reservations at clock.now() (pending and reserved_until > now), except
    `exclude_reservation_id` (the reservation being confirmed counts as available to itself).
    """
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    conn.execute("SELECT id FROM items WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (ids,))
    rows = conn.execute(
        """SELECT i.id, i.sku, i.name, i.unit_id, i.is_active, i.on_hand_qty, i.default_price,
                  u.abbreviation AS unit, u.category AS unit_category, u.base_factor, u.is_active AS unit_active,
                  COALESCE(r.reserved, 0) AS reserved_qty
             FROM items i
             JOIN units u ON u.id = i.unit_id
             LEFT JOIN LATERAL (
                 SELECT sum(quantity) AS reserved FROM reservations
                  WHERE item_id = i.id AND status = 'pending' AND reserved_until > %(now)s
                    AND id IS DISTINCT FROM %(exclude)s
             ) r ON true
            WHERE i.id = ANY(%(ids)s)
            ORDER BY i.id""",
        {"ids": ids, "now": clock.now(), "exclude": exclude_reservation_id},
    ).fetchall()
    out = {}
    for r in rows:
        r["available_qty"] = r["on_hand_qty"] - r["reserved_qty"]
        out[int(r["id"])] = r
    return out


def _line_loc(loc_prefix: Loc, index: int, field: str) -> list[str | int]:
    return [*loc_prefix, index, field] if loc_prefix[-1:] == ("lines",) else [*loc_prefix, field]


def resolve_lines(
    conn: Connection,
    lines: Sequence[ConsumeLine],
    *,
    require_active: bool = True,
    loc_prefix: Loc = ("body", "lines"),
) -> list[int]:
    """The item id of each line. A SKU matches only the normalised SKU (never a name).

    A line with both or neither of item_id/sku, an unknown item or (with require_active) an inactive one is 422,
    located at `loc_prefix + [index, field]` (or `loc_prefix + [field]` when the prefix does not end in "lines").
    """
    errors: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if (line.item_id is None) == (line.sku is None):
            errors.append(_err(_line_loc(loc_prefix, i, "item_id"), "Give exactly one of item_id or sku"))
    if errors:
        raise _many(errors)
    ids = [ln.item_id for ln in lines if ln.item_id is not None]
    skus = [normalise_sku(ln.sku) for ln in lines if ln.sku is not None]
    rows = conn.execute(
        "SELECT id, sku, is_active FROM items WHERE id = ANY(%s) OR sku = ANY(%s)", (ids, skus)
    ).fetchall()
    by_id = {int(r["id"]): r for r in rows}
    by_sku = {str(r["sku"]): r for r in rows}
    out: list[int] = []
    for i, line in enumerate(lines):
        field = "item_id" if line.item_id is not None else "sku"
        row = by_id.get(line.item_id) if line.item_id is not None else by_sku.get(normalise_sku(line.sku or ""))
        if row is None:
            errors.append(_err(_line_loc(loc_prefix, i, field), "Unknown item"))
        elif require_active and not row["is_active"]:
            errors.append(_err(_line_loc(loc_prefix, i, field), "Item is inactive"))
        else:
            out.append(int(row["id"]))
    if errors:
        raise _many(errors)
    return out


def _err(loc: list[str | int], msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": "value_error"}


def _many(errors: list[dict[str, Any]]) -> ValidationFailed:
    exc = ValidationFailed(errors[0]["loc"], errors[0]["msg"])
    exc.items = errors
    return exc


def _shortage(
    index: int, item: dict[str, Any], requested: Decimal, available: Decimal, error_unit: str
) -> dict[str, Any]:
    """One `insufficient_stock` entry; error_unit "base" reports in the unit's base (kg, l, …) when it has one."""
    factor = item["base_factor"] if error_unit == "base" and item["base_factor"] is not None else Decimal(1)
    return {
        "index": index,
        "item_id": int(item["id"]),
        "sku": item["sku"],
        "requested": qty_str(requested * factor),
        "available": qty_str(max(available, ZERO) * factor),
    }


def insufficient(errors: list[dict[str, Any]]) -> Conflict:
    return Conflict("Not enough stock", "insufficient_stock", errors=errors)


# --- consumption (FIFO) ---------------------------------------------------------------------------------------------


def _lock_lots(conn: Connection, item_ids: list[int], lot_id: int | None = None) -> list[dict[str, Any]]:
    """Lock the lots that hold stock, in FIFO order per item (items ascending)."""
    if lot_id is not None:
        return conn.execute(
            "SELECT id, item_id, lot_number, remaining_qty, unit_cost FROM lots WHERE id = %s FOR UPDATE",
            (lot_id,),
        ).fetchall()
    return conn.execute(
        """SELECT id, item_id, lot_number, remaining_qty, unit_cost FROM lots
            WHERE item_id = ANY(%s) AND remaining_qty > 0
            ORDER BY item_id, received_date, id FOR UPDATE""",
        (sorted(item_ids),),
    ).fetchall()


def consume(
    conn: Connection,
    lines: Sequence[ConsumeLine],
    *,
    operation_id: int,
    module_key: str,
    user_id: int | None,
    ledger_type: str = "use",
    occurred_at: datetime | None = None,
    reservation_id: int | None = None,
    error_unit: str = "item",
    loc_prefix: Loc = ("body", "lines"),
    lot_id: int | None = None,
) -> list[Consumption]:
    """Take each line's quantity from its item's lots, FIFO (expired lots included), all or nothing.

    Every line must fit in the item's available stock (on_hand − live reservations other than `reservation_id`;
    lines of one item count together), else 409 `insufficient_stock` lists every failing line and nothing is
    written. `lot_id` restricts a single line to that lot (adjustment decrease), which must belong to the item
    and hold the quantity (409 `insufficient_lot`). Inactive items are refused (422) for `use` only.
    """
    item_ids = resolve_lines(conn, lines, require_active=ledger_type == "use", loc_prefix=loc_prefix)
    items = lock_items(conn, item_ids, exclude_reservation_id=reservation_id)
    shortages: list[dict[str, Any]] = []
    asked: dict[int, Decimal] = defaultdict(Decimal)
    for i, (line, item_id) in enumerate(zip(lines, item_ids, strict=True)):
        item = items[item_id]
        if line.quantity <= 0:
            raise ValidationFailed([*_line_loc(loc_prefix, i, "quantity")], "Quantity must be greater than 0")
        left = item["available_qty"] - asked[item_id]
        if line.quantity > left:
            shortages.append(_shortage(i, item, line.quantity, left, error_unit))
        asked[item_id] += line.quantity
    if shortages:
        raise insufficient(shortages)

    lots_by_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for lot in _lock_lots(conn, item_ids, lot_id):
        lots_by_item[int(lot["item_id"])].append(lot)
    if lot_id is not None:
        lot_rows = lots_by_item.get(item_ids[0], [])
        if not lot_rows or lot_rows[0]["remaining_qty"] < lines[0].quantity:
            raise Conflict("The lot does not belong to the item or does not hold that quantity", "insufficient_lot")

    when = occurred_at or clock.now()
    balance = {i: items[i]["on_hand_qty"] for i in items}
    lot_takes: dict[int, Decimal] = defaultdict(Decimal)
    planned: list[tuple[int, dict[str, Any], Decimal, Decimal, Decimal]] = []  # (line index, lot, qty, cost, bal)
    for i, (line, item_id) in enumerate(zip(lines, item_ids, strict=True)):
        need = line.quantity
        for lot in lots_by_item[item_id]:
            if need <= 0:
                break
            free = lot["remaining_qty"] - lot_takes[int(lot["id"])]
            if free <= 0:
                continue
            take = min(free, need)
            need -= take
            lot_takes[int(lot["id"])] += take
            balance[item_id] -= take
            planned.append((i, lot, take, quantize(take * lot["unit_cost"], MONEY), balance[item_id]))
        if need > 0:  # on_hand and the lots disagree: the invariant is broken, refuse to write
            raise RuntimeError(f"lots of item {item_id} hold less than its on_hand_qty")

    ledger_ids = _insert_ledger(
        conn,
        [
            {
                "operation_id": operation_id,
                "item_id": item_ids[i],
                "lot_id": int(lot["id"]),
                "type": ledger_type,
                "qty_change": -take,
                "unit_cost": lot["unit_cost"],
                "cost": cost,
                "balance_after": bal,
                "module_key": module_key,
                "ref_line_id": lines[i].ref_line_id,
                "tank_id": lines[i].tank_id,
                "fish_batch_id": lines[i].fish_batch_id,
                "notes": lines[i].notes,
                "occurred_at": when,
                "created_by": user_id,
            }
            for i, lot, take, cost, bal in planned
        ],
    )
    conn.execute(
        """UPDATE lots l SET remaining_qty = l.remaining_qty - v.take
             FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, take) WHERE l.id = v.id""",
        (list(lot_takes), list(lot_takes.values())),
    )
    on_hand = _change_on_hand(conn, {i: -asked[i] for i in asked})

    out: list[Consumption] = []
    for i, (line, item_id) in enumerate(zip(lines, item_ids, strict=True)):
        takes = [
            LotTake(int(lot["id"]), str(lot["lot_number"]), take, lot["unit_cost"], cost, ledger_ids[n])
            for n, (li, lot, take, cost, _bal) in enumerate(planned)
            if li == i
        ]
        total = sum((t.cost for t in takes), ZERO)
        item = items[item_id]
        out.append(
            Consumption(
                item_id=item_id,
                sku=str(item["sku"]),
                quantity=line.quantity,
                lines=takes,
                total_cost=total,
                avg_unit_cost=quantize(total / line.quantity, UNIT_COST),
                on_hand_qty=on_hand[item_id],
                available_qty=on_hand[item_id] - item["reserved_qty"],
            )
        )
    return out


_LEDGER_COLUMNS = (
    "operation_id",
    "item_id",
    "lot_id",
    "type",
    "qty_change",
    "unit_cost",
    "cost",
    "balance_after",
    "module_key",
    "ref_line_id",
    "tank_id",
    "fish_batch_id",
    "notes",
    "occurred_at",
    "created_by",
)
_INSERT_LEDGER = (
    f"INSERT INTO stock_ledger ({', '.join(_LEDGER_COLUMNS)}) "
    f"VALUES ({', '.join('%(' + c + ')s' for c in _LEDGER_COLUMNS)}) RETURNING id"
)


def _insert_ledger(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    with conn.cursor() as cur:
        cur.executemany(_INSERT_LEDGER, rows, returning=True)
        ids: list[int] = []
        while True:
            row = cur.fetchone()
            assert row is not None
            ids.append(int(row["id"]))
            if not cur.nextset():
                break
    return ids


def _change_on_hand(conn: Connection, deltas: dict[int, Decimal]) -> dict[int, Decimal]:
    rows = conn.execute(
        """UPDATE items i SET on_hand_qty = i.on_hand_qty + v.delta
             FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, delta) WHERE i.id = v.id
           RETURNING i.id, i.on_hand_qty""",
        (list(deltas), list(deltas.values())),
    ).fetchall()
    return {int(r["id"]): r["on_hand_qty"] for r in rows}


# --- receipts ----------------------------------------------------------------------------------------------------


def add_lot(
    conn: Connection,
    *,
    item_id: int,
    quantity: Decimal,
    unit_cost: Decimal,
    source: str,
    operation_id: int,
    module_key: str,
    user_id: int | None,
    received_date: date,
    expiry_date: date | None = None,
    supplier_id: int | None = None,
    po_id: int | None = None,
    po_line_id: int | None = None,
    lot_number: str | None = None,
    notes: str | None = None,
    occurred_at: datetime | None = None,
    ref_line_id: int | None = None,
) -> LotAdded:
    """A new lot (source manual, purchase or adjustment) and its ledger row (add, purchase or adjust_in).

    The caller holds the item's lock (lock_items) and has checked the item, supplier and dates.
    """
    on_hand = _change_on_hand(conn, {item_id: quantity})[item_id]
    lot = conn.execute(
        """INSERT INTO lots (item_id, lot_number, source, received_date, expiry_date, quantity_received,
                             remaining_qty, unit_cost, supplier_id, po_id, po_line_id, notes, created_by, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id, lot_number""",
        (
            item_id,
            lot_number,
            source,
            received_date,
            expiry_date,
            quantity,
            quantity,
            unit_cost,
            supplier_id,
            po_id,
            po_line_id,
            notes,
            user_id,
            clock.now(),
        ),
    ).fetchone()
    assert lot is not None
    cost = quantize(quantity * unit_cost, MONEY)
    [ledger_id] = _insert_ledger(
        conn,
        [
            {
                "operation_id": operation_id,
                "item_id": item_id,
                "lot_id": int(lot["id"]),
                "type": LEDGER_TYPE_OF_SOURCE[source],
                "qty_change": quantity,
                "unit_cost": unit_cost,
                "cost": cost,
                "balance_after": on_hand,
                "module_key": module_key,
                "ref_line_id": ref_line_id,
                "tank_id": None,
                "fish_batch_id": None,
                "notes": notes,
                "occurred_at": occurred_at or clock.now(),
                "created_by": user_id,
            }
        ],
    )
    return LotAdded(int(lot["id"]), str(lot["lot_number"]), ledger_id, quantity, unit_cost, cost, on_hand)


def latest_lot_cost(conn: Connection, item_id: int) -> Decimal | None:
    """unit_cost of the item's most recent lot (the default cost of an adjustment increase)."""
    row = conn.execute(
        "SELECT unit_cost FROM lots WHERE item_id = %s ORDER BY received_date DESC, id DESC LIMIT 1", (item_id,)
    ).fetchone()
    return None if row is None else Decimal(row["unit_cost"])


def record_adjustment(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """The stock_adjustments row (its ledger rows are written by add_lot / consume)."""
    row = conn.execute(
        """INSERT INTO stock_adjustments (item_id, type, quantity, qty_change, previous_qty, new_qty, unit_cost,
                                          lot_id, reason, notes, operation_id, created_by, created_at)
           VALUES (%(item_id)s, %(type)s, %(quantity)s, %(qty_change)s, %(previous_qty)s, %(new_qty)s, %(unit_cost)s,
                   %(lot_id)s, %(reason)s, %(notes)s, %(operation_id)s, %(created_by)s, %(created_at)s)
           RETURNING *""",
        {**values, "created_at": clock.now()},
    ).fetchone()
    assert row is not None
    return row


# --- reservations ---------------------------------------------------------------------------------------------------


def reserve(
    conn: Connection,
    *,
    item_id: int,
    quantity: Decimal,
    module_key: str,
    hours: int,
    user_id: int | None,
    external_ref: str | None = None,
    notes: str | None = None,
) -> int:
    """A pending reservation: the item is locked, active, and holds `quantity` available (409 otherwise)."""
    items = lock_items(conn, [item_id])
    item = items.get(item_id)
    if item is None:
        raise ValidationFailed(["body", "item_id"], "Unknown item")
    if not item["is_active"]:
        raise ValidationFailed(["body", "item_id"], "Item is inactive")
    if quantity > item["available_qty"]:
        raise insufficient([_shortage(0, item, quantity, item["available_qty"], "item")])
    now = clock.now()
    row = conn.execute(
        """INSERT INTO reservations (item_id, quantity, module_key, external_ref, reserved_until, notes,
                                     created_by, created_at, updated_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (item_id, quantity, module_key, external_ref, now + timedelta(hours=hours), notes, user_id, now, now),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def _lock_reservation(conn: Connection, reservation_id: int) -> dict[str, Any]:
    """Lock the reservation's item, then the reservation itself (the global lock order)."""
    found = conn.execute("SELECT item_id FROM reservations WHERE id = %s", (reservation_id,)).fetchone()
    if found is None:
        raise NotFound("Reservation not found")
    lock_items(conn, [int(found["item_id"])])
    row = conn.execute("SELECT * FROM reservations WHERE id = %s FOR UPDATE", (reservation_id,)).fetchone()
    assert row is not None
    return row


def cancel_reservation(conn: Connection, reservation_id: int) -> dict[str, Any]:
    """pending → cancelled; any other status is 409 invalid_state."""
    res = _lock_reservation(conn, reservation_id)
    if res["status"] != "pending":
        raise Conflict(f"The reservation is {res['status']}", "invalid_state")
    now = clock.now()
    row = conn.execute(
        "UPDATE reservations SET status = 'cancelled', cancelled_at = %s WHERE id = %s RETURNING *",
        (now, reservation_id),
    ).fetchone()
    assert row is not None
    return row


def confirm_reservation(
    conn: Connection, reservation_id: int, *, user_id: int | None
) -> tuple[dict[str, Any], Consumption]:
    """Consume exactly the reserved quantity (FIFO), which counts as available to it; then confirmed.

    Item then reservation are locked, so of two concurrent confirms the second waits and then sees `confirmed`.
    """
    res = _lock_reservation(conn, reservation_id)
    if res["status"] != "pending":
        raise Conflict(f"The reservation is {res['status']}", "invalid_state")
    if res["reserved_until"] <= clock.now():
        raise Conflict("The reservation has expired", "reservation_expired")
    op = new_operation(
        conn,
        "reservation_confirm",
        res["module_key"],
        user_id=user_id,
        ref_id=reservation_id,
        purpose=f"Reservation {reservation_id}",
    )
    [used] = consume(
        conn,
        [ConsumeLine(item_id=int(res["item_id"]), quantity=res["quantity"])],
        operation_id=op,
        module_key=res["module_key"],
        user_id=user_id,
        reservation_id=reservation_id,
    )
    row = conn.execute(
        """UPDATE reservations SET status = 'confirmed', confirmed_at = %s, operation_id = %s
            WHERE id = %s RETURNING *""",
        (clock.now(), op, reservation_id),
    ).fetchone()
    assert row is not None
    return row, used


def expire_due_reservations(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Every pending reservation with reserved_until ≤ now becomes expired (the scheduled job).

    Expiring a reservation changes its item's pending_reserved_qty (a trigger of migration 0030), so the job
    follows the global lock order: the items of the due reservations first (ascending), then the reservations. A
    confirm or cancel of one of them that got its item lock first is waited for; afterwards the row is re-checked
    and skipped when no longer pending. The set of due reservations only shrinks meanwhile (a new reservation's
    reserved_until is in the future), so no due row is missed.
    """
    due = conn.execute(
        "SELECT DISTINCT item_id FROM reservations WHERE status = 'pending' AND reserved_until <= %s", (now,)
    ).fetchall()
    item_ids = sorted(int(r["item_id"]) for r in due)
    if not item_ids:
        return []
    conn.execute("SELECT id FROM items WHERE id = ANY(%s) ORDER BY id FOR UPDATE", (item_ids,))
    return conn.execute(
        """UPDATE reservations SET status = 'expired', expired_at = %(now)s
            WHERE status = 'pending' AND reserved_until <= %(now)s AND item_id = ANY(%(items)s)
           RETURNING id, item_id, quantity, module_key, reserved_until""",
        {"now": now, "items": item_ids},
    ).fetchall()
