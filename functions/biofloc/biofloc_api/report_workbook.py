"""The batch report workbook's layout (docs/rules.md: Dashboard and batch report), written by farm_erp.xlsx; the
rows come from services/reports.py.

Sheets are described by columns (title, row key, kind); the kind picks the Excel number format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Response

from farm_erp import xlsx
from farm_erp.xlsx_charts import Chart

MAX_ROWS = xlsx.MAX_ROWS
# Number formats by column kind; dates, times and timestamps are formatted by their type.
FORMATS = {
    "qty": "#,##0.000",
    "money": "#,##0.00",
    "cost": "#,##0.0000",
    "pct": "0.00",
    "int": "0",
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
    charts: Sequence[Chart] = ()


def column_index(columns: Sequence[Column], key: str) -> int:
    """Where the column of `key` lands in the sheet (charts refer to columns by index)."""
    return next(i for i, c in enumerate(columns) if c.key == key)


def _sheet(spec: Sheet) -> xlsx.Sheet:
    return xlsx.Sheet(
        spec.title,
        [c.title for c in spec.columns],
        [[row.get(c.key) for c in spec.columns] for row in spec.rows],
        {i: FORMATS[c.kind] for i, c in enumerate(spec.columns) if c.kind in FORMATS},
        charts=list(spec.charts),
    )


def response(name: str, sheets: Sequence[Sheet]) -> Response:
    """The workbook as a download named `<name>-YYYYMMDD.xlsx`."""
    return xlsx.xlsx_response(name, [_sheet(s) for s in sheets])
