"""The morning digest: each section's figures, the access rule, opt-out, the empty digest, one mail per user and
farm day whatever the scheduler delivers, and a failed mail retried by the next run of the day (outbox and SES).

The farm is in Pacific/Auckland (UTC+13 in March), so the farm's "today" and "yesterday" differ from UTC's: the run
at 2025-03-09T17:00Z is the digest of Monday 10 March, and "yesterday" is 9 March.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, message_from_string
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from daily_digest.main import handler
from daily_digest.service import DigestIncomplete
from farm_erp import clock, settings
from local.lambda_context import LambdaContext
from tests.support.client import ApiClient, Response
from tests.support.factories import create_user, token_for

SQL = Any
RUN = "2025-03-09T17:00:00Z"  # 06:00 NZDT on 10 March
RUN_AT = datetime(2025, 3, 9, 17, 0, tzinfo=UTC)
SETUP_AT = datetime(2025, 3, 9, 16, 0, tzinfo=UTC)  # 05:00 on 10 March, farm time
SENDER = "digest@farm.example.com"


def run(scheduled: str = RUN) -> dict[str, Any]:
    out: dict[str, Any] = handler({"scheduled_time": scheduled}, LambdaContext("DigestFunction"))
    return out


@pytest.fixture(autouse=True)
def farm_timezone(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FARM_TIMEZONE", "Pacific/Auckland")
    monkeypatch.setenv("FRONTEND_URL", "https://farm.example.com/app/")
    settings.reset_caches()
    yield
    monkeypatch.undo()
    settings.reset_caches()


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("MAIL_OUTBOX_DIR", str(folder))
    settings.reset_caches()
    return folder


def read_outbox(folder: Path) -> dict[str, EmailMessage]:
    out: dict[str, EmailMessage] = {}
    for path in sorted(folder.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        assert str(msg["To"]) not in out, f"two mails to {msg['To']}"
        out[str(msg["To"])] = msg
    return out


def parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


class Setup:
    """Writes the farm through the real API as an admin (a fresh token per call: the clock jumps around)."""

    def __init__(self, api: ApiClient, sql: SQL) -> None:
        self.api = api
        self.sql = sql
        self.admin_id = create_user(sql, "admin@farm.test", role="admin", full_name="Ana <Admin>")

    def call(self, method: str, path: str, body: Any = None, status: int = 201) -> Any:
        r: Response = self.api.request(method, path, json=body, token=token_for(self.sql, self.admin_id))
        assert r.status_code == status, r
        return r.json()

    def unit(self, abbreviation: str) -> int:
        return int(self.sql.execute("SELECT id FROM units WHERE abbreviation = %s", (abbreviation,)).fetchone()["id"])


@pytest.fixture
def farm(api: ApiClient, sql: SQL) -> Setup:
    """One of everything the digest reports, and a near miss beside each."""
    s = Setup(api, sql)
    kg = s.unit("kg")
    # Inventory. FEED-1 is low (30 available, reorder at 50); SALT is not (120 on hand, 10 reserved).
    clock.freeze(datetime(2025, 3, 9, 12, 0, tzinfo=UTC))
    feed = s.call("POST", "/inventory/items", {"sku": "FEED-1", "name": 'Feed "3mm" <Pro> & Co', "unit_id": kg,
                                               "reorder_threshold": "50"})  # fmt: skip
    salt = s.call("POST", "/inventory/items", {"sku": "SALT", "name": "Salt", "unit_id": kg, "reorder_threshold": "10"})
    s.call("POST", "/inventory/stock/add", {"item_id": feed["id"], "quantity": "30", "unit_cost": "2"})
    s.call("POST", "/inventory/stock/add", {"item_id": salt["id"], "quantity": "100", "unit_cost": "1.5",
                                            "received_date": "2025-03-01", "expiry_date": "2025-03-14",
                                            "lot_number": "S1"})  # fmt: skip
    s.call("POST", "/inventory/stock/add", {"item_id": salt["id"], "quantity": "20", "unit_cost": "1.5",
                                            "received_date": "2025-03-01", "expiry_date": "2025-03-30",
                                            "lot_number": "S2"})  # fmt: skip
    # Made at 01:00 farm time: one lapses at 13:00 today, the other in two days.
    s.call("POST", "/inventory/reservations", {"item_id": salt["id"], "quantity": "5", "duration_hours": 12,
                                               "external_ref": "order <7>"})  # fmt: skip
    s.call("POST", "/inventory/reservations", {"item_id": salt["id"], "quantity": "5", "duration_hours": 48})
    supplier = s.call("POST", "/inventory/suppliers", {"name": "AquaFeeds & Sons"})
    line = [{"item_id": feed["id"], "ordered_qty": "50", "unit_cost": "2"}]
    s.call("POST", "/inventory/purchase-orders", {"po_number": "PO-LATE", "supplier_id": supplier["id"],
                                                  "po_date": "2025-03-01", "expected_delivery": "2025-03-05",
                                                  "lines": line})  # fmt: skip
    s.call("POST", "/inventory/purchase-orders", {"po_number": "PO-SOON", "supplier_id": supplier["id"],
                                                  "po_date": "2025-03-01", "expected_delivery": "2025-03-12",
                                                  "lines": line})  # fmt: skip

    # Biofloc: feed in stock for the feedings, ph thresholds, three tanks with a batch each.
    clock.freeze(SETUP_AT)
    pellet = s.call("POST", "/inventory/items", {"sku": "PELLET", "name": "Pellet", "unit_id": kg})
    s.call("PUT", f"/inventory/items/{pellet['id']}/modules/biofloc", {"is_primary": True}, 200)
    s.call("POST", "/inventory/stock/add", {"item_id": pellet["id"], "quantity": "500", "unit_cost": "1",
                                            "received_date": "2025-02-01"})  # fmt: skip
    s.call("PUT", "/biofloc/water-thresholds/ph", {"unit": "pH", "good_min": "6.5", "good_max": "8.5",
                                                   "warn_min": "6", "warn_max": "9"}, 200)  # fmt: skip
    tanks = {code: s.call("POST", "/biofloc/tanks", {"code": code, "name": f"Tank {code}", "capacity_liters": "10000"})
             for code in ("T1", "T2", "T3")}  # fmt: skip
    counts = {"B1": 1000, "B2": 500, "B3": 800}
    batches = {}
    for n, (code, count) in enumerate(counts.items(), start=1):
        batches[code] = s.call("POST", "/biofloc/batches", {"code": code, "species": "Tilapia",
                                                            "stocking_date": "2025-03-01", "initial_count": count,
                                                            "initial_avg_weight_g": "10",
                                                            "tank_id": tanks[f"T{n}"]["id"]})  # fmt: skip
    for tank, day in (("T1", "2025-03-08"), ("T2", "2025-03-09"), ("T3", "2025-03-09")):
        s.call("POST", "/biofloc/feedings", {"tank_id": tanks[tank]["id"], "feeding_date": day, "session_number": 1,
                                             "lines": [{"sku": "PELLET", "quantity_kg": "2"}]})  # fmt: skip
    # B1: 15 of 1,000 yesterday (1.5 %); B2: 3 of 500 today (0.6 %); B3: 20 of 800 three days ago.
    for code, day, dead in (("B1", "2025-03-09", 15), ("B2", "2025-03-10", 3), ("B3", "2025-03-07", 20)):
        s.call("POST", "/biofloc/mortalities", {"batch_id": batches[code]["id"], "mortality_date": day, "count": dead})
    # T1's latest test is in the danger band; T2 was, but its latest test is good; T3 is only in the warning band.
    for tank, at, ph in (
        ("T1", "2025-03-09T15:00:00Z", "5.0"),
        ("T2", "2025-03-08T10:00:00Z", "4.0"),
        ("T2", "2025-03-09T15:30:00Z", "7.0"),
        ("T3", "2025-03-09T15:00:00Z", "6.2"),
    ):
        s.call("POST", "/biofloc/water-tests", {"tank_id": tanks[tank]["id"], "tested_at": at, "ph": ph})
    clock.freeze(RUN_AT + timedelta(seconds=20))
    return s


INVENTORY_TEXT = """\
INVENTORY
=========

Low stock: 1 item at or below the reorder threshold
  - FEED-1 Feed "3mm" <Pro> & Co: available 30.000 kg, reorder at 50.000 (short by 20.000)
  https://farm.example.com/app/inventory/alerts

Lots expiring soon: 1 lot expiring within 7 days, 150.00 at cost
  - SALT Salt, lot S1: 100.000 kg expires in 4 days (2025-03-14), 150.00 at cost
  https://farm.example.com/app/inventory/alerts

Reservations expiring today: 1 reservation expiring today
  - Reservation {rid}: 5.000 kg of SALT Salt for inventory (order <7>), until 13:00
  https://farm.example.com/app/inventory/reservations

Overdue purchase orders: 1 open purchase order past the expected delivery date
  - PO-LATE from AquaFeeds & Sons: expected 2025-03-05, 5 days late (pending, 100.00)
  https://farm.example.com/app/inventory/purchase-orders
"""

BIOFLOC_TEXT = """\
BIOFLOC
=======

Water in the danger band: 1 tank whose latest water test is in the danger band
  - T1 Tank T1 (batch B1): ph out of range, tested 2025-03-10 04:00
  https://farm.example.com/app/biofloc/water

Not fed yesterday: 1 active batch with no feeding recorded on 2025-03-09
  - B1 Tilapia in T1: 985 fish
  https://farm.example.com/app/biofloc/feedings

Mortality above 1 %: 1 batch lost more than 1 % of their fish since 2025-03-09
  - B1 Tilapia in T1: 15 deaths (1.50 % of 1,000 fish)
  https://farm.example.com/app/biofloc/batches
"""


def expiring_reservation(sql: SQL) -> int:
    return int(sql.execute("SELECT min(id) AS id FROM reservations").fetchone()["id"])


def test_each_section_with_its_numbers_limited_to_what_each_user_may_read(farm: Setup, sql: SQL, outbox: Path) -> None:
    create_user(sql, "inv@farm.test", grants={"inventory": "read"}, full_name="Ivy")
    create_user(sql, "fish@farm.test", grants={"biofloc": "write"}, full_name="Finn")
    create_user(sql, "dash@farm.test", full_name="Dora")  # the dashboard only: nothing to report
    create_user(sql, "gone@farm.test", grants={"inventory": "write"}, active=False)

    out = run()
    assert out == {"status": "succeeded", "scheduled_time": "2025-03-09T17:00:00+00:00", "digest_date": "2025-03-10",
                   "sent": 3, "empty": 1, "failed": 0, "skipped": 0}  # fmt: skip
    mails = read_outbox(outbox)
    assert set(mails) == {"admin@farm.test", "inv@farm.test", "fish@farm.test"}
    inventory = INVENTORY_TEXT.format(rid=expiring_reservation(sql))

    admin_text, admin_html = parts(mails["admin@farm.test"])
    assert mails["admin@farm.test"]["Subject"] == "Farm ERP digest for Mon 10 Mar 2025: 7 things need you"
    assert admin_text.startswith("Good morning Ana <Admin>,\n\nthis is what needs you on the farm today, Monday 10")
    assert inventory + "\n" + BIOFLOC_TEXT in admin_text
    assert "https://farm.example.com/app/profile" in admin_text

    inv_text, inv_html = parts(mails["inv@farm.test"])
    assert inventory in inv_text
    assert "BIOFLOC" not in inv_text and "Biofloc" not in inv_html and "Tank T1" not in inv_html
    assert mails["inv@farm.test"]["Subject"].endswith(": 4 things need you")

    fish_text, _ = parts(mails["fish@farm.test"])
    assert BIOFLOC_TEXT in fish_text and "INVENTORY" not in fish_text

    # HTML: the same content, every user-typed value escaped, links to the frontend.
    assert "<h2>Inventory</h2>" in admin_html and "<h2>Biofloc</h2>" in admin_html
    assert "Feed &quot;3mm&quot; &lt;Pro&gt; &amp; Co" in admin_html and "<Pro>" not in admin_html
    assert "Ana &lt;Admin&gt;" in admin_html and "order &lt;7&gt;" in admin_html
    assert "AquaFeeds &amp; Sons" in admin_html
    assert '<a href="https://farm.example.com/app/inventory/purchase-orders">' in admin_html
    assert "<li>B1 Tilapia in T1: 15 deaths (1.50 % of 1,000 fish)</li>" in admin_html

    rows = sql.execute("SELECT u.email, d.digest_date, d.status, d.sections FROM digest_deliveries d "
                       "JOIN users u ON u.id = d.user_id ORDER BY u.email").fetchall()  # fmt: skip
    assert [(r["email"], str(r["digest_date"]), r["status"], r["sections"]) for r in rows] == [
        ("admin@farm.test", "2025-03-10", "sent", ["low_stock", "expiring_lots", "reservations_expiring",
                                                   "overdue_purchase_orders", "water_danger", "unfed_batches",
                                                   "mortality_spikes"]),
        ("dash@farm.test", "2025-03-10", "empty", []),
        ("fish@farm.test", "2025-03-10", "sent", ["water_danger", "unfed_batches", "mortality_spikes"]),
        ("inv@farm.test", "2025-03-10", "sent", ["low_stock", "expiring_lots", "reservations_expiring",
                                                 "overdue_purchase_orders"]),
    ]  # fmt: skip


def test_a_disabled_module_is_left_out_even_for_admins(farm: Setup, sql: SQL, outbox: Path) -> None:
    farm.call("PATCH", "/admin/modules/biofloc", {"is_active": False}, 200)
    assert run()["sent"] == 1
    text, _ = parts(read_outbox(outbox)["admin@farm.test"])
    assert "INVENTORY" in text and "BIOFLOC" not in text


def test_opt_out_through_auth_me(farm: Setup, api: ApiClient, sql: SQL, outbox: Path) -> None:
    user = create_user(sql, "inv@farm.test", grants={"inventory": "read"})
    token = token_for(sql, user)
    assert api.get("/auth/me", token=token).json()["daily_digest"] is True
    r = api.patch("/auth/me", json={"daily_digest": False}, token=token)
    assert r.status_code == 200 and r.json()["daily_digest"] is False
    assert api.get("/auth/me", token=token).json()["daily_digest"] is False
    for bad in (None, "no", 0):
        refused = api.patch("/auth/me", json={"daily_digest": bad}, token=token)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "daily_digest"], bad
    act = sql.execute("SELECT metadata FROM activity_logs WHERE action = 'auth.profile.update'").fetchone()
    assert act["metadata"] == {"before": {"daily_digest": True}, "after": {"daily_digest": False}}

    assert run()["sent"] == 1
    assert set(read_outbox(outbox)) == {"admin@farm.test"}
    assert sql.execute("SELECT count(*) AS n FROM digest_deliveries WHERE user_id = %s", (user,)).fetchone()["n"] == 0


def test_nothing_to_report_sends_nothing(api: ApiClient, sql: SQL, outbox: Path) -> None:
    create_user(sql, "admin@farm.test", role="admin")
    create_user(sql, "inv@farm.test", grants={"inventory": "write", "biofloc": "write"})
    clock.freeze(RUN_AT)
    assert run() == {"status": "succeeded", "scheduled_time": "2025-03-09T17:00:00+00:00",
                     "digest_date": "2025-03-10", "sent": 0, "empty": 2, "failed": 0, "skipped": 0}  # fmt: skip
    assert not outbox.exists() or not list(outbox.glob("*.eml"))
    assert {r["status"] for r in sql.execute("SELECT status FROM digest_deliveries").fetchall()} == {"empty"}
    # Settled for the day: a later run the same day does not look again.
    assert run("2025-03-09T18:00:00Z")["empty"] == 0


def test_one_digest_per_user_and_day_whatever_the_scheduler_delivers(farm: Setup, sql: SQL, outbox: Path) -> None:
    assert run()["sent"] == 1
    # The same delivery again (a scheduler retry): the run record makes it a no-op.
    assert run() == {"status": "duplicate", "scheduled_time": "2025-03-09T17:00:00+00:00", "digest_date": "2025-03-10"}
    # The schedule firing twice the same farm day (another time; or `make digest` by hand): nobody gets a second mail.
    again = run("2025-03-09T23:00:00Z")
    assert again["status"] == "succeeded" and again["sent"] == again["empty"] == 0
    assert len(list(outbox.glob("*.eml"))) == 1
    runs = sql.execute("SELECT scheduled_time, status, result FROM job_runs WHERE job = 'daily_digest' "
                       "ORDER BY scheduled_time").fetchall()  # fmt: skip
    assert [(r["status"], r["result"]["sent"]) for r in runs] == [("succeeded", 1), ("succeeded", 0)]
    # The next farm day is a new digest.
    clock.freeze(RUN_AT + timedelta(days=1, seconds=5))
    assert run("2025-03-10T17:00:00Z")["sent"] == 1
    assert len(list(outbox.glob("*.eml"))) == 2


def test_another_run_busy_with_a_user_is_not_doubled(farm: Setup, sql: SQL, outbox: Path) -> None:
    # A claim made a minute ago by a run still sending: skipped. One left for longer (the run died): taken over.
    sql.execute("INSERT INTO digest_deliveries (user_id, digest_date, status, claimed_at) VALUES (%s, '2025-03-10', "
                "'sending', %s)", (farm.admin_id, clock.now() - timedelta(minutes=1)))  # fmt: skip
    assert run()["sent"] == 0 and not outbox.exists()
    clock.advance(timedelta(minutes=15))
    assert run("2025-03-09T17:30:00Z")["sent"] == 1
    assert sql.execute("SELECT status FROM digest_deliveries").fetchone()["status"] == "sent"


# --- SES (moto) ---------------------------------------------------------------------------------------------------


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's SES with the sender verified; the mails leave through SES instead of the outbox."""
    monkeypatch.delenv("MAIL_OUTBOX_DIR", raising=False)
    monkeypatch.setenv("SES_FROM_ADDRESS", SENDER)
    settings.reset_caches()
    with mock_aws():
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        boto3.client("ses", region_name="eu-west-1").verify_email_identity(EmailAddress=SENDER)
        yield ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
    settings.reset_caches()


def sent_to(backend: Any) -> list[tuple[str, EmailMessage]]:
    out = []
    for sent in backend.sent_messages:
        msg = message_from_string(sent.raw_data, policy=default)
        assert isinstance(msg, EmailMessage)
        assert sent.source == SENDER and msg["From"] == SENDER
        out.append((str(msg["To"]), msg))
    return out


def test_sent_through_ses_with_text_and_html(farm: Setup, sql: SQL, ses: Any) -> None:
    create_user(sql, "inv@farm.test", grants={"inventory": "read"})
    assert run()["sent"] == 2
    mails = dict(sent_to(ses))
    assert set(mails) == {"admin@farm.test", "inv@farm.test"}
    text, html = parts(mails["inv@farm.test"])
    assert INVENTORY_TEXT.format(rid=expiring_reservation(sql)) in text
    assert "&lt;Pro&gt;" in html and "BIOFLOC" not in text


def test_one_users_failure_stops_nobody_and_the_next_run_of_the_day_retries_it(farm: Setup, sql: SQL, ses: Any) -> None:
    # SES refuses an address without a domain (InvalidParameterValue); the others are sent all the same.
    broken = create_user(sql, "broken-address", grants={"inventory": "read"})
    create_user(sql, "inv@farm.test", grants={"inventory": "read"})
    with pytest.raises(DigestIncomplete, match="1 digest"):
        run()
    assert sorted(to for to, _ in sent_to(ses)) == ["admin@farm.test", "inv@farm.test"]
    job = sql.execute("SELECT status, result FROM job_runs WHERE job = 'daily_digest'").fetchone()
    assert job["status"] == "failed"
    assert job["result"] == {"digest_date": "2025-03-10", "sent": 2, "empty": 0, "failed": 1, "skipped": 0}
    assert sql.execute("SELECT count(*) AS n FROM digest_deliveries WHERE user_id = %s", (broken,)).fetchone()["n"] == 0

    # The address is fixed; the scheduler's retry of the same delivery mails only that user.
    sql.execute("UPDATE users SET email = 'fixed@farm.test' WHERE id = %s", (broken,))
    clock.advance(timedelta(minutes=2))
    assert run()["sent"] == 1
    assert sorted(to for to, _ in sent_to(ses)) == ["admin@farm.test", "fixed@farm.test", "inv@farm.test"]
    job = sql.execute("SELECT status, result FROM job_runs WHERE job = 'daily_digest'").fetchone()
    assert job["status"] == "succeeded" and job["result"]["sent"] == 1
    assert run()["status"] == "duplicate"


def test_unverified_sender_fails_every_mail_and_a_later_run_sends_them(farm: Setup, sql: SQL, ses: Any) -> None:
    ses.delete_identity(SENDER)
    with pytest.raises(DigestIncomplete):
        run()
    assert ses.sent_messages == [] and sql.execute("SELECT count(*) AS n FROM digest_deliveries").fetchone()["n"] == 0
    boto3.client("ses", region_name="eu-west-1").verify_email_identity(EmailAddress=SENDER)
    assert run("2025-03-09T20:00:00Z")["sent"] == 1
    assert [to for to, _ in sent_to(ses)] == ["admin@farm.test"]
