"""Access-token rules: pinned HS256, rotating kids, required and checked claims, key strength."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from farm_erp import clock, settings
from farm_erp.tokens import InvalidToken, issue_access_token, new_opaque_token, token_hash, verify_access_token

CURRENT = secrets.token_urlsafe(48)
PREVIOUS = secrets.token_urlsafe(48)
T0 = datetime(2025, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JWT_SECRET", CURRENT)
    monkeypatch.setenv("JWT_KID", "k2")
    monkeypatch.setenv("JWT_PREVIOUS_SECRET", PREVIOUS)
    monkeypatch.setenv("JWT_PREVIOUS_KID", "k1")
    monkeypatch.delenv("JWT_SECRET_ARN", raising=False)
    settings.reset_caches()
    clock.freeze(T0)
    yield
    clock.freeze(None)
    monkeypatch.undo()
    settings.reset_caches()


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "7",
        "sid": "11",
        "role": "user",
        "iat": int(T0.timestamp()),
        "exp": int((T0 + timedelta(minutes=30)).timestamp()),
        "iss": "farm-erp",
        "aud": "farm-erp-api",
        "jti": "abc",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: str = CURRENT, kid: str | None = "k2", alg: str = "HS256") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(payload, key, algorithm=alg, headers=headers)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_issued_token_verifies_with_all_claims() -> None:
    token, lifetime = issue_access_token(7, 11, "admin")
    assert lifetime == 1800
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256" and header["kid"] == "k2"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "sid", "role", "iat", "exp", "iss", "aud", "jti"}
    assert payload["exp"] - payload["iat"] == 1800
    verified = verify_access_token(token)
    assert (verified.user_id, verified.session_id, verified.role) == (7, 11, "admin")
    assert verified.expires_at == T0 + timedelta(minutes=30)
    assert (
        jwt.decode(issue_access_token(7, 11, "admin")[0], options={"verify_signature": False})["jti"] != payload["jti"]
    )


def test_previous_kid_is_accepted() -> None:
    assert verify_access_token(sign(claims(), key=PREVIOUS, kid="k1")).user_id == 7


def test_unknown_or_missing_kid_is_rejected() -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(), kid="k9"))
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(), kid=None))


def test_kid_must_match_its_key() -> None:
    # Signed with the previous key but naming the current kid: the signature check fails.
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(), key=PREVIOUS, kid="k2"))


def test_alg_none_is_rejected() -> None:
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': 'k2'})}.{b64(claims())}."
    with pytest.raises(InvalidToken):
        verify_access_token(token)


def test_hs512_is_rejected() -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(), alg="HS512"))


def test_header_claiming_hs256_over_another_alg_signature_is_rejected() -> None:
    real = sign(claims(), alg="HS512")
    _, payload, signature = real.split(".")
    forged = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'k2'})}.{payload}.{signature}"
    with pytest.raises(InvalidToken):
        verify_access_token(forged)


def test_forged_signature_is_rejected() -> None:
    good = sign(claims())
    head, payload, signature = good.split(".")
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(), key=secrets.token_urlsafe(48)))
    tampered = f"{head}.{b64(claims(sub='1', role='admin'))}.{signature}"
    with pytest.raises(InvalidToken):
        verify_access_token(tampered)
    flipped = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    with pytest.raises(InvalidToken):
        verify_access_token(f"{head}.{payload}.{flipped}")


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub", "sid", "role", "iat", "jti"])
def test_every_claim_is_required(claim: str) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(**{claim: None})))


@pytest.mark.parametrize(("claim", "value"), [("iss", "someone-else"), ("aud", "another-api"), ("sub", "x")])
def test_wrong_claim_values_are_rejected(claim: str, value: str) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(**{claim: value})))


def test_expiry_follows_the_injectable_clock() -> None:
    token, _ = issue_access_token(7, 11, "user")
    clock.advance(timedelta(minutes=29, seconds=59))
    assert verify_access_token(token).user_id == 7
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidToken):
        verify_access_token(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "é.é.é"])
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(garbage)


@pytest.mark.parametrize(
    "key",
    [
        "x" * 31,
        "changeme",
        "secret",
        "test",
        "  placeholder ",
        "x" * 64,
        "changeme-changeme-changeme-changeme",
        "please-replace-me-with-a-real-secret-key-0123456789",
        "abcabcabcabcabcabcabcabcabcabcabcabc",
    ],
)
def test_short_or_placeholder_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("JWT_SECRET", key)
    settings.reset_caches()
    with pytest.raises(RuntimeError, match="refusing to start"):
        issue_access_token(1, 1, "user")
    with pytest.raises(RuntimeError):
        settings.signing_keys()


def test_short_previous_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_PREVIOUS_SECRET", "short")
    settings.reset_caches()
    with pytest.raises(RuntimeError, match="refusing to start"):
        settings.signing_keys()


def test_32_byte_key_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "0123456789abcdefghijKLMNOPQRSTUV")
    monkeypatch.delenv("JWT_PREVIOUS_SECRET")
    settings.reset_caches()
    token, _ = issue_access_token(1, 2, "user")
    assert verify_access_token(token).session_id == 2


def test_no_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET")
    settings.reset_caches()
    with pytest.raises(RuntimeError, match="No JWT signing key"):
        settings.signing_keys()


def test_opaque_tokens_are_random_and_stored_hashed() -> None:
    a, b = new_opaque_token(), new_opaque_token()
    assert a != b and len(base64.urlsafe_b64decode(a + "=")) == 32
    assert token_hash(a) == token_hash(a) != token_hash(b)
    assert len(token_hash(a)) == 64 and a not in token_hash(a)


NOW = int(T0.timestamp())


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": float(NOW + 600)},
        {"exp": str(NOW + 600)},
        {"exp": True},
        {"exp": NOW + 600.5},
        {"iat": float(NOW)},
        {"iat": str(NOW)},
        {"iat": False},
        {"exp": 10**30},
        {"exp": [NOW + 600]},
    ],
    ids=[
        "exp-float",
        "exp-string",
        "exp-bool",
        "exp-fraction",
        "iat-float",
        "iat-string",
        "iat-bool",
        "exp-huge",
        "exp-list",
    ],
)
def test_exp_and_iat_must_be_integers(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        verify_access_token(sign(claims(**overrides)))


def test_iat_in_the_future_is_refused_beyond_the_leeway() -> None:
    leeway = 5  # a few seconds of clock skew between containers, not a window to pre-date tokens in
    assert verify_access_token(sign(claims(iat=NOW + leeway))).user_id == 7
    for ahead in (leeway + 1, 3600, 10**9):
        with pytest.raises(InvalidToken):
            verify_access_token(sign(claims(iat=NOW + ahead, exp=NOW + ahead + 600)))
