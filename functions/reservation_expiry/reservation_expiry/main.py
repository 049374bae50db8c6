"""Lambda entry point of the reservation-expiry job: `{"scheduled_time": "<ISO 8601>"}` from EventBridge Scheduler."""

from __future__ import annotations

# isort: off
# First: the imports below run with the cyclic GC paused (see farm_erp.coldstart).
from farm_erp.coldstart import init_done

# isort: on
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from farm_erp import jobs
from farm_erp.observability import logger, metrics

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Expire due reservations and purge stale idempotency keys and rate-limit windows, once per scheduled time."""
    result = jobs.run_reservation_expiry(jobs.scheduled_time_of(event))
    if result.status == "succeeded":
        metrics.add_metric(name="ReservationsExpired", unit=MetricUnit.Count, value=result.expired)
    return result.as_dict()


init_done()
