"""An invoker that notes which functions the gateway invoked, around the real one: it lets a test prove that a
request was refused by the gateway before any module function ran, or that a policy came from the cache."""

from __future__ import annotations

from typing import Any

from local.gateway import Invoker
from local.template_routes import Function


class RecordingInvoker:
    def __init__(self, inner: Invoker) -> None:
        self.inner = inner
        self.calls: list[str] = []  # logical ids, in invocation order

    def invoke(self, function: Function, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(function.logical_id)
        return self.inner.invoke(function, event)

    def take(self) -> list[str]:
        """The invocations since the last take()."""
        out, self.calls = self.calls, []
        return out
