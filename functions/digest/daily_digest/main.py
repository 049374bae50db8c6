"""Lambda entry point of the morning digest: `{"scheduled_time": "<ISO 8601>"}` from EventBridge Scheduler."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from daily_digest import service
from farm_erp import jobs
from farm_erp.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Mail each active user the day's digest of the modules they may read, once per user and farm day."""
    try:
        result = service.run_daily_digest(jobs.scheduled_time_of(event))
    except service.DigestIncomplete:
        metrics.add_metric(name="DigestRunsIncomplete", unit=MetricUnit.Count, value=1)
        raise
    if result.status == "succeeded":
        metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=result.sent)
    return result.as_dict()


init_done()
