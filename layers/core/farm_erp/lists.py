"""The list envelope and its query parameters (docs/rules.md: Conventions)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from farm_erp.errors import invalid

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


class Page(BaseModel, Generic[T]):
    """`{items, total, page, limit}`."""

    items: list[T]
    total: int
    page: int
    limit: int


def page_of(items: list[Any], total: int, params: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "page": params.page, "limit": params.limit}


class DateRange:
    """Inclusive `from` and `to` dates; `from` after `to` is 422."""

    def __init__(self, from_: date | None = None, to: date | None = None) -> None:
        if from_ is not None and to is not None and from_ > to:
            raise invalid("from", "from must not be after to", where="query")
        self.from_ = from_
        self.to = to


async def _dates(
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
) -> DateRange:
    return DateRange(from_, to)


Dates = Annotated[DateRange, Depends(_dates)]
