"""The bench's CPU check: a figure per moment of the run, printed in the order taken with the spread between the
slowest and the fastest, so a run's latencies can be read against how fast the machine was at the time."""

from __future__ import annotations

from bench import cpu_check
from bench.report import render


def test_loop_is_timed() -> None:
    ms = cpu_check.loop_ms(rounds=3)
    assert 0 < ms < 10_000


def test_render_lists_moments_in_order_with_spread() -> None:
    line = cpu_check.render({"start": 30.0, "before the warm routes": 31.5, "after them": 60.0})
    assert "start 30.0, before the warm routes 31.5, after them 60.0" in line
    assert line.endswith("slowest/fastest 2.00")


def test_no_checks_no_line() -> None:
    assert cpu_check.render({}) == ""


def test_report_prints_the_check_under_the_machine_line() -> None:
    text = render({"machine": "test host", "cpu_check": {"start": 20.0, "end": 25.0}})
    lines = text.splitlines()
    assert lines[0] == "Farm ERP bench — test host"
    assert lines[1].startswith("CPU check") and "start 20.0, end 25.0" in lines[1]
