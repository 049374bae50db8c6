"""Activity-log rows and the user statistics."""

from datetime import datetime
from typing import Any

from farm_erp.fields import DeferredModel


class ActivityOut(DeferredModel):
    id: int
    created_at: datetime
    user_id: int | None
    actor_email: str | None
    actor_role: str | None
    session_id: int | None
    ip: str | None
    user_agent: str | None
    action: str
    module_key: str | None
    entity_type: str | None
    entity_id: str | None
    success: bool
    description: str | None
    metadata: dict[str, Any]


class StatisticsOut(DeferredModel):
    total_users: int
    active_users: int
    inactive_users: int
    total_admins: int
    total_regular_users: int
    recent_logins_24h: int
    failed_logins_24h: int
    total_activities_7d: int
