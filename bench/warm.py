"""Warm latency in process: the real handler (Powertools, Mangum, FastAPI, the route, the database) called with a
recorded API Gateway event, many times, after the container is warm. The gateway and authorizer are not in this
figure; the authorizer is measured on its own (its one DB lookup per uncached token)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.lambda_context import LambdaContext

MAIN_CALLS = 200
MIN_CALLS = 20
BUDGET_S = 2.0  # per secondary route: enough calls for a stable median without letting slow reports dominate


@dataclass
class Latency:
    calls: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    samples: list[float] = field(default_factory=list, repr=False)


def _percentile(sorted_ms: list[float], pct: float) -> float:
    idx = min(len(sorted_ms) - 1, max(0, round(pct / 100 * len(sorted_ms) + 0.5) - 1))
    return sorted_ms[idx]


def measure(call: Callable[[], bool], main: bool) -> Latency:
    """`call` runs one invocation and says whether it succeeded."""
    for _ in range(5):  # warm-up: first connection, caches, lazy imports
        call()
    probe = []
    for _ in range(5):
        t = time.perf_counter()
        call()
        probe.append(time.perf_counter() - t)
    calls = MAIN_CALLS if main else max(MIN_CALLS, min(MAIN_CALLS, int(BUDGET_S / max(statistics.median(probe), 1e-6))))
    out = Latency(calls=calls)
    for _ in range(calls):
        _sample(call, out)
    return _summarised(out)


def measure_alongside(
    call: Callable[[], bool], control: Callable[[], bool], calls: int = MAIN_CALLS
) -> tuple[Latency, Latency]:
    """`call` and `control` measured in alternation (call, control, call, ...): both see the same machine, moment by
    moment, so the control's figure says what the machine did during this measurement."""
    for _ in range(5):
        call()
        control()
    out, ctl = Latency(calls=calls), Latency(calls=calls)
    for _ in range(calls):
        _sample(call, out)
        _sample(control, ctl)
    return _summarised(out), _summarised(ctl)


def _sample(call: Callable[[], bool], into: Latency) -> None:
    t = time.perf_counter()
    ok = call()
    into.samples.append((time.perf_counter() - t) * 1000)
    into.errors += 0 if ok else 1


def _summarised(lat: Latency) -> Latency:
    ordered = sorted(lat.samples)
    lat.p50_ms = round(statistics.median(ordered), 3)
    lat.p95_ms = round(_percentile(ordered, 95), 3)
    lat.max_ms = round(ordered[-1], 3)
    return lat


def handler_call(handler: Callable[..., dict[str, Any]], event: dict[str, Any]) -> Callable[[], bool]:
    def call() -> bool:
        return int(handler(event, LambdaContext("bench")).get("statusCode", 0)) == 200

    return call


def authorizer_call(handler: Callable[..., dict[str, Any]], event: dict[str, Any]) -> Callable[[], bool]:
    def call() -> bool:
        return "policyDocument" in handler(event, LambdaContext("bench"))

    return call
