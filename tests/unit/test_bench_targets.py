"""The bench holds each measured route to its target: dashboards and reports to 10 ms, other lists to 5, reads by id
to 2. A route the bench misclassified would be judged against the wrong number, or not at all."""

from __future__ import annotations

import pytest

from bench.report import TARGETS
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


def test_each_kind_is_held_to_its_documented_target() -> None:
    # docs/performance.md: a read by id 2 ms, a list 5 ms, a dashboard or report 10 ms; a plain read has no verdict.
    assert TARGETS == {"detail": 2.0, "list": 5.0, "report": 10.0}
