"""Password policy (docs/rules.md: Sign-in and passwords), hashing and temporary passwords."""

from __future__ import annotations

import pytest

from farm_erp.passwords import SPECIALS, hash_password, policy_errors, temporary_password, verify_password

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
