"""PINs and passwords: what is acceptable, and their argon2id hashes.

Only the hash is stored. A PIN is at least four characters and has no surrounding
spaces; a long passphrase is as welcome as four digits. The argon2id cost is OWASP's
minimum (19 MiB, two passes, one lane): a log-in at the bedside answers in about a
tenth of a second. A short PIN is protected by the lock-out, not by the hash's cost
(see docs/data-protection.md).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PIN_LENGTH = 4
MAX_PIN_LENGTH = 128

ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_LANES = 1

_HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                         parallelism=ARGON2_LANES)


class BadPin(ValueError):
    """A new PIN the console does not accept; the text says what a PIN must be."""


def check_new_pin(pin: str) -> str:
    """``pin`` if it can be used as a PIN, else :class:`BadPin`."""
    if pin != pin.strip():
        raise BadPin("a PIN cannot start or end with a space; enter it again without one")
    if len(pin) < MIN_PIN_LENGTH:
        raise BadPin(f"a PIN needs at least {MIN_PIN_LENGTH} characters; choose a longer one")
    if len(pin) > MAX_PIN_LENGTH:
        raise BadPin(f"a PIN can have at most {MAX_PIN_LENGTH} characters; choose a shorter one")
    return pin


def hash_pin(pin: str) -> str:
    return _HASHER.hash(check_new_pin(pin))


def pin_matches(stored_hash: str | None, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored_hash`` was made from (``False`` if there is none)."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
