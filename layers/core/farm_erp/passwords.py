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
        bcrypt.checkpw(candidate, dummy_hash())
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:
        return False


# Hashes of DUMMY_SECRET at every cost BCRYPT_ROUNDS may take, made once offline: an unknown email is checked
# against the one of the configured cost, so it costs one bcrypt like a wrong password, from the first request
# of a container on (a hash made on first use cost a second bcrypt there), and importing costs no bcrypt at all.
DUMMY_SECRET = b"farm-erp unknown account"
DUMMY_HASHES: dict[int, bytes] = {
    4: b"$2b$04$IGjBp.uJ/iy0qSVFjyAgbOu9OOGHQgCGdmlWLfv1YTm9DzH7C3V.C",
    5: b"$2b$05$4CcHnouf4./wJKMoMkTI2uv5jfMqOn8KToq.i8lXPQNP9t/tHz/XK",
    6: b"$2b$06$n6orM/fjtRcq8PhppWoB0u36KdFiaMGhLqfoXMPRWPGs8jQkcl04i",
    7: b"$2b$07$0ATmEDUstcudUEktOnkOkue6X5gtRtsoP1JhW1aZMl5pFtt1iDdcW",
    8: b"$2b$08$29j2T9NK0xMoZr9v5cX2deoQk9pw.4K0Dao18s1jIAjVnK7PFsW9m",
    9: b"$2b$09$4jqv9UB3JLQ1G3SSFT2gp.DtUa5aHMlwQYRuvSURafB2qZwJ6Ppti",
    10: b"$2b$10$0180zcRbbd/es1SSnhaFm.BjWvPVw0uudA370cuWcGxSkqYneDqES",
    11: b"$2b$11$euloB1jWFpGVztpOAIh9COIHYxvfGAD.PFiX8uMCUz19zP.FMm24K",
    12: b"$2b$12$1V6s4hA3f1MwLktFu6kZ..VPJdzjGdEhBoNx4RF0dvLatk2ia9HRa",
    13: b"$2b$13$G8VbKp1crjhA1XmqAVJq3uDlMDqx2x3NTRYA4Z45oxB0hCJBQA75i",
    14: b"$2b$14$Q94Bbm4B6eOUqdtjJ4aoGegStoX5Gj3sj8.dh2Q6VciBPX7gmqfHO",
    15: b"$2b$15$.BOHjCZ/lpFkQ1KA.rpnxOcye1vbTlr3CNKt2dFx/Ul3Z5tig2q1m",
    16: b"$2b$16$tJrazlhQ7obgG4tQAl6MKeNOEyuKASK2OAd081KDY7ZM.LGBEd2.G",
}


def dummy_hash() -> bytes:
    """The precomputed hash at the configured cost (settings keep BCRYPT_ROUNDS within 4..16)."""
    return DUMMY_HASHES[get_settings().bcrypt_rounds]


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
