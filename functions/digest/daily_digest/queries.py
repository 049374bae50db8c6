"""SQL of the digest: recipients, the sections the shared figures modules do not already have, delivery rows.

Low stock, expiring lots and water bands come from farm_erp.inventory_figures and farm_erp.biofloc_figures (one
definition of each figure); times come from the caller (the injectable clock), never SQL now().
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from farm_erp import sql
from farm_erp.db import Connection
from farm_erp.inventory_figures import OPEN_PO_STATUSES

# A claim still 'sending' after this long belongs to a run that died between SES and the database: retake it.
STALE_CLAIM = timedelta(minutes=10)


def active_modules(conn: Connection) -> list[str]:
    rows = conn.execute("SELECT key FROM modules WHERE is_active ORDER BY display_order, key").fetchall()
    return [str(r["key"]) for r in rows]


def recipients(conn: Connection, digest_date: date, now: datetime) -> list[dict[str, Any]]:
    """Active users who want the digest and whose digest of `digest_date` is not settled (or is a stale claim)."""
    rows = conn.execute(
        """SELECT u.id, u.email, u.full_name, r.is_admin,
                  COALESCE((SELECT json_object_agg(g.module_key, g.access)
                              FROM user_module_grants g WHERE g.user_id = u.id), '{}'::json) AS grants
             FROM users u JOIN roles r ON r.id = u.role_id
            WHERE u.is_active AND u.daily_digest
              AND NOT EXISTS (SELECT 1 FROM digest_deliveries d
                               WHERE d.user_id = u.id AND d.digest_date = %(day)s
                                 AND (d.status <> 'sending' OR d.claimed_at >= %(stale)s))
            ORDER BY u.id""",
        {"day": digest_date, "stale": now - STALE_CLAIM},
    ).fetchall()
    return [dict(r) for r in rows]


def reservations_expiring(
    conn: Connection, now: datetime, until: datetime, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Pending reservations that lapse between now and `until` (the end of the farm day), soonest first."""
    rows = conn.execute(
        """SELECT r.id, r.quantity, r.module_key, r.external_ref, r.reserved_until, i.sku, i.name,
                  u.abbreviation AS unit, count(*) OVER () AS total
             FROM reservations r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = i.unit_id
            WHERE r.status = 'pending' AND r.reserved_until >= %(now)s AND r.reserved_until < %(until)s
            ORDER BY r.reserved_until, r.id
            LIMIT %(limit)s""",
        {"now": now, "until": until, "limit": limit},
    ).fetchall()
    return sql.window_total(rows)


def overdue_purchase_orders(conn: Connection, today: date, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Open purchase orders whose expected delivery date has passed, the longest overdue first."""
    rows = conn.execute(
        """SELECT p.id, p.po_number, p.status, p.expected_delivery, s.name AS supplier_name,
                  %(today)s::date - p.expected_delivery AS days_late,
                  (SELECT COALESCE(sum(l.line_total), 0) FROM po_lines l WHERE l.po_id = p.id) AS total_amount,
                  count(*) OVER () AS total
             FROM purchase_orders p JOIN suppliers s ON s.id = p.supplier_id
            WHERE p.status = ANY(%(open)s) AND p.expected_delivery < %(today)s
            ORDER BY p.expected_delivery, p.id
            LIMIT %(limit)s""",
        {"today": today, "open": list(OPEN_PO_STATUSES), "limit": limit},
    ).fetchall()
    return sql.window_total(rows)


def unfed_batches(conn: Connection, day: date, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Active batches stocked by `day` with no feeding recorded on `day`."""
    rows = conn.execute(
        """SELECT b.id, b.code, b.species, b.current_count, t.code AS tank_code, count(*) OVER () AS total
             FROM batches b
             LEFT JOIN tank_assignments a ON a.batch_id = b.id AND a.end_date IS NULL
             LEFT JOIN tanks t ON t.id = a.tank_id
            WHERE b.status = 'active' AND b.stocking_date <= %(day)s
              AND NOT EXISTS (SELECT 1 FROM feedings f WHERE f.batch_id = b.id AND f.feeding_date = %(day)s)
            ORDER BY b.code, b.id
            LIMIT %(limit)s""",
        {"day": day, "limit": limit},
    ).fetchall()
    return sql.window_total(rows)


def mortality_spikes(conn: Connection, since: date, until: date, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Active batches whose deaths dated since..until exceed 1 % of the fish they had before those deaths."""
    rows = conn.execute(
        """WITH dead AS (
               SELECT batch_id, sum(count) AS deaths FROM mortalities
                WHERE mortality_date BETWEEN %(since)s AND %(until)s GROUP BY batch_id
           )
           SELECT b.id, b.code, b.species, t.code AS tank_code, d.deaths,
                  b.current_count + d.deaths AS fish_before,
                  round(d.deaths * 100.0 / (b.current_count + d.deaths), 2) AS pct,
                  count(*) OVER () AS total
             FROM dead d JOIN batches b ON b.id = d.batch_id
             LEFT JOIN tank_assignments a ON a.batch_id = b.id AND a.end_date IS NULL
             LEFT JOIN tanks t ON t.id = a.tank_id
            WHERE b.status = 'active' AND d.deaths * 100 > b.current_count + d.deaths
            ORDER BY pct DESC, b.code
            LIMIT %(limit)s""",
        {"since": since, "until": until, "limit": limit},
    ).fetchall()
    return sql.window_total(rows)


# --- delivery rows --------------------------------------------------------------------------------------------------


def claim(conn: Connection, user_id: int, day: date, run_id: int, now: datetime) -> bool:
    """Take the user's digest of `day` for sending; False when another run has it (or it is already settled)."""
    row = conn.execute(
        """INSERT INTO digest_deliveries (user_id, digest_date, status, job_run_id, claimed_at)
           VALUES (%(user)s, %(day)s, 'sending', %(run)s, %(now)s)
           ON CONFLICT (user_id, digest_date) DO UPDATE
               SET job_run_id = EXCLUDED.job_run_id, claimed_at = EXCLUDED.claimed_at
             WHERE digest_deliveries.status = 'sending' AND digest_deliveries.claimed_at < %(stale)s
           RETURNING user_id""",
        {"user": user_id, "day": day, "run": run_id, "now": now, "stale": now - STALE_CLAIM},
    ).fetchone()
    return row is not None


def settle(conn: Connection, user_id: int, day: date, status: str, sections: list[str], now: datetime) -> None:
    conn.execute(
        """UPDATE digest_deliveries SET status = %s, sections = %s, finished_at = %s
            WHERE user_id = %s AND digest_date = %s""",
        (status, sections, now, user_id, day),
    )


def record_empty(conn: Connection, user_id: int, day: date, run_id: int, now: datetime) -> None:
    """Nothing to report today: settled without a mail (a later run of the same day sends nothing either)."""
    conn.execute(
        """INSERT INTO digest_deliveries (user_id, digest_date, status, job_run_id, claimed_at, finished_at)
           VALUES (%(user)s, %(day)s, 'empty', %(run)s, %(now)s, %(now)s)
           ON CONFLICT (user_id, digest_date) DO UPDATE
               SET status = 'empty', job_run_id = EXCLUDED.job_run_id, finished_at = EXCLUDED.finished_at
             WHERE digest_deliveries.status = 'sending' AND digest_deliveries.claimed_at < %(stale)s""",
        {"user": user_id, "day": day, "run": run_id, "now": now, "stale": now - STALE_CLAIM},
    )


def release(conn: Connection, user_id: int, day: date) -> None:
    """The mail was not sent: drop the claim, so the next run of the same day tries again."""
    conn.execute(
        "DELETE FROM digest_deliveries WHERE user_id = %s AND digest_date = %s AND status = 'sending'",
        (user_id, day),
    )
