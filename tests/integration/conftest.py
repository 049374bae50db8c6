"""What every integration test runs under."""

from collections.abc import Iterator

import pytest

from farm_erp import db


@pytest.fixture(autouse=True)
def reads_checked() -> Iterator[None]:
    """A read (GET, HEAD) runs in one transaction here, and one that writes without declaring it fails
    (farm_erp.db.READ_CHECK). In production its statements commit one by one and a write would go unnoticed. The
    gateway, contract, fault and fuzz tests run reads as production does."""
    db.READ_CHECK = True
    try:
        yield
    finally:
        db.READ_CHECK = False
