"""The one source of "now": injectable so tests can freeze time, and the farm's "today" in FARM_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from farm_erp.settings import get_settings

_frozen: datetime | None = None


def now() -> datetime:
    """The current time (UTC, aware). SQL receives this value instead of calling now()."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """The farm's calendar date."""
    return now().astimezone(ZoneInfo(get_settings().farm_timezone)).date()


def freeze(at: datetime | None) -> None:
    """Pin the clock (None releases it). Used by tests and the local gateway's test hooks."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward."""
    global _frozen
    if _frozen is None:
        raise RuntimeError("clock is not frozen")
    _frozen = _frozen + delta


def day_start(d: date) -> datetime:
    """Midnight of a farm date, as an aware datetime: inclusive `from` bounds of date filters."""
    return datetime.combine(d, datetime.min.time(), ZoneInfo(get_settings().farm_timezone))


def day_end(d: date) -> datetime:
    """Midnight after a farm date: exclusive upper bound for an inclusive `to` date."""
    return day_start(d + timedelta(days=1))
