"""The batch report workbook (spec biofloc §3.9.2, format of inventory §3.7): typed cells, bold frozen headers.

openpyxl is imported inside build() only: it costs cold-start time every other route should not pay.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from farm_erp.settings import get_settings

MAX_ROWS = 50_000
WIDTH_MIN, WIDTH_MAX = 8, 50
FORMATS = {
    "qty": "#,##0.000",
    "money": "#,##0.00",
    "cost": "#,##0.0000",
    "pct": "0.00",
    "int": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "time": "hh:mm",
    "text": "@",
    "dec": "0.0000",
}


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    kind: str = "text"


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]


def _cell(value: Any) -> Any:
    """openpyxl takes Decimal, int, date and naive datetimes; aware times are shown in the farm's time zone."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(get_settings().farm_timezone)).replace(tzinfo=None)
        return value
    if value is None or isinstance(value, (Decimal, int, float, date, time, str)):
        return value
    return str(value)


def build(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for spec in sheets:
        ws = wb.create_sheet(spec.title)
        ws.append([c.title for c in spec.columns])
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        widths = [len(c.title) for c in spec.columns]
        for row in spec.rows:
            values = [_cell(row.get(c.key)) for c in spec.columns]
            ws.append(values)
            for i, v in enumerate(values):
                widths[i] = max(widths[i], len(str(v)) if v is not None else 0)
        for i, col in enumerate(spec.columns, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = min(max(widths[i - 1] + 2, WIDTH_MIN), WIDTH_MAX)
            if col.kind != "text" and col.kind != "auto":
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = FORMATS[col.kind]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
