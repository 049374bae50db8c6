"""Categories, suppliers and units."""

from __future__ import annotations

from typing import Any

from farm_erp.db import Connection
from inventory_api.queries.common import Where, count, update_row

CATEGORY_COLUMNS = ("name", "description")
SUPPLIER_COLUMNS = ("name", "contact_person", "phone", "email", "address", "notes", "is_active")
UNIT_COLUMNS = ("name", "abbreviation", "category", "base_factor", "is_active")

# item_count is maintained by a trigger on items (migration 0030): counting the items of every row of a page
# read the whole items index each time.
_CATEGORY = """SELECT c.id, c.name, c.description, c.created_at, c.updated_at, c.item_count FROM categories c"""
_UNIT = """SELECT u.id, u.name, u.abbreviation, u.category, u.base_factor, u.is_active, u.created_at, u.updated_at,
                  u.item_count
             FROM units u"""


def list_categories(conn: Connection, q: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    w = Where()
    if q:
        w.add("c.name ILIKE %(q)s", q=f"%{q}%")
    rows = conn.execute(
        f"{_CATEGORY} WHERE {w.sql()} ORDER BY lower(c.name), c.id LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, count(conn, f"SELECT count(*) AS n FROM categories c WHERE {w.sql()}", w.params)


def get_category(conn: Connection, category_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_CATEGORY} WHERE c.id = %s", (category_id,)).fetchone()


def insert_category(conn: Connection, values: dict[str, Any], user_id: int) -> int:
    row = conn.execute(
        "INSERT INTO categories (name, description, created_by) VALUES (%s, %s, %s) RETURNING id",
        (values["name"], values.get("description"), user_id),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_category(conn: Connection, category_id: int, changes: dict[str, Any]) -> None:
    update_row(conn, "categories", category_id, changes, CATEGORY_COLUMNS)


def delete_category(conn: Connection, category_id: int) -> None:
    conn.execute("DELETE FROM categories WHERE id = %s", (category_id,))


def list_suppliers(
    conn: Connection, is_active: bool | None, q: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    w = Where()
    if is_active is not None:
        w.add("is_active = %(active)s", active=is_active)
    if q:
        w.add("(name ILIKE %(q)s OR contact_person ILIKE %(q)s OR email ILIKE %(q)s)", q=f"%{q}%")
    rows = conn.execute(
        f"SELECT * FROM suppliers WHERE {w.sql()} ORDER BY lower(name), id LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, count(conn, f"SELECT count(*) AS n FROM suppliers WHERE {w.sql()}", w.params)


def get_supplier(conn: Connection, supplier_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM suppliers WHERE id = %s", (supplier_id,)).fetchone()


def insert_supplier(conn: Connection, values: dict[str, Any], user_id: int) -> int:
    cols = [c for c in SUPPLIER_COLUMNS if c in values]
    row = conn.execute(
        f"INSERT INTO suppliers ({', '.join(cols)}, created_by) "
        f"VALUES ({', '.join('%(' + c + ')s' for c in cols)}, %(created_by)s) RETURNING id",
        {**{c: values[c] for c in cols}, "created_by": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_supplier(conn: Connection, supplier_id: int, changes: dict[str, Any]) -> None:
    update_row(conn, "suppliers", supplier_id, changes, SUPPLIER_COLUMNS)


def list_units(
    conn: Connection, category: str | None, is_active: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    w = Where()
    if category is not None:
        w.add("u.category = %(category)s", category=category)
    if is_active is not None:
        w.add("u.is_active = %(active)s", active=is_active)
    rows = conn.execute(
        f"{_UNIT} WHERE {w.sql()} ORDER BY u.category, u.id LIMIT %(limit)s OFFSET %(offset)s",
        {**w.params, "limit": limit, "offset": offset},
    ).fetchall()
    return rows, count(conn, f"SELECT count(*) AS n FROM units u WHERE {w.sql()}", w.params)


def get_unit(conn: Connection, unit_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_UNIT} WHERE u.id = %s", (unit_id,)).fetchone()


def insert_unit(conn: Connection, values: dict[str, Any], user_id: int) -> int:
    row = conn.execute(
        """INSERT INTO units (name, abbreviation, category, base_factor, is_active, created_by)
           VALUES (%(name)s, %(abbreviation)s, %(category)s, %(base_factor)s, %(is_active)s, %(created_by)s)
           RETURNING id""",
        {**values, "created_by": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_unit(conn: Connection, unit_id: int, changes: dict[str, Any]) -> None:
    update_row(conn, "units", unit_id, changes, UNIT_COLUMNS)


def delete_unit(conn: Connection, unit_id: int) -> None:
    conn.execute("DELETE FROM units WHERE id = %s", (unit_id,))


def lock_row(conn: Connection, table: str, row_id: int) -> dict[str, Any] | None:
    """Lock a master-data row for an edit (table names are fixed by the callers)."""
    assert table in ("categories", "suppliers", "units")
    return conn.execute(f"SELECT * FROM {table} WHERE id = %s FOR UPDATE", (row_id,)).fetchone()
