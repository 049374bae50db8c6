"""What serialising a route's answer costs, validated then dumped (FastAPI's own path) against the one pass the
routes use (farm_erp.http.serialize).

A warm route cannot be timed both ways in one run, so each main list route's real answer is captured (the bench
wraps OnePass.dump in this process; production code is untouched) and serialised both ways, alternating, many
times: p50 of each and their ratio.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from local.lambda_context import LambdaContext

RUNS = 300


def measure(handler: Callable[..., dict[str, Any]], event: dict[str, Any], runs: int = RUNS) -> dict[str, Any] | None:
    """Both paths on the answer `event` gets from `handler`; None when the route does not serialise one pass."""
    from farm_erp.http import serialize

    captured: list[tuple[serialize.OnePass, Any]] = []
    cls: Any = serialize.OnePass
    original = cls.dump

    def dump(self: serialize.OnePass, content: Any) -> bytes:
        captured.append((self, content))
        return bytes(original(self, content))

    cls.dump = dump
    try:
        handler(event, LambdaContext("bench"))
    finally:
        cls.dump = original
    if not captured:
        return None
    one_pass, content = captured[-1]
    paths: dict[str, Callable[[], bytes]] = {
        "validated": lambda: one_pass.dump_validated(content),
        "one_pass": lambda: one_pass.dump(content),
    }
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for i in range(runs):
        order = list(paths) if i % 2 else list(reversed(paths))
        for name in order:
            started = time.perf_counter()
            paths[name]()
            samples[name].append((time.perf_counter() - started) * 1000)
    validated, once = (round(statistics.median(samples[name]), 3) for name in paths)
    return {"validated_ms": validated, "one_pass_ms": once, "ratio": round(once / validated, 2), "runs": runs}


def render(rows: list[dict[str, Any]]) -> str:
    out = ["serialisation of a main route's answer, p50 ms: validated then dumped / one pass (ratio)"]
    out += [
        f"  {row['label']:<55} {row['validated_ms']:7.3f} / {row['one_pass_ms']:7.3f}  ({row['ratio']:.2f})"
        for row in rows
    ]
    return "\n".join(out)
