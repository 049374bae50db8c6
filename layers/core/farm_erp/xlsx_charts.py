"""Native Excel charts (openpyxl.chart) over a sheet written by farm_erp.xlsx.

A chart is described by column indexes of its sheet: the x values (dates or category names) and one or more value
columns, whose header cell names the series. Each series refers to the cells (header in row 1, data from row 2), so
Excel and LibreOffice draw it from the sheet itself. A sheet without data rows gets no chart: an empty frame tells
nobody anything.

openpyxl is imported when a chart is built, never at import: the routes that describe charts are loaded at every cold
start, and only the export itself should pay for openpyxl.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# Rows of the sheet's grid a chart covers (about 15 cm): anchors of stacked charts are this far apart.
CHART_ROWS = 20


@dataclass(frozen=True)
class Chart:
    kind: Literal["line", "bar"]
    title: str
    x_column: int  # 0-based column of the x values
    value_columns: tuple[int, ...]  # 0-based columns of the series
    x_title: str | None = None
    y_title: str | None = None
    dates: bool = False  # the x values are dates: a time axis, spaced by date


def _build(spec: Chart, ws: Any, rows: int) -> Any:
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.chart.axis import DateAxis

    chart: Any = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind == "bar":
        chart.type = "col"
        chart.legend = None if len(spec.value_columns) == 1 else chart.legend
    chart.title = spec.title
    chart.width, chart.height = 18, 9
    if spec.dates:
        chart.x_axis = DateAxis(crossAx=100)
        chart.x_axis.number_format = "yyyy-mm-dd"
        chart.x_axis.majorTimeUnit = "days"
    chart.x_axis.title = spec.x_title
    chart.y_axis.title = spec.y_title
    # openpyxl leaves <c:delete> out, which recent Excel reads as "axis hidden".
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    for column in spec.value_columns:
        values = Reference(ws, min_col=column + 1, max_col=column + 1, min_row=1, max_row=rows + 1)
        chart.add_data(values, titles_from_data=True)
    chart.set_categories(
        Reference(ws, min_col=spec.x_column + 1, max_col=spec.x_column + 1, min_row=2, max_row=rows + 1)
    )
    if spec.kind == "line":
        for series in chart.series:
            series.marker.symbol = "circle"
            series.smooth = False
    return chart


def add_charts(ws: Any, charts: list[Chart], rows: int, columns: int) -> int:
    """Place `charts` right of the data, one below the other; returns how many were added (none without rows)."""
    if rows == 0:
        return 0
    from openpyxl.utils import get_column_letter

    column = get_column_letter(columns + 2)
    for i, spec in enumerate(charts):
        ws.add_chart(_build(spec, ws, rows), f"{column}{2 + i * CHART_ROWS}")
    return len(charts)
