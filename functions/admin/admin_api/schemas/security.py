"""Sessions of every user, login attempts and security figures."""

from datetime import datetime

from farm_erp.fields import DeferredModel


class SessionOut(DeferredModel):
    id: int
    user_id: int
    email: str
    full_name: str
    created_at: datetime
    last_activity_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    revoked_at: datetime | None
    revoked_reason: str | None
    is_live: bool


class LoginOut(DeferredModel):
    id: int
    created_at: datetime
    user_id: int | None
    email_attempted: str
    ip: str | None
    user_agent: str | None
    status: str
    failure_reason: str | None
    is_new_device: bool
    is_new_ip: bool


class SecurityStatsOut(DeferredModel):
    active_sessions: int
    logins_24h: int
    failed_logins_24h: int
    lockouts_24h: int
    users_with_sessions: int
