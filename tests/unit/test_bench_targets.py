"""The bench holds each measured route to its target: dashboards and reports to 10 ms, other lists to 5, reads by id
to 2. A route the bench misclassified would be judged against the wrong number, or not at all."""

from __future__ import annotations

import pytest

from bench.report import TARGETS, WARM_DETAIL_MS, WARM_LIST_MS, WARM_REPORT_MS
from bench.routes import REPORTS


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/dashboard/summary",
        "/dashboard/widgets",
        "/inventory/dashboard",
        "/biofloc/dashboard",
        "/inventory/modules/{module_key}/consumption",
        "/admin/statistics",
        "/admin/security/stats",
    ],
)
def test_dashboards_and_reports_are_reports(path: str) -> None:
    assert REPORTS.search(path)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/modules",
        "/inventory/items",
        "/inventory/items/{item_id}",
        "/inventory/alerts/low-stock",
        "/inventory/modules/{module_key}/items",
        "/biofloc/batches/{batch_id}/performance",
        "/admin/security/sessions",
    ],
)
def test_lists_and_reads_are_not_reports(path: str) -> None:
    assert not REPORTS.search(path)


def test_every_kind_with_a_verdict_has_its_target() -> None:
    assert TARGETS == {"detail": WARM_DETAIL_MS, "list": WARM_LIST_MS, "report": WARM_REPORT_MS}
    assert WARM_DETAIL_MS < WARM_LIST_MS < WARM_REPORT_MS
