"""The inventory workbooks (docs/rules.md: Excel exports): which sheets and columns each export has."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from farm_erp.xlsx import NUMBER_FORMATS, Sheet
from farm_erp.xlsx_charts import Chart

QTY, COST, MONEY = NUMBER_FORMATS[3], NUMBER_FORMATS[4], NUMBER_FORMATS[2]
NO_CATEGORY = "(no category)"


def by_category_sheet(items: list[dict[str, Any]]) -> Sheet:
    """Stock value per category of the exported items, largest first, with its bar chart (left out when no
    category holds any value)."""
    totals: dict[str, tuple[Decimal, int]] = {}
    for i in items:
        name = (i["category"] or {}).get("name") or NO_CATEGORY
        value, count = totals.get(name, (Decimal(0), 0))
        totals[name] = (value + Decimal(i["stock_value"]), count + 1)
    rows = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0].lower()))
    chart = Chart("bar", "Stock value by category", 0, (1,), x_title="Category", y_title="Stock value")
    return Sheet(
        "By category",
        ["Category", "Stock value", "Items"],
        [[name, value, count] for name, (value, count) in rows],
        {1: MONEY},
        charts=[chart] if any(value > 0 for _, (value, _) in rows) else [],
    )


def stock_sheets(items: list[dict[str, Any]], lots: list[dict[str, Any]]) -> list[Sheet]:
    stock = Sheet(
        "Stock",
        [
            "SKU",
            "Item",
            "Category",
            "Unit",
            "On hand",
            "Reserved",
            "Available",
            "Reorder threshold",
            "Stock value",
            "Low stock",
        ],
        [
            [
                i["sku"],
                i["name"],
                (i["category"] or {}).get("name"),
                i["unit"]["abbreviation"],
                i["on_hand_qty"],
                i["reserved_qty"],
                i["available_qty"],
                i["reorder_threshold"],
                i["stock_value"],
                "Yes" if i["is_low_stock"] else "No",
            ]
            for i in items
        ],
        {4: QTY, 5: QTY, 6: QTY, 7: QTY, 8: MONEY},
    )
    lot_sheet = Sheet(
        "Lots",
        ["SKU", "Item", "Lot", "Received", "Expiry", "Remaining", "Unit cost", "Value", "Supplier"],
        [
            [
                lot["sku"],
                lot["item_name"],
                lot["lot_number"],
                lot["received_date"],
                lot["expiry_date"],
                lot["remaining_qty"],
                lot["unit_cost"],
                lot["value"],
                lot["supplier_name"],
            ]
            for lot in lots
        ],
        {5: QTY, 6: COST, 7: MONEY},
    )
    return [stock, lot_sheet, by_category_sheet(items)]


def ledger_sheets(rows: list[dict[str, Any]]) -> list[Sheet]:
    return [
        Sheet(
            "Ledger",
            [
                "Date",
                "SKU",
                "Item",
                "Type",
                "Lot",
                "Qty change",
                "Unit cost",
                "Cost",
                "Balance after",
                "Module",
                "Operation",
                "User",
            ],
            [
                [
                    r["occurred_at"],
                    r["sku"],
                    r["item_name"],
                    r["type"],
                    r["lot_number"],
                    r["qty_change"],
                    r["unit_cost"],
                    r["cost"],
                    r["balance_after"],
                    r["module_key"],
                    r["operation_id"],
                    r["user_email"],
                ]
                for r in rows
            ],
            {5: QTY, 6: COST, 7: MONEY, 8: QTY},
        )
    ]


def po_sheets(pos: list[dict[str, Any]], lines: list[dict[str, Any]]) -> list[Sheet]:
    return [
        Sheet(
            "Purchase orders",
            ["PO number", "Supplier", "PO date", "Expected", "Status", "Total", "Received value"],
            [
                [
                    p["po_number"],
                    p["supplier_name"],
                    p["po_date"],
                    p["expected_delivery"],
                    p["status"],
                    p["total_amount"],
                    p["received_value"],
                ]
                for p in pos
            ],
            {5: MONEY, 6: MONEY},
        ),
        Sheet(
            "Lines",
            ["PO number", "SKU", "Item", "Ordered", "Received", "Unit cost", "Line total"],
            [
                [
                    ln["po_number"],
                    ln["sku"],
                    ln["item_name"],
                    ln["ordered_qty"],
                    ln["received_qty"],
                    ln["unit_cost"],
                    ln["line_total"],
                ]
                for ln in lines
            ],
            {3: QTY, 4: QTY, 5: COST, 6: MONEY},
        ),
    ]
