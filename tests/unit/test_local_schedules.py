"""The local scheduler's reading of EventBridge Scheduler expressions, and of the template's schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from local.schedules import Schedule
from local.template_routes import api_config


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "zone", "after", "expected"),
    [
        ("rate(15 minutes)", "UTC", "2025-03-01 10:07:31", "2025-03-01 10:15:00"),
        ("rate(15 minutes)", "UTC", "2025-03-01 10:15:00", "2025-03-01 10:30:00"),
        ("rate(1 hour)", "UTC", "2025-03-01 10:07:00", "2025-03-01 11:00:00"),
        ("cron(0 6 * * ? *)", "UTC", "2025-03-01 05:59:59", "2025-03-01 06:00:00"),
        ("cron(0 6 * * ? *)", "UTC", "2025-03-01 06:00:00", "2025-03-02 06:00:00"),
        # 06:00 in Auckland (UTC+13 in March) is 17:00 UTC the day before.
        ("cron(0 6 * * ? *)", "Pacific/Auckland", "2025-03-09 12:00:00", "2025-03-09 17:00:00"),
        # Daylight saving ends there on 6 April: 06:00 NZST is 18:00 UTC.
        ("cron(0 6 * * ? *)", "Pacific/Auckland", "2025-04-06 12:00:00", "2025-04-06 18:00:00"),
        ("cron(30 6 * * ? *)", "Asia/Kolkata", "2025-03-01 00:00:00", "2025-03-01 01:00:00"),
        # Weekdays count from Sunday = 1: MON-FRI skips the weekend (1 March 2025 is a Saturday).
        ("cron(0 6 ? * MON-FRI *)", "UTC", "2025-03-01 07:00:00", "2025-03-03 06:00:00"),
        ("cron(0 6 ? * 2 *)", "UTC", "2025-03-01 07:00:00", "2025-03-03 06:00:00"),
        ("cron(0/20 8-9 1 JAN,MAR ? 2025)", "UTC", "2025-01-01 09:45:00", "2025-03-01 08:00:00"),
        ("cron(5 */6 * * ? *)", "UTC", "2025-03-01 06:06:00", "2025-03-01 12:05:00"),
    ],
)
def test_next_run(expression: str, zone: str, after: str, expected: str) -> None:
    assert Schedule(expression, zone).next_after(utc(after)) == utc(expected)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 6 L * ? *)", "not supported"),
        ("cron(0 6 ? * 2#1 *)", "not supported"),
        ("cron(0 24 * * ? *)", "not in 0-23"),
        ("cron(0 6 * * ?)", "6 fields"),
        ("at(2025-03-01T06:00:00)", "unsupported"),
        ("cron(0 6 31 FEB ? *)", "never runs"),
    ],
)
def test_unsupported_or_wrong_expressions_are_refused(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Schedule(expression)


def test_template_schedules_with_parameters_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FARM_TIMEZONE", raising=False)
    monkeypatch.delenv("DIGEST_HOUR", raising=False)
    timetable = api_config().timetable
    assert timetable["ReservationExpiryFunction"] == Schedule("rate(15 minutes)", "UTC")
    assert timetable["DigestFunction"] == Schedule("cron(0 6 * * ? *)", "UTC")
    # Locally the functions' environment variables stand for the parameters they come from.
    monkeypatch.setenv("FARM_TIMEZONE", "Africa/Lagos")
    monkeypatch.setenv("DIGEST_HOUR", "7")
    assert api_config().timetable["DigestFunction"] == Schedule("cron(0 7 * * ? *)", "Africa/Lagos")
