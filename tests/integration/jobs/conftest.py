"""After every test here: the maintained figures equal a fresh computation."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.figures import check_figures


@pytest.fixture(autouse=True)
def _maintained_figures(db_url: str) -> Iterator[None]:
    yield
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        check_figures(conn)
