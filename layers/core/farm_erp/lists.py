"""The list envelope and its query parameters (spec core §0)."""

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

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> None:
        self.page = page
        self.limit = limit

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


Paging = Annotated[PageParams, Depends()]


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

    def __init__(
        self,
        from_: Annotated[date | None, Query(alias="from")] = None,
        to: Annotated[date | None, Query()] = None,
    ) -> None:
        if from_ is not None and to is not None and from_ > to:
            raise invalid("from", "from must not be after to", where="query")
        self.from_ = from_
        self.to = to


Dates = Annotated[DateRange, Depends()]
