"""Excel files (docs/rules.md: Excel exports, also the biofloc batch report): typed numeric, date and time cells, a bold
frozen header row, columns that fit, at most 50,000 rows, served as a download.

openpyxl is imported inside workbook() only: it costs cold-start time that only the export routes should pay.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import Response

from farm_erp import clock
from farm_erp.errors import ValidationFailed
from farm_erp.settings import get_settings

if TYPE_CHECKING:
    from farm_erp.xlsx_charts import Chart

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
MAX_WIDTH = 60
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm"
NUMBER_FORMATS = {3: "#,##0.000", 4: "#,##0.0000", 2: "#,##0.00"}


@dataclass
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Excel number format per column index (the fixed scales of docs/rules.md, Conventions).
    formats: dict[int, str] = field(default_factory=dict)
    # Native charts over this sheet's columns (farm_erp.xlsx_charts), drawn right of the data; none without rows.
    charts: list[Chart] = field(default_factory=list)


def check_rows(count: int) -> None:
    """More than MAX_ROWS rows is 422 too_many_rows (callers fetch MAX_ROWS + 1 to find out)."""
    if count > MAX_ROWS:
        raise ValidationFailed(
            ["query"], f"The export has more than {MAX_ROWS} rows; narrow the filters", "too_many_rows"
        )


# A spreadsheet evaluates text that starts with these as a formula once the cell is edited (or, for "=", as soon
# as it is written as one): every string is written as a string cell, and these also get Excel's quote prefix.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# XML cannot carry most control characters, and a parser turns a raw CR into LF. OOXML escapes them as _xHHHH_
# (and a literal "_xHHHH_" as _x005F_xHHHH_), which Excel decodes back to the original text.
_OOXML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def text_cell(value: str) -> str:
    """The stored form of a text cell: OOXML escapes for what XML would lose, the rest unchanged."""
    return _OOXML_UNSAFE.sub(lambda m: f"_x{ord(m.group(0)):04X}_", value)


def _cell_value(value: Any) -> Any:
    """Excel has no time zones: timestamps are written in the farm's time zone. Other values are typed cells."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value
        return value.astimezone(ZoneInfo(get_settings().farm_timezone)).replace(tzinfo=None)
    if isinstance(value, str):
        return text_cell(value)
    if value is None or isinstance(value, (Decimal, int, float, date, time)):
        return value
    return text_cell(str(value))


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, time):
        return 5
    if isinstance(value, Decimal):
        return len(f"{value:,}") + 1
    return len(str(value))


def _cell(ws: Any, value: Any) -> Any:
    """A write-only cell; text is always a string cell, never a formula (openpyxl reads "=…" as one)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=_cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if str(value).startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    return cell


def workbook(sheets: list[Sheet]) -> bytes:
    """The .xlsx bytes of `sheets` (write-only mode: memory stays flat for 50,000 rows)."""
    from openpyxl import Workbook
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
            cell = _cell(ws, title)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            cells = []
            for i, value in enumerate(row):
                cell = _cell(ws, value)
                if isinstance(value, datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, date):
                    cell.number_format = DATE_FORMAT
                elif isinstance(value, time):
                    cell.number_format = TIME_FORMAT
                elif i in sheet.formats and value is not None:
                    cell.number_format = sheet.formats[i]
                cells.append(cell)
            ws.append(cells)
        if sheet.charts:
            from farm_erp.xlsx_charts import add_charts

            add_charts(ws, sheet.charts, len(sheet.rows), len(sheet.headers))
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
