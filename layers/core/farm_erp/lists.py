"""The list envelope and its query parameters (docs/rules.md: Conventions)."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request

from farm_erp import clock
from farm_erp.errors import invalid
from farm_erp.fields import DeferredModel

T = TypeVar("T")
MAX_LIMIT = 200


class PageParams:
    """`?page≥1&limit=1..200` (default 50)."""

    def __init__(self, page: int = 1, limit: int = 50) -> None:
        self.page = page
        self.limit = limit

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


async def _paging(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> PageParams:
    # async: FastAPI would run a class or sync dependency in a worker thread
    return PageParams(page, limit)


Paging = Annotated[PageParams, Depends(_paging)]


async def _not_paged(request: Request) -> None:
    # A route that answers one lookup (not a list) would silently ignore paging: refuse it as a list refuses a bad
    # page, so a client that pages never mistakes one answer for the first page of many.
    for name in ("page", "limit"):
        if name in request.query_params:
            raise invalid(name, f"{name} does not apply: this route is not a paged list", where="query")


NotPaged = Depends(_not_paged)


class Page(DeferredModel, Generic[T]):
    """`{items, total, page, limit}`."""

    items: list[T]
    total: int
    page: int
    limit: int


def page_of(items: list[Any], total: int, params: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "page": params.page, "limit": params.limit}


class DateRange:
    """Inclusive `from` and `to` farm dates of a list filter, and the time bounds they stand for.

    The one date-range type of every route. `from` after `to` is 422, and so is a range whose bounds cannot be
    represented: a timestamp filter ends at midnight after `to`, so neither end may be the calendar's last day
    (9999-12-31), and a default window may not start before its first (0001-01-01). Without this an edge date
    became an OverflowError, a 500.
    """

    def __init__(self, from_: date | None = None, to: date | None = None) -> None:
        for name, value in (("from", from_), ("to", to)):
            if value is not None and value >= date.max:
                raise invalid(name, f"{name} must be before {date.max.isoformat()}", where="query")
        if from_ is not None and to is not None and from_ > to:
            raise invalid("from", "from must not be after to", where="query")
        self.from_ = from_
        self.to = to

    @property
    def since(self) -> datetime | None:
        """Inclusive lower time bound: midnight starting `from` in the farm's time zone (None: open)."""
        return None if self.from_ is None else clock.day_start(self.from_)

    @property
    def until(self) -> datetime | None:
        """Exclusive upper time bound: midnight after `to` (None: open)."""
        return None if self.to is None else clock.day_end(self.to)

    def filled(self, days: int, *, to_follows_from: bool = False) -> "DateRange":
        """Both ends given: `to` defaults to today (or to `from` when that is later and `to_follows_from`), `from`
        to the start of the `days` days ending at `to`. The from ≤ to rule applies to the result."""
        today = clock.today()
        to = self.to
        if to is None:
            to = max(today, self.from_) if to_follows_from and self.from_ is not None else today
        from_ = self.from_
        if from_ is None:
            if (to - date.min).days < days - 1:
                raise invalid("to", f"the {days} days ending at to would start before {date.min}", where="query")
            from_ = to - timedelta(days=days - 1)
        return DateRange(from_, to)


async def _dates(
    from_: Annotated[date | None, Query(alias="from", description="First day, included; not after `to` (422)")] = None,
    to: Annotated[date | None, Query(description="Last day, included")] = None,
) -> DateRange:
    return DateRange(from_, to)


Dates = Annotated[DateRange, Depends(_dates)]
