"""Powertools logger and metrics shared by every function (JSON logs with the API Gateway request id)."""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "farm-erp"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "FarmErp"))

# Most requests publish no business metric; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")
