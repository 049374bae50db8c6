"""Excel exports (spec inventory §3.7): typed numeric and date cells, a bold frozen header row, fitted columns.

openpyxl is imported inside the functions that write a workbook: it costs cold-start time that only the export
routes should pay.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Response

from farm_erp import clock
from farm_erp.errors import ValidationFailed
from farm_erp.settings import get_settings

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
NUMBER_FORMATS = {3: "#,##0.000", 4: "#,##0.0000", 2: "#,##0.00"}


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Excel number format per column index (fixed scales of spec core §0).
    formats: dict[int, str] = field(default_factory=dict)


def check_rows(count: int) -> None:
    """More than MAX_ROWS rows is 422 too_many_rows (callers fetch MAX_ROWS + 1 to find out)."""
    if count > MAX_ROWS:
        raise ValidationFailed(
            ["query"], f"The export has more than {MAX_ROWS} rows; narrow the filters", "too_many_rows"
        )


def _cell_value(value: Any) -> Any:
    """Excel has no time zones: timestamps are written in the farm's time zone."""
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(get_settings().farm_timezone)).replace(tzinfo=None)
    return value


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,}") + 1
    return len(str(value))


def workbook(sheets: list[Sheet]) -> bytes:
    """The .xlsx bytes of `sheets` (write-only mode: memory stays flat for 50,000 rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        widths = [len(h) for h in sheet.headers]
        for row in sheet.rows:
            for i, value in enumerate(row):
                widths[i] = max(widths[i], _text_width(value))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_WIDTH)
        ws.freeze_panes = "A2"
        header = []
        for title in sheet.headers:
            cell = WriteOnlyCell(ws, value=title)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            cells = []
            for i, value in enumerate(row):
                cell = WriteOnlyCell(ws, value=_cell_value(value))
                if isinstance(value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, date):
                    cell.number_format = DATE_FORMAT
                elif i in sheet.formats and value is not None:
                    cell.number_format = sheet.formats[i]
                cells.append(cell)
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(name: str, sheets: list[Sheet]) -> Response:
    """The file as a download named `<name>-YYYYMMDD.xlsx` (Mangum base64-encodes the binary body)."""
    filename = f"{name}-{clock.today():%Y%m%d}.xlsx"
    return Response(
        content=workbook(sheets),
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


QTY, COST, MONEY = NUMBER_FORMATS[3], NUMBER_FORMATS[4], NUMBER_FORMATS[2]


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
    return [stock, lot_sheet]


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
