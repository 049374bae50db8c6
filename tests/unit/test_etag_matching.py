"""If-None-Match as RFC 9110 reads it for GET: weak comparison, lists, `*`, and malformed values matching nothing."""

from __future__ import annotations

import pytest

from farm_erp.caching import etag_of, if_none_match

TAG = etag_of(b'{"items": []}')


def test_tag_is_strong_quoted_and_follows_the_bytes() -> None:
    assert TAG.startswith('"') and TAG.endswith('"') and not TAG.startswith("W/")
    assert etag_of(b'{"items": []}') == TAG
    assert etag_of(b'{"items": [1]}') != TAG


@pytest.mark.parametrize(
    "header",
    [TAG, f"W/{TAG}", f'"other", {TAG}', f' "a" ,W/{TAG} ', "*", f", {TAG},", f'"x,y", {TAG}'],
)
def test_matching_values(header: str) -> None:
    assert if_none_match(header, TAG)


@pytest.mark.parametrize(
    "header",
    ["", '"other"', TAG.strip('"'), f"w/{TAG}", f'"other" {TAG}', f"{TAG[:-1]}", '"a", *', f"W/ {TAG}"],
)
def test_non_matching_values(header: str) -> None:
    assert not if_none_match(header, TAG)
