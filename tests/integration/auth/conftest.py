"""Helpers for the auth tests: sign in through the API, read the outbox, look at what the API wrote."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from farm_erp import settings
from tests.support.client import ApiClient, Response
from tests.support.factories import DEFAULT_PASSWORD


@pytest.fixture
def login(api: ApiClient) -> Callable[..., Response]:
    """`login("u@farm.test", password=..., ip=..., ua=...)` → the raw response."""

    def do(email: str, password: str = DEFAULT_PASSWORD, *, ip: str | None = None, ua: str | None = None) -> Response:
        headers = {"User-Agent": ua} if ua else None
        return api.post("/auth/login", json={"email": email, "password": password}, ip=ip, headers=headers)

    return do


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """MAIL_OUTBOX_DIR pointed at a temporary folder (settings re-read)."""
    folder = tmp_path / "outbox"
    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(folder))
    settings.reset_caches()
    yield folder
    monkeypatch.delenv("MAIL_OUTBOX_DIR")
    settings.reset_caches()
