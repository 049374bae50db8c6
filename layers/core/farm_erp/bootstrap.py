"""Make sure an active admin exists (make dev and the migrate function)."""

from __future__ import annotations

from farm_erp import audit
from farm_erp.db import Connection
from farm_erp.passwords import hash_password, policy_errors, temporary_password


def ensure_admin(conn: Connection, email: str, password: str | None) -> str | None:
    """Create the first admin when no active admin exists. Returns the generated password (shown once), if any.

    The admin must change the password at first sign-in, whether it was given or generated.
    """
    if conn.execute(
        "SELECT 1 FROM users u JOIN roles r ON r.id = u.role_id WHERE r.is_admin AND u.is_active LIMIT 1"
    ).fetchone():
        return None
    email = email.strip().lower()
    generated = None
    if password is None:
        password = generated = temporary_password()
    elif problems := policy_errors(password, email):
        raise ValueError("FARM_ADMIN_PASSWORD " + "; ".join(problems))
    row = conn.execute(
        """INSERT INTO users (email, full_name, role_id, password_hash, must_change_password, last_password_change)
           VALUES (%s, 'Administrator', (SELECT id FROM roles WHERE key = 'admin'), %s, true, now())
           ON CONFLICT (lower(email)) DO UPDATE
               SET role_id = EXCLUDED.role_id, is_active = true, password_hash = EXCLUDED.password_hash,
                   must_change_password = true, failed_login_attempts = 0, locked_until = NULL
           RETURNING id""",
        (email, hash_password(password)),
    ).fetchone()
    assert row is not None
    audit.record(
        conn,
        audit.SYSTEM,
        "admin.user.bootstrap",
        module_key="admin",
        entity_type="user",
        entity_id=row["id"],
        description=f"bootstrap admin {email}",
    )
    return generated
