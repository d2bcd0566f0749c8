"""The patient as the bedside screens name them: who, how old, how heavy (and how tall)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Patient:
    name: str
    age_years: int | None
    weight_kg: float
    identifier: str = ""
    height_cm: float | None = None

    def summary(self) -> str:
        age = f"{self.age_years} y" if self.age_years is not None else "age not recorded"
        return f"{self.name} \u00b7 {age} \u00b7 {self.weight_kg:g} kg"
