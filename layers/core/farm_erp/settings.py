"""Runtime configuration, read once per container from the environment.

A plain dataclass instead of pydantic-settings: the authorizer does not import pydantic at all, and
pydantic-settings alone costs ~80 ms of every cold start (measured with `-X importtime`, docs/performance.md).

Every knob of the application is a field here; no other module reads the environment for one. The AWS runtime's
own variables (credentials, region and endpoint fallbacks of `farm_erp.secrets` and `farm_erp.aws_sigv4`) are read
where they are used, on each call, as the AWS SDKs read them: credentials rotate and are never cached.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

# Keys that look like documentation values are refused: a deploy that forgot its secret must not start.
_PLACEHOLDER_WORDS = (
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "your-secret",
    "your_secret",
    "example",
    "replace-me",
    "replace_me",
    "secret-key",
    "secret_key",
    "dummy",
    "insecure",
)
MIN_KEY_BYTES = 32
MIN_DISTINCT_CHARS = 10  # "xxxx…" or "abcabc…" is not a key
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    """Every knob of the service; the environment variable is the upper-case field name."""

    environment: str = "dev"
    powertools_service_name: str = "farm-erp"
    powertools_metrics_namespace: str = "FarmErp"
    farm_timezone: str = "UTC"

    # Database: DATABASE_URL locally; in AWS the RDS Proxy endpoint with an IAM token as password.
    database_url: str | None = None
    db_host: str | None = None
    db_port: int = 5432
    db_name: str = "farm"
    db_user: str = "farm_app"
    db_iam_auth: bool = False
    db_connect_timeout: int = 5
    aws_region: str | None = None

    # JWT signing keys: inline (local) or a Secrets Manager secret {"kid","key",["previous_kid","previous_key"]}.
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_kid: str = "k1"
    jwt_previous_secret: str | None = field(default=None, repr=False)
    jwt_previous_kid: str | None = None
    jwt_secret_arn: str | None = None
    jwt_issuer: str = "farm-erp"
    jwt_audience: str = "farm-erp-api"
    access_token_minutes: int = 30
    refresh_token_days: int = 7
    session_idle_minutes: int = 720

    # The migrate function only: it connects to the cluster writer as the master user, not through the proxy.
    db_master_host: str | None = None
    db_master_secret_arn: str | None = None
    db_app_secret_arn: str | None = None
    # The first admin, created when no active admin exists (migrate function and make dev). The password comes
    # from the secret in AWS; without either, a temporary one is generated and shown once.
    farm_admin_email: str = "admin@farm.local"
    farm_admin_password: str | None = field(default=None, repr=False)
    farm_admin_password_secret_arn: str | None = None

    # CORS origins, comma-separated in the environment.
    allowed_origins: tuple[str, ...] = ("*",)

    bcrypt_rounds: int = 12
    frontend_url: str = "http://localhost:5173"
    ses_from_address: str = "no-reply@farm.example"
    mail_outbox_dir: str | None = None
    rate_limits_enabled: bool = True
    forgot_password_min_ms: int = 500

    @property
    def service_name(self) -> str:
        return self.powertools_service_name

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f.name, str(f.type), raw)
        settings = cls(**values)
        if settings.database_url is None and settings.db_host is None:
            settings = replace(settings, database_url="postgresql:///farm")
        if not settings.allowed_origins:  # set but blank: the default, as when it is unset
            settings = replace(settings, allowed_origins=cls.allowed_origins)
        if not 4 <= settings.bcrypt_rounds <= 16:
            raise RuntimeError("BCRYPT_ROUNDS must be between 4 and 16")
        if settings.db_master_secret_arn and not settings.db_master_host:
            raise RuntimeError("DB_MASTER_HOST must be set with DB_MASTER_SECRET_ARN")
        return settings


def _parse(name: str, type_name: str, raw: str) -> Any:
    if type_name.startswith("tuple"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if "bool" in type_name:
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise RuntimeError(f"{name.upper()} must be true or false")
    if "int" in type_name:
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError(f"{name.upper()} must be a whole number") from None
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The container's settings (cached: read once at cold start)."""
    return Settings.from_env()


def _check_key(kid: str, key: str) -> None:
    lowered = key.strip().lower()
    if (
        len(key.encode()) < MIN_KEY_BYTES
        or len(set(key)) < MIN_DISTINCT_CHARS
        or any(word in lowered for word in _PLACEHOLDER_WORDS)
    ):
        raise RuntimeError(f"JWT key {kid!r} is too short or a placeholder: refusing to start")


@lru_cache(maxsize=1)
def signing_keys() -> tuple[tuple[str, bytes], dict[str, bytes]]:
    """(current kid and key, every accepted kid → key). Fetched from Secrets Manager once per container."""
    s = get_settings()
    keys: list[tuple[str, str]] = []
    if s.jwt_secret_arn:
        from farm_erp.secrets import get_secret_string

        data = json.loads(get_secret_string(s.jwt_secret_arn))
        keys.append((str(data["kid"]), str(data["key"])))
        if data.get("previous_key"):
            keys.append((str(data.get("previous_kid") or "previous"), str(data["previous_key"])))
    elif s.jwt_secret:
        keys.append((s.jwt_kid, s.jwt_secret))
        if s.jwt_previous_secret:
            keys.append((s.jwt_previous_kid or "previous", s.jwt_previous_secret))
    else:
        raise RuntimeError("No JWT signing key configured (JWT_SECRET or JWT_SECRET_ARN)")
    for kid, key in keys:
        _check_key(kid, key)
    current = (keys[0][0], keys[0][1].encode())
    return current, {kid: key.encode() for kid, key in keys}


def reset_caches() -> None:
    """Forget cached settings and keys (tests change the environment)."""
    get_settings.cache_clear()
    signing_keys.cache_clear()
