"""The sample events in events/biofloc_*.json drive the handler directly (as `sam local invoke -e` would)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from local.lambda_context import LambdaContext
from tests.integration.biofloc.conftest import Farm
from tests.support.factories import as_caller

EVENTS = Path(__file__).resolve().parents[3] / "events"


def _invoke(name: str, farm: Farm) -> dict[str, Any]:
    from biofloc_api.main import handler

    event = json.loads((EVENTS / f"{name}.json").read_text())
    return handler(as_caller(event, farm.sql, farm.user_id), LambdaContext("BioflocFunction"))


def test_sample_events(farm: Farm) -> None:
    farm.tank("T1")
    farm.stock_in("FEED-32", "kg", "100", "40.0000")
    farm.stock_in("FEED-ST", "g", "5000", "0.0500")
    farm.day("2025-01-10")
    created = _invoke("biofloc_create_batch", farm)
    assert created["statusCode"] == 201, created
    fed = _invoke("biofloc_create_feeding", farm)
    assert fed["statusCode"] == 201, fed
    assert json.loads(fed["body"])["total_cost"] == "1300.00"
    water = _invoke("biofloc_create_water_test", farm)
    assert json.loads(water["body"])["evaluation"]["overall"] == "danger"
    tanks = json.loads(_invoke("biofloc_list_tanks", farm)["body"])
    assert tanks["limit"] == 20 and tanks["items"][0]["current_batch"]["code"] == "B1"
    report = _invoke("biofloc_batch_report", farm)
    assert report["statusCode"] == 200 and report["isBase64Encoded"] is True
    assert "Feeding" in load_workbook(io.BytesIO(base64.b64decode(report["body"]))).sheetnames
