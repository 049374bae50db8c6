"""HTTP caching through the gateway logic: strong ETag on GET, 304 on a current If-None-Match (no body), 200 on a
stale one, Cache-Control per kind of data, no-store on errors and writes."""

from __future__ import annotations

import pytest

from farm_erp.caching import NO_STORE, PER_USER, REFERENCE
from tests.conftest import UserFactory
from tests.support.client import ApiClient

REFERENCE_ROUTES = ["/inventory/units", "/inventory/categories", "/admin/modules", "/admin/roles"]
REFERENCE_ROUTES += ["/biofloc/water-thresholds"]
PER_USER_ROUTES = ["/auth/me", "/inventory/items", "/dashboard/summary", "/admin/users", "/biofloc/tanks"]


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [(p, REFERENCE) for p in REFERENCE_ROUTES] + [(p, PER_USER) for p in PER_USER_ROUTES],
)
def test_get_carries_a_strong_etag_and_its_cache_control(
    api: ApiClient, admin_token: str, path: str, cache_control: str
) -> None:
    first = api.get(path, token=admin_token)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == cache_control
    assert "Authorization" in [v.strip() for v in first.headers["vary"].split(",")]

    same = api.get(path, token=admin_token, headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert same.headers["cache-control"] == cache_control
    assert "content-type" not in same.headers and "content-length" not in same.headers

    weak_in_a_list = api.get(path, token=admin_token, headers={"If-None-Match": f'"old", W/{etag}'})
    assert weak_in_a_list.status_code == 304
    assert api.get(path, token=admin_token, headers={"If-None-Match": "*"}).status_code == 304
    stale = api.get(path, token=admin_token, headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_a_change_changes_the_tag(api: ApiClient, admin_token: str) -> None:
    before = api.get("/inventory/categories", token=admin_token)
    created = api.post("/inventory/categories", json={"name": "Feed"}, token=admin_token)
    assert created.status_code == 201
    assert created.headers["cache-control"] == NO_STORE
    after = api.get("/inventory/categories", token=admin_token, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert any(c["name"] == "Feed" for c in after.json()["items"])


def test_errors_are_never_stored_nor_answered_304(api: ApiClient, make_user: UserFactory, admin_token: str) -> None:
    _, reader = make_user(grants={})
    refused = api.get("/inventory/items", token=reader, headers={"If-None-Match": "*"})
    assert refused.status_code == 403
    assert refused.headers["cache-control"] == NO_STORE
    assert "etag" not in refused.headers
    missing = api.get("/inventory/items/999", token=admin_token, headers={"If-None-Match": "*"})
    assert missing.status_code == 404 and missing.headers["cache-control"] == NO_STORE
    unsigned = api.get("/inventory/items")
    assert unsigned.status_code == 401 and unsigned.headers["cache-control"] == NO_STORE


def test_exports_carry_an_etag_too(api: ApiClient, admin_token: str) -> None:
    r = api.get("/inventory/exports/stock.xlsx", token=admin_token)
    assert r.status_code == 200
    assert r.headers["etag"].startswith('"')
    assert r.headers["cache-control"] == PER_USER
