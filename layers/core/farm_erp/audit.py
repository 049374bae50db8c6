"""Audit rows (activity_logs): one per successful mutation, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from farm_erp import clock
from farm_erp.db import Connection


@dataclass(frozen=True)
class Actor:
    """Who did it and from where; user_id None means the system (scheduled jobs)."""

    user_id: int | None = None
    email: str | None = None
    role: str | None = None
    session_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None


SYSTEM = Actor()


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    module_key: str | None = None,
    entity_type: str | None = None,
    entity_id: object | None = None,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    success: bool = True,
) -> None:
    """Append one activity row; action is `module.entity.verb`."""
    conn.execute(
        """INSERT INTO activity_logs (user_id, actor_email, actor_role, session_id, ip, user_agent, action,
                                      module_key, entity_type, entity_id, success, description, metadata, created_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            actor.user_id,
            actor.email,
            actor.role,
            actor.session_id,
            actor.ip,
            actor.user_agent,
            action,
            module_key,
            entity_type,
            None if entity_id is None else str(entity_id),
            success,
            description,
            Jsonb(metadata or {}),
            clock.now(),
        ),
    )


def module_change(
    conn: Connection,
    actor: Actor,
    module: str,
    action: str,
    entity_type: str,
    entity_id: object,
    metadata: dict[str, Any] | None = None,
    description: str | None = None,
) -> None:
    """The activity row of a successful change made through a module: action `<module>.<entity>.<verb>`."""
    record(
        conn,
        actor,
        f"{module}.{action}",
        module_key=module,
        entity_type=entity_type,
        entity_id=entity_id,
        metadata=metadata,
        description=description,
    )


def changes(before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
    """`{before, after}` metadata for an update, limited to the fields that changed, JSON-safe.

    `fields` (default: the keys of `after`) limits it to what the request could change: whole rows would also list
    the columns the database maintains (updated_at, counts).
    """
    keys = [k for k in (after if fields is None else fields) if before.get(k) != after.get(k)]
    return {"before": {k: _plain(before.get(k)) for k in keys}, "after": {k: _plain(after.get(k)) for k in keys}}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
