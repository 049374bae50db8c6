"""The batch report's data: the performance summary plus one sheet per event type (laid out by report_workbook)."""

from __future__ import annotations

from decimal import Decimal

from fastapi import Response

from biofloc_api import report_workbook
from biofloc_api.queries import batches as batch_queries
from biofloc_api.queries import events as event_queries
from biofloc_api.queries import feedings as feeding_queries
from biofloc_api.queries import inputs as input_queries
from biofloc_api.queries import water as water_queries
from biofloc_api.report_workbook import Column, Sheet
from biofloc_api.services.batches import performance_of
from biofloc_api.services.common import batch_or_404
from biofloc_api.water import PARAMETERS
from farm_erp import clock
from farm_erp.db import Connection
from farm_erp.errors import ValidationFailed
from farm_erp.xlsx_charts import Chart

# (label, key in the performance report, unit)
SUMMARY = [
    ("Batch", "batch_code", ""),
    ("Species", "species", ""),
    ("Status", "status", ""),
    ("Final", "is_final", ""),
    ("Tank", "tank_code", ""),
    ("Stocking date", "stocking_date", ""),
    ("Origin stocking date", "origin_stocking_date", ""),
    ("End date", "end_date", ""),
    ("Days", "days", "d"),
    ("Initial count", "initial_count", "fish"),
    ("Current count", "current_count", "fish"),
    ("Mortality", "total_mortality", "fish"),
    ("Harvested", "harvested_count", "fish"),
    ("Graded out", "graded_out_count", "fish"),
    ("Initial weight", "initial_avg_weight_g", "g"),
    ("End weight", "w_end_g", "g"),
    ("Initial biomass", "initial_biomass_kg", "kg"),
    ("Current biomass", "current_biomass_kg", "kg"),
    ("Harvested", "harvested_kg", "kg"),
    ("Graded out", "graded_out_kg", "kg"),
    ("Output", "output_kg", "kg"),
    ("Gain", "gain_kg", "kg"),
    ("Feed", "total_feed_kg", "kg"),
    ("FCR", "fcr", ""),
    ("Survival", "survival_pct", "%"),
    ("Mortality rate", "mortality_pct", "%"),
    ("SGR", "sgr", "%/day"),
    ("ADG", "adg_g", "g/fish/day"),
    ("Biomass gain", "biomass_gain_kg_per_day", "kg/day"),
    ("Density", "density_kg_per_m3", "kg/m³"),
    ("Density", "density_fish_per_m3", "fish/m³"),
    ("Total cost", "total_cost", "money"),
    ("Net cost", "net_cost", "money"),
    ("Revenue", "revenue", "money"),
    ("Gross profit", "gross_profit", "money"),
    ("Cost per kg", "cost_per_kg", "money/kg"),
    ("Profit per kg", "profit_per_kg", "money/kg"),
    ("ROI", "roi_pct", "%"),
]
SAMPLING_COLUMNS = [
    Column("Date", "sample_date", "date"),
    Column("Tank", "tank_code"),
    Column("Sample size", "sample_size", "int"),
    Column("Avg g", "avg_weight_g", "qty"),
    Column("Min g", "min_weight_g", "qty"),
    Column("Max g", "max_weight_g", "qty"),
    Column("Avg cm", "avg_length_cm", "qty"),
    Column("Std dev g", "std_dev_g", "qty"),
    Column("Condition factor", "condition_factor", "qty"),
    # Where the batch stood on each sampling day: the data of the biomass and feed chart.
    Column("Fish", "fish", "int"),
    Column("Biomass kg", "biomass_kg", "qty"),
    Column("Cumulative feed kg", "cumulative_feed_kg", "qty"),
]
COST_LINES = ["fingerling", "feed", "chemical", "labour", "utilities", "other", "transfer_in", "transfer_out"]


def growth_charts(fcr: Decimal | None) -> list[Chart]:
    """Average weight, and biomass with cumulative feed, over the sampling dates (left out without samplings)."""
    date = 0

    def col(key: str) -> int:
        return report_workbook.column_index(SAMPLING_COLUMNS, key)

    return [
        Chart("line", "Average weight (g)", date, (col("avg_weight_g"),), "Date", "g", dates=True),
        Chart(
            "line",
            f"Biomass and cumulative feed (FCR {'n/a' if fcr is None else fcr})",
            date,
            (col("biomass_kg"), col("cumulative_feed_kg")),
            "Date",
            "kg",
            dates=True,
        ),
    ]


def batch_report(conn: Connection, batch_id: int) -> Response:
    """(file name, workbook bytes)."""
    batch_or_404(conn, batch_id)
    row = batch_queries.batch_view(conn, batch_id)
    assert row is not None
    perf = performance_of(row, clock.today())
    perf["net_cost"] = row["net_cost"]
    limit = report_workbook.MAX_ROWS + 1
    summary = [{"metric": label, "value": perf.get(key), "unit": unit} for label, key, unit in SUMMARY]
    summary += [{"metric": f"Cost: {c}", "value": row[c], "unit": "money"} for c in COST_LINES]
    entries = batch_queries.cost_entries_all(conn, batch_id, limit)
    sheets = [
        Sheet(
            "Summary", [Column("Metric", "metric"), Column("Value", "value", "auto"), Column("Unit", "unit")], summary
        ),
        Sheet(
            "Feeding",
            [
                Column("Date", "feeding_date", "date"),
                Column("Session", "session_number", "int"),
                Column("Time", "feed_time", "time"),
                Column("Tank", "tank_code"),
                Column("SKU", "sku"),
                Column("Item", "item_name"),
                Column("Feed kg", "quantity_kg", "qty"),
                Column("Item qty", "item_qty", "qty"),
                Column("Unit", "unit"),
                Column("Cost", "cost", "money"),
            ],
            feeding_queries.lines_for_batch(conn, batch_id, limit),
        ),
        Sheet(
            "Sampling",
            SAMPLING_COLUMNS,
            event_queries.samplings_with_growth(conn, batch_id, limit),
            growth_charts(perf.get("fcr")),
        ),
        Sheet(
            "Mortality",
            [
                Column("Date", "mortality_date", "date"),
                Column("Tank", "tank_code"),
                Column("Count", "count", "int"),
                Column("Cause", "cause"),
                Column("Avg g", "avg_weight_g", "qty"),
                Column("Biomass loss kg", "biomass_loss_kg", "qty"),
            ],
            event_queries.all_for_batch(conn, "mortalities", batch_id, limit),
        ),
        Sheet(
            "Harvests",
            [
                Column("Date", "harvest_date", "date"),
                Column("Type", "harvest_type"),
                Column("Tank", "tank_code"),
                Column("Fish", "fish_count", "int"),
                Column("Weight kg", "total_weight_kg", "qty"),
                Column("Avg g", "avg_weight_g", "qty"),
                Column("Grade A kg", "grade_a_kg", "qty"),
                Column("Grade B kg", "grade_b_kg", "qty"),
                Column("Grade C kg", "grade_c_kg", "qty"),
                Column("Reject kg", "reject_kg", "qty"),
                Column("Buyer", "buyer_name"),
                Column("Price per kg", "price_per_kg", "money"),
                Column("Revenue", "revenue", "money"),
            ],
            event_queries.all_for_batch(conn, "harvests", batch_id, limit),
        ),
        Sheet(
            "Costs",
            [
                Column("Date", "entry_date", "date"),
                Column("Category", "category"),
                Column("Amount", "amount", "money"),
                Column("Description", "description"),
            ],
            entries,
        ),
        Sheet(
            "Tank inputs",
            [
                Column("Date", "input_date", "date"),
                Column("Tank", "tank_code"),
                Column("Type", "input_type"),
                Column("SKU", "sku"),
                Column("Item", "item_name"),
                Column("Quantity", "quantity", "qty"),
                Column("Unit", "unit"),
                Column("Unit cost", "unit_cost", "cost"),
                Column("Total cost", "total_cost", "money"),
                Column("Reason", "reason"),
            ],
            input_queries.inputs_for_batch(conn, batch_id, limit),
        ),
        Sheet(
            "Water tests",
            [
                Column("Tested at", "tested_at", "datetime"),
                Column("Tank", "tank_code"),
                *[Column(p, p, "qty") for p in PARAMETERS],
            ],
            water_queries.tests_for_batch(conn, batch_id, limit),
        ),
    ]
    for sheet in sheets:
        if len(sheet.rows) > report_workbook.MAX_ROWS:
            raise ValidationFailed(
                ["query"], f"Sheet {sheet.title} would exceed {report_workbook.MAX_ROWS} rows", "too_many_rows"
            )
    return report_workbook.response(f"batch-{row['code']}", sheets)
