"""EventBridge Scheduler expressions, for the local scheduler: `rate(n unit)` and `cron(min hour dom month dow year)`
evaluated in the schedule's time zone, as the template declares them.

Supported cron syntax: `*`, `?`, numbers, lists `a,b`, ranges `a-b`, steps `*/n` and `a/n`, and day or month names.
`L`, `W` and `#` are refused with a clear error rather than read wrongly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
# EventBridge numbers the days of the week 1-7 from Sunday.
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_SEARCH_DAYS = 5 * 366


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """The values a cron field allows; None for `*` or `?` (anything)."""
    if text in ("*", "?"):
        return None
    if any(c in text for c in "LW#"):
        raise ValueError(f"cron field {text!r}: L, W and # are not supported locally")
    values: set[int] = set()

    def number(token: str) -> int:
        value = (names or {}).get(token.upper()) if not token.isdigit() else int(token)
        if value is None or not low <= value <= high:
            raise ValueError(f"cron field {text!r}: {token!r} is not in {low}-{high}")
        return value

    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"cron field {text!r}: step must be positive")
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = number(a), number(b)
        else:
            first = number(base)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int] | None
    hours: frozenset[int] | None
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None
    years: frozenset[int] | None

    @classmethod
    def parse(cls, body: str) -> Cron:
        parts = body.split()
        if len(parts) != 6:
            raise ValueError(f"cron({body}) needs 6 fields: minutes hours day-of-month month day-of-week year")
        return cls(
            _field(parts[0], 0, 59),
            _field(parts[1], 0, 23),
            _field(parts[2], 1, 31),
            _field(parts[3], 1, 12, _MONTHS),
            _field(parts[4], 1, 7, _DAYS),
            _field(parts[5], 1970, 2199),
        )

    def matches_day(self, d: date) -> bool:
        weekday = (d.weekday() + 1) % 7 + 1  # Monday is 0 in Python, 2 in EventBridge
        return all(
            allowed is None or value in allowed
            for allowed, value in (
                (self.days, d.day),
                (self.months, d.month),
                (self.weekdays, weekday),
                (self.years, d.year),
            )
        )


@dataclass(frozen=True)
class Schedule:
    """One ScheduleV2 event of the template: its expression and the time zone a cron expression is read in."""

    expression: str
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        self.next_after(datetime(2025, 1, 1, tzinfo=UTC))  # refuse a malformed expression at load time

    @property
    def period(self) -> int | None:
        """Seconds between runs of a rate expression; None for cron."""
        m = _RATE.match(self.expression.strip())
        return int(m.group(1)) * _UNIT_SECONDS[m.group(2).rstrip("s")] if m else None

    def next_after(self, after: datetime) -> datetime:
        """The first run strictly after `after` (aware). Rate schedules run on the boundaries of their period."""
        period = self.period
        if period is not None:
            stamp = after.timestamp()
            return datetime.fromtimestamp(stamp - stamp % period + period, UTC)
        m = _CRON.match(self.expression.strip())
        if m is None:
            raise ValueError(f"unsupported schedule expression {self.expression!r}")
        cron = Cron.parse(m.group(1))
        zone = ZoneInfo(self.timezone)
        start = after.astimezone(zone).date()
        hours = sorted(cron.hours if cron.hours is not None else range(24))
        minutes = sorted(cron.minutes if cron.minutes is not None else range(60))
        for offset in range(_SEARCH_DAYS):
            day = start + timedelta(days=offset)
            if not cron.matches_day(day):
                continue
            for hour in hours:
                for minute in minutes:
                    at = datetime.combine(day, time(hour, minute), zone)
                    if at > after:
                        return at.astimezone(UTC)
        raise ValueError(f"{self.expression!r} never runs in the next {_SEARCH_DAYS} days")
