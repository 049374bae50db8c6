"""The batch report's native charts: average weight, and biomass with cumulative feed (FCR in the title), over the
Sampling sheet's own cells; a batch without samplings gets no chart at all."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from openpyxl import load_workbook

from tests.integration.biofloc.conftest import Farm
from tests.support.xlsx_parts import Series, charts_by_sheet


def report(farm: Farm, batch_id: int) -> bytes:
    r = farm.get(f"/biofloc/batches/{batch_id}/report.xlsx")
    assert r.status_code == 200, r
    return r.content


def test_growth_charts_point_at_the_sampling_cells(farm: Farm) -> None:
    farm.stock_in("FEED-1", "kg", "500", "1")
    farm.day("2025-02-01")
    tank = farm.tank("T1")
    bid = farm.batch("B1", tank["id"], "2025-01-01", 1000, "10")["id"]
    for day, kg in (("2025-01-05", "10"), ("2025-01-15", "20"), ("2025-01-25", "30")):
        farm.ok(farm.feed(tank["id"], day, 1, [("FEED-1", kg)]))
    farm.ok(farm.post("/biofloc/mortalities", {"batch_id": bid, "mortality_date": "2025-01-10", "count": 50}))
    for day, grams in (("2025-01-10", "20"), ("2025-01-20", "35"), ("2025-01-30", "50")):
        body = {"batch_id": bid, "sample_date": day, "sample_size": 30, "avg_weight_g": grams}
        farm.ok(farm.post("/biofloc/samplings", body))
    perf = farm.ok(farm.get(f"/biofloc/batches/{bid}/performance"), 200)
    assert perf["fcr"] == "1.600"  # 60 kg of feed for 37.5 kg of gain

    content = report(farm, bid)
    ws = load_workbook(io.BytesIO(content))["Sampling"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Date" and header[3] == "Avg g" and header[9:] == ["Fish", "Biomass kg", "Cumulative feed kg"]
    rows = [(r[0], r[3], r[9], r[10], r[11]) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert rows == [
        (datetime(2025, 1, 10), 20, 950, 19, 10),
        (datetime(2025, 1, 20), 35, 950, 33.25, 30),
        (datetime(2025, 1, 30), 50, 950, 47.5, 60),
    ]
    assert len(ws._charts) == 2  # openpyxl reads them back too

    charts = charts_by_sheet(content)
    assert {name for name, found in charts.items() if found} == {"Sampling"}
    weight, biomass = charts["Sampling"]
    assert (weight.kind, weight.title, weight.date_axis) == ("lineChart", "Average weight (g)", True)
    assert weight.series == (Series("'Sampling'!D1", "'Sampling'!$A$2:$A$4", "'Sampling'!$D$2:$D$4"),)
    assert (biomass.kind, biomass.title, biomass.date_axis) == (
        "lineChart",
        "Biomass and cumulative feed (FCR 1.600)",
        True,
    )
    assert biomass.series == (
        Series("'Sampling'!K1", "'Sampling'!$A$2:$A$4", "'Sampling'!$K$2:$K$4"),
        Series("'Sampling'!L1", "'Sampling'!$A$2:$A$4", "'Sampling'!$L$2:$L$4"),
    )


def test_no_samplings_no_chart(farm: Farm) -> None:
    tank = farm.tank("T1")
    bid = farm.batch("B1", tank["id"], "2025-01-01", 1000, "10")["id"]
    content = report(farm, bid)
    assert all(found == [] for found in charts_by_sheet(content).values())
    assert "xl/charts/chart1.xml" not in zipfile.ZipFile(io.BytesIO(content)).namelist()
