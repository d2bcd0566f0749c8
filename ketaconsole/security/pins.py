"""PINs and passwords: what is acceptable, and their argon2id hashes.

Only the hash is stored. A PIN has at least the clinic's minimum length for the user's
role (four characters, six for admins, unless the clinic sets more), no surrounding
spaces, and is not one digit repeated or a run (1111, 1234, 9876): those are tried
first. A long passphrase is as welcome as digits. The argon2id cost is OWASP's
minimum (19 MiB, two passes, one lane): a log-in at the bedside answers in about a
tenth of a second. A short PIN is protected by the lock-out, not by the hash's cost
(see docs/data-protection.md).
"""

from __future__ import annotations

import itertools

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


def _guessable(pin: str) -> str | None:
    """Why ``pin`` is among the first an attacker tries (one digit repeated, a run), or None."""
    if not pin.isdigit():
        return None
    if len(set(pin)) == 1:
        return "repeats one digit"
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if steps in ({1}, {-1}):
        return "is a run of consecutive digits"
    return None


def check_new_pin(pin: str, min_length: int = MIN_PIN_LENGTH) -> str:
    """``pin`` if it can be used as a PIN, else :class:`BadPin`.

    Refused: surrounding spaces, fewer than ``min_length`` characters (the clinic's
    setting for the user's role), and the PINs tried first (1111, 1234, 9876).
    """
    if pin != pin.strip():
        raise BadPin("a PIN cannot start or end with a space; enter it again without one")
    if len(pin) < max(min_length, MIN_PIN_LENGTH):
        raise BadPin(f"a PIN needs at least {max(min_length, MIN_PIN_LENGTH)} characters; "
                     "choose a longer one")
    weakness = _guessable(pin)
    if weakness is not None:
        raise BadPin(f"this PIN {weakness}, so it is guessed first; choose digits without "
                     "a pattern")
    if len(pin) > MAX_PIN_LENGTH:
        raise BadPin(f"a PIN can have at most {MAX_PIN_LENGTH} characters; choose a shorter one")
    return pin


def hash_pin(pin: str, min_length: int = MIN_PIN_LENGTH) -> str:
    return _HASHER.hash(check_new_pin(pin, min_length))


def pin_matches(stored_hash: str | None, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored_hash`` was made from (``False`` if there is none)."""
    if not stored_hash:
        return False
    try:
        return _HASHER.verify(stored_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
