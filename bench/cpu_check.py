"""How fast the machine's CPU is at a given moment of the run: a fixed pure-Python workload, timed.

On a shared host the same code runs up to twice as slow from one minute to the next while the load average stays
near zero: the slowdown is other tenants', and the guest sees it neither as load nor as steal time. The bench times
this workload at the moments that matter (before the small store, before and after the warm routes, before the cold
starts, at the end), so a run's figures can be read against how fast the machine was when they were taken. It judges
nothing: the targets stay in milliseconds.
"""

from __future__ import annotations

import statistics
import time

ROUNDS = 5
# About 30 ms a round on a quiet 2-CPU host: long enough to be timed to a few %, short enough to run often.
_STEPS = 300_000


def _workload() -> int:
    total = 0
    for i in range(_STEPS):
        total += i * i % 7
    return total


def loop_ms(rounds: int = ROUNDS) -> float:
    """The workload's median time over `rounds` runs, in ms (the median: a check should see a slow machine, the
    minimum would hide it)."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        _workload()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def render(checks: dict[str, float]) -> str:
    """One line: each moment's figure in the order taken, and the slowest against the fastest."""
    if not checks:
        return ""
    moments = ", ".join(f"{moment} {ms:.1f}" for moment, ms in checks.items())
    spread = max(checks.values()) / min(checks.values())
    return (
        f"CPU check (a fixed Python loop, median of {ROUNDS}, ms; higher = slower machine at that moment): {moments}; "
        f"slowest/fastest {spread:.2f}"
    )
