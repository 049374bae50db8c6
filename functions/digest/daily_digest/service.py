"""One run of the morning digest: at most one mail per user and farm day, whatever the scheduler delivers.

- The run claims `job_runs('daily_digest', scheduled_time)` first, as the reservation-expiry job does: a redelivery
  of a run that is running or succeeded does nothing.
- Each user's digest of the day is claimed in `digest_deliveries` before it is sent (own committed transaction),
  and settled as `sent` after; a second run the same day (another scheduled time, `make digest`) skips settled
  users, so nobody gets two digests.
- A user whose mail fails is released and counted; the others go on. The run then ends `failed` and raises, so the
  scheduler's retry (or the next run of the day) sends to exactly those not yet served.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from daily_digest import queries, render, sections
from farm_erp import clock, jobs, mail
from farm_erp.access import Subject, effective_modules
from farm_erp.db import database, transaction
from farm_erp.observability import logger
from farm_erp.settings import get_settings

DAILY_DIGEST = "daily_digest"


class DigestIncomplete(Exception):
    """Some users' digests could not be sent; the run is recorded as failed so that it is retried."""


@dataclass(frozen=True)
class DigestResult:
    status: str  # succeeded | duplicate
    scheduled_time: datetime
    digest_date: date
    sent: int = 0
    empty: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another run that is sending right now

    def counts(self) -> dict[str, int]:
        return {"sent": self.sent, "empty": self.empty, "failed": self.failed, "skipped": self.skipped}

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "scheduled_time": self.scheduled_time.isoformat(),
            "digest_date": self.digest_date.isoformat(),
        }
        if self.status != "duplicate":
            out.update(self.counts())
        return out


def digest_date_of(scheduled_time: datetime) -> date:
    """The farm day a run belongs to: its scheduled time in FARM_TIMEZONE (a late retry still serves that day)."""
    return scheduled_time.astimezone(ZoneInfo(get_settings().farm_timezone)).date()


def readable_modules(user: dict[str, Any], active: list[str]) -> list[str]:
    """The modules with digest sections this user may read, by the one access rule, in display order."""
    subject = Subject(is_active=True, is_admin=bool(user["is_admin"]), grants=dict(user["grants"]))
    return [m for m in effective_modules(subject, active) if m in sections.SECTIONS]


def run_daily_digest(scheduled_time: datetime) -> DigestResult:
    """One delivery of the schedule. Raises DigestIncomplete (after recording the run) when a mail failed."""
    day = digest_date_of(scheduled_time)
    with transaction() as conn:
        run_id = jobs.claim_run(conn, DAILY_DIGEST, scheduled_time)
    if run_id is None:
        logger.info("duplicate delivery; nothing to do", extra={"scheduled_time": scheduled_time.isoformat()})
        return DigestResult("duplicate", scheduled_time, day)
    try:
        result = _run(run_id, scheduled_time, day)
    except Exception as exc:
        logger.exception("daily digest failed", extra={"scheduled_time": scheduled_time.isoformat()})
        _finish_failed(scheduled_time, {"error": type(exc).__name__})
        raise
    if result.failed:
        _finish_failed(scheduled_time, {"digest_date": day.isoformat(), **result.counts()})
        raise DigestIncomplete(
            f"{result.failed} digest(s) of {day.isoformat()} not sent; the next run of the day retries them"
        )
    with transaction() as conn:
        jobs.finish_run(
            conn, DAILY_DIGEST, scheduled_time, "succeeded", {"digest_date": day.isoformat(), **result.counts()}
        )
    logger.info("daily digest done", extra={"digest_date": day.isoformat(), **result.counts()})
    return result


def _finish_failed(scheduled_time: datetime, result: dict[str, Any]) -> None:
    try:
        with transaction() as conn:
            jobs.finish_run(conn, DAILY_DIGEST, scheduled_time, "failed", result)
    except Exception:  # noqa: BLE001 - the run's own error is the one to report; the run stays 'running'
        database.close()
        logger.exception("could not mark the digest run failed")


def _run(run_id: int, scheduled_time: datetime, day: date) -> DigestResult:
    with transaction() as conn:
        active = queries.active_modules(conn)
        users = queries.recipients(conn, day, clock.now())
        readable = {int(u["id"]): readable_modules(u, active) for u in users}
        # Only the modules somebody will read are computed, each once for everybody.
        needed = [m for m in active if any(m in modules for modules in readable.values())]
        by_module = sections.gather(conn, needed, day)
    frontend_url = get_settings().frontend_url
    counts = {"sent": 0, "empty": 0, "failed": 0, "skipped": 0}
    for user in users:
        user_sections = {m: by_module[m] for m in readable[int(user["id"])] if by_module.get(m)}
        try:
            outcome = _deliver(run_id, day, user, user_sections, frontend_url)
        except Exception:  # noqa: BLE001 - one user's failure (a refused address, SES throttling) stops nobody else
            logger.exception("digest not sent", extra={"user_id": user["id"], "digest_date": day.isoformat()})
            outcome = "failed"
        counts[outcome] += 1
    return DigestResult("succeeded", scheduled_time, day, **counts)


def _deliver(
    run_id: int, day: date, user: dict[str, Any], user_sections: dict[str, list[sections.Section]], url: str
) -> str:
    user_id = int(user["id"])
    if not user_sections:
        with transaction() as conn:
            queries.record_empty(conn, user_id, day, run_id, clock.now())
        return "empty"
    message = render.digest_mail(str(user["email"]), str(user["full_name"]), day, user_sections, url)
    with transaction() as conn:
        if not queries.claim(conn, user_id, day, run_id, clock.now()):
            return "skipped"
    try:
        mail.send(message)
    except BaseException:
        with transaction() as conn:
            queries.release(conn, user_id, day)
        raise
    with transaction() as conn:
        keys = [s.key for module_sections in user_sections.values() for s in module_sections]
        queries.settle(conn, user_id, day, "sent", keys, clock.now())
    return "sent"
