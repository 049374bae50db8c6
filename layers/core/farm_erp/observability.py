"""Powertools logger and metrics shared by every function (JSON logs with the API Gateway request id).

The layer's own modules log through the standard library (`logging.getLogger(__name__)`, so `farm_erp.db` and
`farm_erp.migrate` need no Powertools import). Their parent logger `farm_erp` is given the Powertools handler, so
their lines are the same JSON, with the invocation's keys (request id, correlation id) and the logger's name.
"""

from __future__ import annotations

import logging
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from farm_erp.settings import get_settings

# `name` is a key Powertools fills from each record; given here rather than added by the copy below, it survives
# the `clear_state` every handler asks for, so a line from farm_erp.db still says where it comes from.
logger = Logger(service=get_settings().service_name, name="%(name)s")
metrics = Metrics(namespace=get_settings().powertools_metrics_namespace)

# The copy only reaches loggers that exist: registering the parent first makes it independent of import order
# (a `farm_erp.*` logger created later propagates to it).
logging.getLogger("farm_erp")
copy_config_to_registered_loggers(source_logger=logger, include={"farm_erp"})

# Most requests publish no business metric; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")
