"""Password hashing (bcrypt), the password policy (docs/rules.md: Sign-in and passwords) and temporary passwords."""

from __future__ import annotations

import secrets
import string
from functools import lru_cache
from importlib import resources

import bcrypt

from farm_erp.settings import get_settings

SPECIALS = "!@#$%^&*()_+-=[]{}|;:,.<>?"
MIN_LENGTH = 8
MAX_BYTES = 72  # bcrypt ignores everything past 72 bytes: refuse rather than silently truncate


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = resources.files("farm_erp").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def policy_errors(password: str, email: str | None = None) -> list[str]:
    """Every rule the password breaks (empty when it is acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append(f"must be at most {MAX_BYTES} bytes")
    if not any(c.isupper() for c in password):
        problems.append("must contain an upper-case letter")
    if not any(c.islower() for c in password):
        problems.append("must contain a lower-case letter")
    if not any(c.isdigit() for c in password):
        problems.append("must contain a digit")
    if not any(c in SPECIALS for c in password):
        problems.append(f"must contain a special character from {SPECIALS}")
    if password.lower() in _common_passwords():
        problems.append("is too common")
    if email:
        local = email.strip().lower().split("@", 1)[0]
        if local and password.lower() == local:
            problems.append("must not be the email's local part")
    return problems


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(get_settings().bcrypt_rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant work whether or not a hash exists: unknown users cost the same bcrypt round as known ones."""
    candidate = password.encode("utf-8")[:MAX_BYTES]
    if not password_hash:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(get_settings().bcrypt_rounds))


def temporary_password(length: int = 16) -> str:
    """Random password that always satisfies the policy (one of each class, the rest mixed)."""
    alphabet = string.ascii_letters + string.digits + SPECIALS
    while True:
        chars = [
            secrets.choice(string.ascii_uppercase),
            secrets.choice(string.ascii_lowercase),
            secrets.choice(string.digits),
            secrets.choice(SPECIALS),
        ]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        pw = "".join(chars)
        if not policy_errors(pw):
            return pw
