"""Categories, suppliers and units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from farm_erp.db import Connection
from farm_erp.lists import PageParams
from farm_erp.sql import Filters, paged, update_columns

CATEGORY_COLUMNS = ("name", "description")
SUPPLIER_COLUMNS = ("name", "contact_person", "phone", "email", "address", "notes", "is_active")
UNIT_COLUMNS = ("name", "abbreviation", "category", "base_factor", "is_active")

# item_count is maintained by a trigger on items (migration 0030): counting the items of every row of a page
# read the whole items index each time.
_CATEGORY = """SELECT c.id, c.name, c.description, c.created_at, c.updated_at, c.item_count FROM categories c"""
_UNIT = """SELECT u.id, u.name, u.abbreviation, u.category, u.base_factor, u.is_active, u.created_at, u.updated_at,
                  u.item_count
             FROM units u"""


def list_categories(conn: Connection, q: str | None, paging: PageParams) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.search(q, "c.name")
    return paged(conn, _CATEGORY, filters, "lower(c.name), c.id", paging, count_from="categories c")


def get_category(conn: Connection, category_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_CATEGORY} WHERE c.id = %s", (category_id,)).fetchone()


def insert_category(conn: Connection, name: str, description: str | None, user_id: int) -> int:
    row = conn.execute(
        "INSERT INTO categories (name, description, created_by) VALUES (%s, %s, %s) RETURNING id",
        (name, description, user_id),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_category(conn: Connection, category_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "categories", category_id, changes, CATEGORY_COLUMNS)


def delete_category(conn: Connection, category_id: int) -> None:
    conn.execute("DELETE FROM categories WHERE id = %s", (category_id,))


def list_suppliers(
    conn: Connection, is_active: bool | None, q: str | None, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.when(is_active, "s.is_active = %(active)s", "active")
    filters.search(q, "s.name", "s.contact_person", "s.email")
    return paged(conn, "SELECT s.* FROM suppliers s", filters, "lower(s.name), s.id", paging, count_from="suppliers s")


def get_supplier(conn: Connection, supplier_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM suppliers WHERE id = %s", (supplier_id,)).fetchone()


def insert_supplier(conn: Connection, values: Mapping[str, Any], user_id: int) -> int:
    columns = [column for column in SUPPLIER_COLUMNS if column in values]
    row = conn.execute(
        f"INSERT INTO suppliers ({', '.join(columns)}, created_by) "
        f"VALUES ({', '.join('%(' + column + ')s' for column in columns)}, %(created_by)s) RETURNING id",
        {**{column: values[column] for column in columns}, "created_by": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_supplier(conn: Connection, supplier_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "suppliers", supplier_id, changes, SUPPLIER_COLUMNS)


def list_units(
    conn: Connection, category: str | None, is_active: bool | None, paging: PageParams
) -> tuple[list[dict[str, Any]], int]:
    filters = Filters()
    filters.when(category, "u.category = %(category)s", "category")
    filters.when(is_active, "u.is_active = %(active)s", "active")
    return paged(conn, _UNIT, filters, "u.category, u.id", paging, count_from="units u")


def get_unit(conn: Connection, unit_id: int) -> dict[str, Any] | None:
    return conn.execute(f"{_UNIT} WHERE u.id = %s", (unit_id,)).fetchone()


def insert_unit(conn: Connection, values: Mapping[str, Any], user_id: int) -> int:
    row = conn.execute(
        """INSERT INTO units (name, abbreviation, category, base_factor, is_active, created_by)
           VALUES (%(name)s, %(abbreviation)s, %(category)s, %(base_factor)s, %(is_active)s, %(created_by)s)
           RETURNING id""",
        {**values, "created_by": user_id},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def update_unit(conn: Connection, unit_id: int, changes: dict[str, Any]) -> None:
    update_columns(conn, "units", unit_id, changes, UNIT_COLUMNS)


def delete_unit(conn: Connection, unit_id: int) -> None:
    conn.execute("DELETE FROM units WHERE id = %s", (unit_id,))


def lock_row(conn: Connection, table: str, row_id: int) -> dict[str, Any] | None:
    """Lock a master-data row for an edit (table names are fixed by the callers)."""
    assert table in ("categories", "suppliers", "units")
    return conn.execute(f"SELECT * FROM {table} WHERE id = %s FOR UPDATE", (row_id,)).fetchone()
