"""The stock export's "By category" sheet and its native bar chart of stock value per category."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from tests.integration.inventory.conftest import Inv
from tests.support.xlsx_parts import Series, charts_by_sheet


def category(inv: Inv, name: str) -> int:
    return int(inv.ok("POST", "/inventory/categories", 201, json={"name": name})["id"])


def export(inv: Inv, **params: Any) -> bytes:
    r = inv.get("/inventory/exports/stock.xlsx", params=params)
    assert r.status_code == 200, r
    return r.content


def test_stock_value_by_category_chart(inv: Inv) -> None:
    feed, chem, spare = category(inv, "Feed"), category(inv, "Chemicals"), category(inv, "Spare")
    for sku, cat, qty, cost in (
        ("FEED-A", feed, "100", "2"),
        ("FEED-B", feed, "10", "5"),
        ("CHEM", chem, "30", "10"),
        ("LOOSE", None, "5", "1"),
        ("EMPTY", spare, None, None),
    ):
        item = inv.item(sku, category_id=cat) if cat else inv.item(sku)
        if qty and cost:
            inv.add(item["id"], qty, cost)

    content = export(inv)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["Stock", "Lots", "By category"]
    rows = list(wb["By category"].iter_rows(values_only=True))
    assert rows == [
        ("Category", "Stock value", "Items"),
        ("Chemicals", 300, 1),
        ("Feed", 250, 2),
        ("(no category)", 5, 1),
        ("Spare", 0, 1),
    ]
    charts = charts_by_sheet(content)
    assert charts["Stock"] == charts["Lots"] == []
    (chart,) = charts["By category"]
    assert (chart.kind, chart.title) == ("barChart", "Stock value by category")
    assert chart.series == (Series("'By category'!B1", "'By category'!$A$2:$A$5", "'By category'!$B$2:$B$5"),)

    # The export's filters apply to the chart too.
    filtered = export(inv, category_id=feed)
    assert list(load_workbook(io.BytesIO(filtered))["By category"].iter_rows(min_row=2, values_only=True)) == [
        ("Feed", 250, 2)
    ]
    (chart,) = charts_by_sheet(filtered)["By category"]
    # One row: a single-cell reference.
    assert chart.series == (Series("'By category'!B1", "'By category'!$A$2", "'By category'!$B$2"),)


def test_no_stock_value_no_chart(inv: Inv) -> None:
    assert charts_by_sheet(export(inv)) == {"Stock": [], "Lots": [], "By category": []}
    inv.item("EMPTY")
    content = export(inv)
    assert list(load_workbook(io.BytesIO(content))["By category"].iter_rows(min_row=2, values_only=True)) == [
        ("(no category)", 0, 1)
    ]
    assert charts_by_sheet(content)["By category"] == []
