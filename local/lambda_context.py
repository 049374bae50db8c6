"""A Lambda context object with the attributes handlers and Powertools read.

It is a Powertools `LambdaContext` (the type the handlers declare), filled in the way the Lambda runtime fills
its own context, so tests and the local gateway call handlers with the type they expect.
"""

from __future__ import annotations

import time
import uuid

from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext


class LambdaContext(PowertoolsLambdaContext):
    def __init__(self, function_name: str, memory_limit_in_mb: int = 512, timeout_ms: int = 29_000) -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self._memory_limit_in_mb = memory_limit_in_mb
        self._aws_request_id = str(uuid.uuid4())
        self._log_group_name = "/aws/lambda/local"
        self._log_stream_name = "local"
        self.timeout_ms = timeout_ms
        self._started = time.monotonic()

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return max(0, self.timeout_ms - int((time.monotonic() - self._started) * 1000))
