"""The treatment a session gives, and the esketamine order's rule: what the typed events
check when they are made (:mod:`ketaconsole.session.events`) and every reader shares.

IV ketamine (the infusion) or esketamine nasal spray (Spravato): 28 mg per device, 56 or
84 mg a session as the label allows, of which the clinic allows its own choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum


class Treatment(Enum):
    """What the session gives."""

    IV_KETAMINE = "iv-ketamine"
    ESKETAMINE = "esketamine"

    @property
    def words(self) -> str:
        return {Treatment.IV_KETAMINE: "IV ketamine infusion",
                Treatment.ESKETAMINE: "esketamine nasal spray"}[self]


MG_PER_DEVICE = 28
"""Esketamine per nasal spray device (Spravato label)."""
LABEL_DOSES_MG = (56, 84)
"""The doses the label allows per session."""


def order_problem(dose_mg: object, allowed_mg: Sequence[int]) -> str | None:
    """Why ``dose_mg`` cannot be ordered in this clinic, in one sentence (``None``: it can)."""
    if not allowed_mg:
        return ("This clinic allows no esketamine dose; an admin sets esketamine-56-mg or "
                "esketamine-84-mg to 1 ('ketaconsole settings').")
    doses = " or ".join(f"{mg} mg" for mg in allowed_mg)
    if isinstance(dose_mg, bool) or not isinstance(dose_mg, int | float) \
            or dose_mg not in allowed_mg:
        shown = f"{dose_mg:g} mg" if isinstance(dose_mg, int | float) \
            and not isinstance(dose_mg, bool) else "that dose"
        return f"An esketamine dose of {shown} is not allowed here; give {doses}."
    return None


def devices_for(dose_mg: int) -> int:
    """How many 28 mg devices a dose takes (56 mg: 2, 84 mg: 3)."""
    return dose_mg // MG_PER_DEVICE
