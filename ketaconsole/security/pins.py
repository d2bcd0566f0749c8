"""PINs and passwords: what is acceptable, and their argon2id hashes.

Only the hash is stored. A PIN is at least six digits (more if the clinic asks for the
user's role), or a passphrase of at least :data:`MIN_PASSPHRASE_LENGTH` characters that
is not letters alone. The PINs an attacker tries first are refused whatever their
length (:func:`pin_weakness`): one digit repeated (111111), a repeated block (1212,
123123), a sequence with a constant step (1234, 9876, 2468, 1357, 135790), a straight
line on the keypad or two of them (2580, 0852, 147258), its four corners (1379), and
the PINs the demo publishes. A PIN is checked when it is set; the demo's own database
keeps its published PINs (:func:`hash_published_demo_pin`), nothing else may use them.

The argon2id cost is OWASP's minimum (19 MiB, two passes, one lane): a log-in at the
bedside answers in about a tenth of a second. A short PIN is protected by the lock-out,
not by the hash's cost (see docs/data-protection.md). :data:`DUMMY_HASH` is a fixed
hash of no one's PIN with the same cost: a log-in under a name no one has checks the
PIN against it, so it costs the same from the first attempt of a process.
"""

from __future__ import annotations

import itertools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PIN_LENGTH = 6
"""The fewest digits a PIN may have; a clinic may ask for more, never fewer."""
MIN_PASSPHRASE_LENGTH = 12
MAX_PIN_LENGTH = 128

ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_LANES = 1

_HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB,
                         parallelism=ARGON2_LANES)

DUMMY_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$zI5lerC0yLt4KtTY6ArYNA$"
              "I/mRF4XlzWR3cYhUdFgwjd34HZzD+7MCXepkRJIBoPc")
"""A hash of no one's PIN, at the hasher's cost (a test holds the two together)."""

PUBLISHED_DEMO_PINS = frozenset({"2468", "135790"})
"""The demo's users' PINs, printed in the README and on the demo's lock panel."""

# Where each digit sits on a phone keypad (1 2 3 / 4 5 6 / 7 8 9 / 0 under 8) and on a
# computer's number pad (7 8 9 / 4 5 6 / 1 2 3 / 0 under 2).
_PHONE = {str(d): ((d - 1) // 3, (d - 1) % 3) for d in range(1, 10)} | {"0": (3, 1)}
_NUMPAD = {str(d): (2 - (d - 1) // 3, (d - 1) % 3) for d in range(1, 10)} | {"0": (3, 1)}
_CORNERS = frozenset("1379")


class BadPin(ValueError):
    """A new PIN the console does not accept; the text says what a PIN must be."""


def _walks_keypad(pin: str, keypad: dict[str, tuple[int, int]]) -> bool:
    """Each digit next to the one before (across, down or diagonally) on ``keypad``."""
    return all(max(abs(keypad[a][0] - keypad[b][0]), abs(keypad[a][1] - keypad[b][1])) <= 1
               for a, b in itertools.pairwise(pin))


def _straight(pin: str, keypad: dict[str, tuple[int, int]]) -> bool:
    """Each digit the next key in one direction (2580, 159, 36)."""
    moves = {(keypad[b][0] - keypad[a][0], keypad[b][1] - keypad[a][1])
             for a, b in itertools.pairwise(pin)}
    return len(moves) == 1 and moves != {(0, 0)} and _walks_keypad(pin, keypad)


def _repeats_a_block(pin: str) -> bool:
    return any(len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
               for size in range(1, len(pin) // 2 + 1))


def pin_weakness(pin: str) -> str | None:
    """Why a PIN of digits is among the first an attacker tries, in a few words, or None."""
    if not pin.isdigit() or len(pin) < 3:  # too short to be a pattern: too short anyway
        return None
    if pin in PUBLISHED_DEMO_PINS:
        return "is one of the demo's published PINs"
    if len(set(pin)) == 1:
        return "repeats one digit"
    if _repeats_a_block(pin):
        return "repeats a group of digits"
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1:
        return "is a sequence of digits"
    doubled = pin[::2]
    if len(pin) % 2 == 0 and pin[1::2] == doubled and len(
            {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(doubled)}) == 1:
        return "is a sequence of doubled digits"
    if set(pin) <= _CORNERS:
        return "uses only the keypad's corners"
    for keypad in (_PHONE, _NUMPAD):
        if _straight(pin, keypad) or any(
                _straight(pin[:cut], keypad) and _straight(pin[cut:], keypad)
                for cut in range(2, len(pin) - 1)):
            return "is a line or shape on the keypad"
    return None


def check_new_pin(pin: str, min_length: int = MIN_PIN_LENGTH) -> str:
    """``pin`` if it can be used as a PIN, else :class:`BadPin` in one sentence.

    Refused: surrounding spaces, the PINs tried first (:func:`pin_weakness`), fewer than
    ``min_length`` digits (the clinic's setting for the user's role, never under six),
    and a passphrase shorter than :data:`MIN_PASSPHRASE_LENGTH` or of letters alone.
    """
    if pin != pin.strip():
        raise BadPin("a PIN cannot start or end with a space; enter it again without one")
    if len(pin) > MAX_PIN_LENGTH:
        raise BadPin(f"a PIN can have at most {MAX_PIN_LENGTH} characters; choose a shorter one")
    digits = max(min_length, MIN_PIN_LENGTH)
    weakness = pin_weakness(pin)
    if weakness is not None:
        raise BadPin(f"this PIN {weakness}, so it is guessed first; choose {digits} or more "
                     "digits without a pattern")
    if pin.isdigit():
        if len(pin) < digits:
            raise BadPin(f"a PIN needs at least {digits} digits; choose a longer one")
        return pin
    if len(pin) < max(MIN_PASSPHRASE_LENGTH, digits) or pin.replace(" ", "").isalpha():
        raise BadPin(f"a PIN is {digits} or more digits (or a passphrase of at least "
                     f"{max(MIN_PASSPHRASE_LENGTH, digits)} characters, not letters alone); "
                     "choose one")
    return pin


def hash_pin(pin: str, min_length: int = MIN_PIN_LENGTH) -> str:
    return _HASHER.hash(check_new_pin(pin, min_length))


def hash_published_demo_pin(pin: str) -> str:
    """The hash of one of the demo's published PINs, for the demo's own database only."""
    if pin not in PUBLISHED_DEMO_PINS:
        raise BadPin("only the demo's published PINs are hashed without the PIN rule")
    return _HASHER.hash(pin)


def pin_matches(stored_hash: str | None, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored_hash`` was made from.

    Without a stored hash the PIN is checked against :data:`DUMMY_HASH` (and refused),
    so a name without a PIN costs the same work as one with.
    """
    try:
        matched = _HASHER.verify(stored_hash or DUMMY_HASH, pin)
    except (VerificationError, InvalidHashError):
        return False
    return matched and bool(stored_hash)
