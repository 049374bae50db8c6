"""Password policy (docs/rules.md: Sign-in and passwords), hashing and temporary passwords."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bcrypt
import pytest

from farm_erp import settings
from farm_erp.passwords import (
    DUMMY_HASHES,
    DUMMY_SECRET,
    SPECIALS,
    hash_password,
    policy_errors,
    temporary_password,
    verify_password,
)

ROOT = Path(__file__).resolve().parents[2]

GOOD = "Harvest#2025pond"


def test_a_good_password_passes() -> None:
    assert policy_errors(GOOD) == []
    assert policy_errors(GOOD, "grower@farm.test") == []


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Ab1!xyz", "at least 8"),
        ("harvest#2025pond", "upper-case"),
        ("HARVEST#2025POND", "lower-case"),
        ("Harvest#pondpond", "digit"),
        ("Harvest2025pond", "special"),
    ],
)
def test_each_rule(password: str, problem: str) -> None:
    errors = policy_errors(password)
    assert len(errors) == 1 and problem in errors[0]


def test_length_is_8_characters_up_to_72_utf8_bytes() -> None:
    assert policy_errors("Ab1!wxyz") == []
    ascii72 = "Ab1!" + "x" * 68
    assert policy_errors(ascii72) == []
    assert any("72 bytes" in e for e in policy_errors(ascii72 + "x"))
    # Characters are not bytes: "Ab1!" and 34 "é" are 38 characters but 72 bytes; one more is 73.
    accented = "Ab1!" + "é" * 34
    assert len(accented.encode()) == 72 and policy_errors(accented) == []
    assert any("72 bytes" in e for e in policy_errors(accented + "z"))


def test_every_listed_special_character_counts() -> None:
    for ch in SPECIALS:
        assert policy_errors(f"Harvest2025{ch}") == [], ch
    assert any("special" in e for e in policy_errors("Harvest2025~"))
    assert any("special" in e for e in policy_errors("Harvest2025 "))


@pytest.mark.parametrize("common", ["Password1!", "PASSWORD123!", "p@ssw0rd!", "Qwerty123!"])
def test_common_passwords_are_refused_case_insensitively(common: str) -> None:
    assert any("common" in e for e in policy_errors(common))


def test_not_the_email_local_part() -> None:
    assert any("local part" in e for e in policy_errors("Pond.Keeper1!", "pond.keeper1!@farm.test"))
    assert any("local part" in e for e in policy_errors("POND.KEEPER1!", "  Pond.Keeper1!@Farm.Test "))
    assert policy_errors("Pond.Keeper1!", "someone@farm.test") == []


def test_all_problems_are_reported() -> None:
    assert len(policy_errors("abc")) == 4  # length, upper-case, digit, special


def test_hash_and_verify() -> None:
    hashed = hash_password(GOOD)
    assert hashed.startswith("$2") and GOOD not in hashed
    assert verify_password(GOOD, hashed)
    assert not verify_password(GOOD + "x", hashed)
    assert not verify_password(GOOD, None)
    assert not verify_password(GOOD, "")
    assert not verify_password(GOOD, "not-a-bcrypt-hash")
    assert hash_password(GOOD) != hashed  # salted


def test_temporary_passwords_meet_the_policy() -> None:
    seen = set()
    for _ in range(50):
        pw = temporary_password()
        assert len(pw) == 16 and policy_errors(pw) == []
        seen.add(pw)
    assert len(seen) == 50


class TestUnknownAccountTiming:
    """An unknown email costs one bcrypt check at the configured cost, like a wrong password, from the first
    request of a container on; no bcrypt hash is made at import or on that path."""

    def test_no_bcrypt_hashing_at_import(self) -> None:
        # A fresh interpreter whose bcrypt refuses to hash: importing the layer and the sign-in function is fine.
        code = (
            "import bcrypt\n"
            "def refuse(*a, **k):\n"
            "    raise SystemExit('bcrypt hashing at import')\n"
            "bcrypt.hashpw = refuse\n"
            "bcrypt.gensalt = refuse\n"
            "import farm_erp.passwords, auth_api.main, admin_api.main\n"
        )
        paths = [str(ROOT / p) for p in (".", "layers/core", "functions/auth", "functions/admin")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]

    def test_an_unknown_email_is_checked_against_the_precomputed_hash(self, monkeypatch: pytest.MonkeyPatch) -> None:
        checked: list[bytes] = []
        real_checkpw = bcrypt.checkpw

        def refuse(*args: object, **kwargs: object) -> bytes:
            raise AssertionError("bcrypt hash made while signing in")

        def checkpw(password: bytes, hashed: bytes) -> bool:
            checked.append(hashed)
            return bool(real_checkpw(password, hashed))

        monkeypatch.setattr(bcrypt, "hashpw", refuse)
        monkeypatch.setattr(bcrypt, "gensalt", refuse)
        monkeypatch.setattr(bcrypt, "checkpw", checkpw)
        for _ in range(2):  # the first and any later request cost the same single check
            assert verify_password(GOOD, None) is False
        rounds = settings.get_settings().bcrypt_rounds
        assert checked == [DUMMY_HASHES[rounds]] * 2
        assert checked[0].startswith(f"$2b${rounds:02d}$".encode())

    @pytest.mark.parametrize("cost", range(4, 11))
    def test_the_dummy_hashes_are_real_bcrypt_hashes(self, cost: int) -> None:
        assert sorted(DUMMY_HASHES) == list(range(4, 17))  # every cost settings accept
        hashed = DUMMY_HASHES[cost]
        assert hashed.startswith(f"$2b${cost:02d}$".encode()) and len(hashed) == 60
        assert bcrypt.checkpw(DUMMY_SECRET, hashed)
        assert not bcrypt.checkpw(b"another secret", hashed)

    @pytest.mark.slow
    @pytest.mark.parametrize("cost", range(11, 17))
    def test_the_costly_dummy_hashes_are_real_bcrypt_hashes(self, cost: int) -> None:
        hashed = DUMMY_HASHES[cost]
        assert hashed.startswith(f"$2b${cost:02d}$".encode()) and len(hashed) == 60
        assert bcrypt.checkpw(DUMMY_SECRET, hashed)
