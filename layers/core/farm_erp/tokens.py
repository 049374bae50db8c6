"""Access tokens (JWT HS256, pinned algorithm, rotating keys) and opaque refresh/reset tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from farm_erp import clock
from farm_erp.settings import get_settings, signing_keys

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "sid", "role", "iat", "exp", "iss", "aud", "jti")
# How far in the future `iat` may lie: clock skew between the issuing and the checking container, nothing more.
IAT_LEEWAY_SECONDS = 5


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired or signed with an unknown key."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int
    role: str
    expires_at: datetime


def issue_access_token(user_id: int, session_id: int, role: str) -> tuple[str, int]:
    """A signed access token and its lifetime in seconds."""
    s = get_settings()
    (kid, key), _ = signing_keys()
    issued = clock.now()
    lifetime = s.access_token_minutes * 60
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "role": role,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=lifetime)).timestamp()),
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid}), lifetime


def verify_access_token(token: str) -> AccessClaims:
    """Check signature, kid, iss, aud, exp and iat (integers, against the injectable clock; iat not in the future
    beyond IAT_LEEWAY_SECONDS); raise InvalidToken otherwise."""
    s = get_settings()
    _, keys = signing_keys()
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        key = keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("unknown key id")
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=s.jwt_audience,
            issuer=s.jwt_issuer,
            # exp is checked below against the injectable clock; pyjwt would use the wall clock.
            options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_iat": False},
        )
        exp, iat = _seconds(claims, "exp"), _seconds(claims, "iat")
        now = int(clock.now().timestamp())
        if exp <= now:
            raise InvalidToken("expired")
        if iat > now + IAT_LEEWAY_SECONDS:
            raise InvalidToken("issued in the future")
        return AccessClaims(
            user_id=int(claims["sub"]),
            session_id=int(claims["sid"]),
            role=str(claims["role"]),
            expires_at=datetime.fromtimestamp(exp, clock.now().tzinfo),
        )
    except InvalidToken:
        raise
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError) as exc:
        raise InvalidToken(type(exc).__name__) from None


def _seconds(claims: dict[str, Any], name: str) -> int:
    """A NumericDate claim as this API issues it: a JSON integer (not a float, string or boolean)."""
    value = claims[name]
    if type(value) is not int:
        raise InvalidToken(f"{name} is not an integer")
    return value


def new_opaque_token() -> str:
    """32 random bytes, URL-safe: refresh and password-reset tokens."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Only the SHA-256 of an opaque token is stored, so a database leak does not leak live tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
