"""The clinic's drug library for ketamine: concentrations, dose, infusion time, total and weight.

The defaults are ``resources/drug_library/ketamine.json`` (values and their sources in
``docs/drug_library.md``); a clinic's own version is kept in the record database
(:mod:`ketaconsole.medication.clinic_library`) and changed only by an admin through the
guarded door (``ketaconsole drug-library``). The dose per kg, the infusion time and the
total dose each have hard limits (an order outside them is refused) and soft limits
(outside them a named clinician gives the reason); the concentration after dilution has
one allowed range (an undiluted vial is not for a pump infusion); the dosing weight has
the clinic's rule; the pump's rate resolution is there for the pump's display. Every
problem in a library is named in a sentence of its own, as for the alarm profiles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from ketaconsole.dose import CONCENTRATION_MG_ML, DURATION_MIN, MG_PER_KG
from ketaconsole.medication.body import WEIGHT_KG, DosingWeightRule, WeightBasis

DEFAULT_LIBRARY = Path(__file__).resolve().parents[2] / "resources" / "drug_library" / \
    "ketamine.json"
DRUG = "ketamine"
STRONGEST_INFUSION_MG_ML = 10.0
"""The strongest concentration a library may allow: 10 mg/mL is the weakest vial, labelled
for IV use as it is; the 50 and 100 mg/mL vials are concentrates, diluted before use
(Ketalar label, section 2)."""


class LibraryError(ValueError):
    """A drug library that cannot be used; ``problems`` holds one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def shown(value: float, *, decimals: int = 2, at_least: int = 0) -> str:
    """A number as the clinic writes it: ``1.0`` (mg/kg), ``0.75``, ``40``, ``36.5``."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    if at_least and "." not in text:
        text += "." + "0" * at_least
    return text


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity of an order the library limits: its name, unit, console bounds and form."""

    key: str
    label: str
    unit: str
    bounds: tuple[float, float]
    """What a library may set at all (the dose plan's own bounds)."""
    with_minimum: bool = True
    """Whether the library sets a minimum (the total dose has a maximum only)."""
    decimals: int = 2
    at_least: int = 0

    def format(self, value: float) -> str:
        """``value`` with its unit: '1.0 mg/kg', '40 min', '36.5 mg'."""
        return f"{shown(value, decimals=self.decimals, at_least=self.at_least)} {self.unit}"


DOSE = Quantity("dose_mg_per_kg", "Dose", "mg/kg", MG_PER_KG, decimals=3, at_least=1)
INFUSION = Quantity("infusion_minutes", "Infusion time", "min", DURATION_MIN)
TOTAL = Quantity("total_mg", "Total dose", "mg", (1.0, MG_PER_KG[1] * WEIGHT_KG[1]),
                 with_minimum=False, decimals=1)
QUANTITIES = {q.key: q for q in (DOSE, INFUSION, TOTAL)}


@dataclass(frozen=True, slots=True)
class Band:
    """One quantity's limits: outside hard_min..hard_max an order is refused; outside
    soft_min..soft_max it needs a named clinician's reason. A total dose has no minimum."""

    soft_max: float
    hard_max: float
    soft_min: float | None = None
    hard_min: float | None = None

    def as_record(self, quantity: Quantity) -> dict[str, float]:
        if not quantity.with_minimum:
            return {"soft_max": self.soft_max, "hard_max": self.hard_max}
        assert self.hard_min is not None and self.soft_min is not None
        return {"hard_min": self.hard_min, "soft_min": self.soft_min,
                "soft_max": self.soft_max, "hard_max": self.hard_max}

    def hard(self, quantity: Quantity) -> str:
        """The hard range in words: '20 to 240 min', 'at most 120 mg'."""
        if self.hard_min is None:
            return f"at most {quantity.format(self.hard_max)}"
        return f"{shown(self.hard_min, decimals=quantity.decimals)} to " \
               f"{quantity.format(self.hard_max)}"


@dataclass(frozen=True, slots=True)
class DrugLibrary:
    """The clinic's limits for one drug, checked when made (``LibraryError`` if unusable)."""

    name: str
    version: int
    concentration_mg_ml: tuple[float, float]
    """The concentrations allowed after dilution, lowest and highest."""
    dose_mg_per_kg: Band
    infusion_minutes: Band
    total_mg: Band
    dosing_weight: DosingWeightRule
    pump_rate_step_ml_h: float
    """The smallest rate step the clinic's pumps take, for showing a rate as the pump can."""
    description: str = ""
    drug: str = DRUG
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        problems = _relations(self)
        if problems:
            raise LibraryError(problems)

    @property
    def label(self) -> str:
        """The library in force, as the record names it: 'ketamine library default v1'."""
        return f"{self.drug} library {self.name} v{self.version}"

    @property
    def words(self) -> str:
        """The library as a clinician reads it (:func:`library_in_words`)."""
        return library_in_words(self.label)

    def band(self, quantity: Quantity) -> Band:
        band: Band = getattr(self, quantity.key)
        return band

    def as_record(self) -> dict[str, Any]:
        """The library in the form of its JSON file."""
        rule = self.dosing_weight
        sources = {"sources": dict(self.sources)} if self.sources else {}
        return {"drug": self.drug, "name": self.name, "version": self.version,
                "description": self.description,
                "concentration_mg_ml": {"min": self.concentration_mg_ml[0],
                                        "max": self.concentration_mg_ml[1]},
                **{q.key: self.band(q).as_record(q) for q in QUANTITIES.values()},
                "dosing_weight": {"basis": rule.basis.value, "above_bmi": rule.above_bmi,
                                  "ideal_bmi": rule.ideal_bmi,
                                  "adjusted_fraction": rule.adjusted_fraction},
                "pump_rate_step_ml_h": self.pump_rate_step_ml_h, **sources}


def _relations(library: DrugLibrary) -> list[str]:
    """What is wrong between a library's values (each value's own type is checked on reading)."""
    problems: list[str] = []
    low, high = library.concentration_mg_ml
    if not CONCENTRATION_MG_ML[0] <= low < high:
        problems.append(f"concentration_mg_ml: min {low:g} must be at least "
                        f"{CONCENTRATION_MG_ML[0]:g} and below max {high:g} mg/mL.")
    if high > STRONGEST_INFUSION_MG_ML:
        problems.append(f"concentration_mg_ml: max {high:g} mg/mL is above "
                        f"{STRONGEST_INFUSION_MG_ML:g} mg/mL; stronger solutions are vial "
                        "concentrates (50 and 100 mg/mL) that are diluted before a pump "
                        "infusion.")
    for quantity in QUANTITIES.values():
        band = library.band(quantity)
        order = [band.hard_min, band.soft_min, band.soft_max, band.hard_max]
        names = ["hard_min", "soft_min", "soft_max", "hard_max"]
        given = [(n, v) for n, v in zip(names, order, strict=True) if v is not None]
        lowest, highest = quantity.bounds
        for name, value in given:
            if not lowest <= value <= highest:
                problems.append(f"{quantity.key}: {name} {value:g} must be from {lowest:g} to "
                                f"{highest:g} {quantity.unit}.")
        for (first, a), (second, b) in pairwise(given):
            if a > b:
                problems.append(f"{quantity.key}: {first} {a:g} is above {second} {b:g}; the "
                                "soft limits lie within the hard ones, lowest first.")
    rule = library.dosing_weight
    if not 18.5 <= rule.above_bmi <= 60:
        problems.append(f"dosing_weight: above_bmi {rule.above_bmi:g} must be from 18.5 to 60.")
    if not 18.5 <= rule.ideal_bmi <= 25:
        problems.append(f"dosing_weight: ideal_bmi {rule.ideal_bmi:g} must be from 18.5 to 25 "
                        "(a healthy BMI).")
    if not 0 <= rule.adjusted_fraction <= 1:
        problems.append(f"dosing_weight: adjusted_fraction {rule.adjusted_fraction:g} must be "
                        "from 0 to 1.")
    if not 0.001 <= library.pump_rate_step_ml_h <= 1:
        problems.append(f"pump_rate_step_ml_h {library.pump_rate_step_ml_h:g} must be from "
                        "0.001 to 1 mL/h.")
    if library.version < 1:
        problems.append("version must be 1 or more.")
    if library.drug != DRUG:
        problems.append(f"drug {library.drug!r}: this console's library is for {DRUG}.")
    if not library.name.strip() or len(library.name) > 40:
        problems.append("name must be 1 to 40 characters.")
    return problems


class _Reader:
    """Reads a library record's fields, noting one sentence per bad or missing one."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.record = record
        self.problems: list[str] = []

    def section(self, key: str, fields: tuple[str, ...]) -> Mapping[str, Any]:
        value = self.record.get(key)
        if not isinstance(value, dict):
            self.problems.append(f"{key} is missing; it holds {', '.join(fields)}.")
            return {}
        for unknown in sorted(set(value) - set(fields)):
            self.problems.append(f"{key} has no field {unknown!r}; its fields are "
                                 f"{', '.join(fields)}.")
        return value

    def number(self, where: str, section: Mapping[str, Any], key: str) -> float:
        value = section.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            if section or where == "":
                self.problems.append(f"{where + ': ' if where else ''}{key} must be a number.")
            return math.nan
        return float(value)


BAND_FIELDS = ("hard_min", "soft_min", "soft_max", "hard_max")
DOSING_FIELDS = ("basis", "above_bmi", "ideal_bmi", "adjusted_fraction")
TOP_FIELDS = ("drug", "name", "version", "description", "concentration_mg_ml",
              *QUANTITIES, "dosing_weight", "pump_rate_step_ml_h", "sources")


def library_from_record(record: Any) -> DrugLibrary:
    """A library from its JSON form; :class:`LibraryError` naming every problem."""
    if not isinstance(record, dict):
        raise LibraryError(["A drug library is a JSON object; compare it with the default "
                            "library file."])
    read = _Reader(record)
    for unknown in sorted(set(record) - set(TOP_FIELDS)):
        read.problems.append(f"A drug library has no field {unknown!r}.")
    concentration = read.section("concentration_mg_ml", ("min", "max"))
    bands: dict[str, Band] = {}
    for quantity in QUANTITIES.values():
        fields = BAND_FIELDS if quantity.with_minimum else ("soft_max", "hard_max")
        section = read.section(quantity.key, fields)
        values = {name: read.number(quantity.key, section, name) for name in fields}
        bands[quantity.key] = Band(values["soft_max"], values["hard_max"],
                                   values.get("soft_min"), values.get("hard_min"))
    dosing = read.section("dosing_weight", DOSING_FIELDS)
    try:
        basis = WeightBasis(dosing.get("basis"))
    except ValueError:
        basis = WeightBasis.ACTUAL
        read.problems.append("dosing_weight: basis must be one of "
                             f"{', '.join(b.value for b in WeightBasis)}.")
    rule = DosingWeightRule(basis, *(read.number("dosing_weight", dosing, k)
                                     for k in DOSING_FIELDS[1:]))
    version = record.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        read.problems.append("version must be a whole number.")
        version = 1
    name, description = record.get("name"), record.get("description", "")
    sources = record.get("sources", {})
    for key, value in (("name", name), ("description", description)):
        if not isinstance(value, str):
            read.problems.append(f"{key} must be text.")
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        read.problems.append("sources must map a field to the text of its source.")
        sources = {}
    step = read.number("", record, "pump_rate_step_ml_h")
    if read.problems:
        raise LibraryError(read.problems)
    return DrugLibrary(
        name=str(name), version=version,
        concentration_mg_ml=(read.number("concentration_mg_ml", concentration, "min"),
                             read.number("concentration_mg_ml", concentration, "max")),
        dose_mg_per_kg=bands[DOSE.key], infusion_minutes=bands[INFUSION.key],
        total_mg=bands[TOTAL.key], dosing_weight=rule, pump_rate_step_ml_h=step,
        description=str(description), drug=str(record.get("drug", DRUG)), sources=sources)


def library_from_json(text: str, where: str = "the drug library") -> DrugLibrary:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError([f"{where} is not valid JSON (line {exc.lineno}, column "
                            f"{exc.colno}: {exc.msg}); fix it."]) from None
    return library_from_record(record)


def load_library(path: Path = DEFAULT_LIBRARY) -> DrugLibrary:
    """Read and check a library file; any problem is :class:`LibraryError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise LibraryError([f"The drug library {path.name} cannot be read "
                            f"({exc.strerror or exc}); check the file exists."]) from None
    return library_from_json(text, f"The drug library {path.name}")


def default_library() -> DrugLibrary:
    """The library the console ships with (``resources/drug_library/ketamine.json``)."""
    return load_library(DEFAULT_LIBRARY)


SETTABLE: dict[str, Callable[[str], Any]] = {
    "name": str, "description": str,
    "concentration_mg_ml.min": float, "concentration_mg_ml.max": float,
    **{f"{q.key}.{name}": float for q in QUANTITIES.values()
       for name in (BAND_FIELDS if q.with_minimum else ("soft_max", "hard_max"))},
    "dosing_weight.basis": str, "dosing_weight.above_bmi": float,
    "dosing_weight.ideal_bmi": float, "dosing_weight.adjusted_fraction": float,
    "pump_rate_step_ml_h": float}
"""What an admin may change one at a time, by the field's path in the library's JSON."""


def with_value(library: DrugLibrary, path: str, text: str) -> DrugLibrary:
    """``library`` with the field at ``path`` set to ``text``, checked as a whole."""
    kind = SETTABLE.get(path)
    if kind is None:
        raise LibraryError([f"There is no drug-library field {path!r}; the fields are "
                            f"{', '.join(SETTABLE)}."])
    try:
        value = kind(text.strip())
    except ValueError:
        raise LibraryError([f"{path} must be a number, not {text!r}."]) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise LibraryError([f"{path} must be a finite number."])
    record = library.as_record()
    section, _, leaf = path.rpartition(".")
    (record[section] if section else record)[leaf] = value
    return library_from_record(record)


def library_in_words(label: str) -> str:
    """A recorded library (``label``, "ketamine library default v1") in a clinician's
    words: "the default ketamine library, version 1"."""
    head, _, version = label.rpartition(" v")
    drug, _, name = head.partition(" library ")
    if not drug or not name or not version.isdigit():
        return label
    if name == "default":
        return f"the default {drug} library, version {version}"
    return f"the clinic's {drug} library \u201c{name}\u201d, version {version}"
