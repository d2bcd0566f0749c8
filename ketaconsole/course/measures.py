"""Rating scales a patient answers item by item: PHQ-9, GAD-7 and the clinician-rated MADRS.

Each instrument knows its items, their range, how it is scored and banded, its
version and its LOINC codes: the panel, the total and each item's. This is the one
catalogue of those codes. PHQ-9 (panel 44249-1) and GAD-7 (panel 69737-5) item codes
are LOINC's, in the order of LOINC's own panels (as public FHIR Questionnaires of those
panels give them). The MADRS has no LOINC panel or item codes we could confirm: its
items are named by text only, and a reader matches them by linkId. :func:`score`
checks a set of answers and returns a :class:`MeasureResult`, which is what the
timeline stores (``measure`` events), the course view plots and the FHIR export turns
into a QuestionnaireResponse and an Observation. A PHQ-9 with item 9 (thoughts of
self-harm) above 0 carries the clinical flag ``suicidality``, which a named person must
acknowledge before dosing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SUICIDALITY_FLAG = "suicidality"


class MeasureError(ValueError):
    """Answers that cannot be scored; the text says which item to answer."""


@dataclass(frozen=True, slots=True)
class Instrument:
    """One rating scale: items, per-item range, severity bands and codes."""

    key: str
    title: str
    version: str
    items: tuple[str, ...]
    item_max: int
    bands: tuple[tuple[int, str], ...]
    """(lowest total, band name), in increasing order."""
    total_loinc: str | None = None
    panel_loinc: str | None = None
    clinician_rated: bool = False
    item_loinc: tuple[str, ...] = ()
    """Each item's LOINC code, in item order; empty where LOINC has none."""

    @property
    def total_max(self) -> int:
        return self.item_max * len(self.items)

    def band(self, total: int) -> str:
        name = self.bands[0][1]
        for lowest, label in self.bands:
            if total >= lowest:
                name = label
        return name


PHQ9 = Instrument(
    "PHQ-9", "Patient Health Questionnaire-9", "PHQ-9 (Kroenke, Spitzer & Williams 2001)",
    ("Little interest or pleasure in doing things",
     "Feeling down, depressed, or hopeless",
     "Trouble falling or staying asleep, or sleeping too much",
     "Feeling tired or having little energy",
     "Poor appetite or overeating",
     "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or "
     "your family down",
     "Trouble concentrating on things, such as reading the newspaper or watching "
     "television",
     "Moving or speaking so slowly that other people could have noticed? Or the opposite "
     "\u2014 being so fidgety or restless that you have been moving around a lot more than "
     "usual",
     "Thoughts that you would be better off dead or of hurting yourself in some way"),
    3, ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"),
        (20, "severe")),
    total_loinc="44261-6", panel_loinc="44249-1",
    item_loinc=("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5",
                "44253-3", "44260-8"))

GAD7 = Instrument(
    "GAD-7", "Generalized Anxiety Disorder-7", "GAD-7 (Spitzer, Kroenke, Williams & Lowe 2006)",
    ("Feeling nervous, anxious, or on edge",
     "Not being able to stop or control worrying",
     "Worrying too much about different things",
     "Trouble relaxing",
     "Being so restless that it is hard to sit still",
     "Becoming easily annoyed or irritable",
     "Feeling afraid, as if something awful might happen"),
    3, ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
    total_loinc="70274-6", panel_loinc="69737-5",
    item_loinc=("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"))

MADRS = Instrument(
    "MADRS", "Montgomery-Asberg Depression Rating Scale", "MADRS (Montgomery & Asberg 1979)",
    ("Apparent sadness", "Reported sadness", "Inner tension", "Reduced sleep",
     "Reduced appetite", "Concentration difficulties", "Lassitude", "Inability to feel",
     "Pessimistic thoughts", "Suicidal thoughts"),
    6, ((0, "none"), (7, "mild"), (20, "moderate"), (35, "severe")),
    clinician_rated=True)

INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (PHQ9, GAD7, MADRS)}

PHQ9_REMISSION_BELOW = 5
"""PHQ-9 below 5 is remission (minimal symptoms)."""
RESPONSE_FRACTION = 0.5
"""A 50 % drop from the baseline score is a response (PHQ-9 and MADRS alike)."""
MADRS_REMISSION_AT_MOST = 10
"""MADRS of 10 or less is remission, the cut-off of the IV ketamine trials the clinic's
outcomes are compared with (CLINICAL.md's table says "< 10"; the one point between them
is this constant)."""


@dataclass(frozen=True, slots=True)
class MeasureResult:
    """A scored administration of one instrument."""

    instrument: str
    version: str
    items: tuple[int, ...]
    total: int
    band: str
    flags: tuple[str, ...] = ()
    loinc: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "version": self.version,
                "items": list(self.items), "total": self.total, "band": self.band,
                "flags": list(self.flags), "loinc": self.loinc}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> MeasureResult:
        return cls(str(record["instrument"]), str(record.get("version", "")),
                   tuple(int(v) for v in record.get("items", ())), int(record["total"]),
                   str(record.get("band", "")), tuple(record.get("flags", ())),
                   record.get("loinc"))


def instrument(key: str) -> Instrument:
    try:
        return INSTRUMENTS[key]
    except KeyError:
        raise MeasureError(f"There is no rating scale {key!r}; choose one of "
                           f"{', '.join(INSTRUMENTS)}.") from None


def score(key: str, answers: Sequence[int | None]) -> MeasureResult:
    """Score ``answers`` (one per item, in order) on instrument ``key``."""
    scale = instrument(key)
    if len(answers) != len(scale.items):
        raise MeasureError(f"{scale.key} has {len(scale.items)} items; "
                           f"{len(answers)} answers were given.")
    values: list[int] = []
    for number, (text, answer) in enumerate(zip(scale.items, answers, strict=True), start=1):
        if isinstance(answer, bool) or not isinstance(answer, int) \
                or not 0 <= answer <= scale.item_max:
            raise MeasureError(f"Answer {scale.key} item {number} ({text.lower()}) "
                               f"with 0 to {scale.item_max}.")
        values.append(answer)
    total = sum(values)
    flags: tuple[str, ...] = ()
    if scale is PHQ9 and values[8] > 0:
        flags = (SUICIDALITY_FLAG,)
    return MeasureResult(scale.key, scale.version, tuple(values), total, scale.band(total),
                         flags, scale.total_loinc)


def responded(baseline: int, now: int) -> bool:
    """A 50 % reduction from the baseline score."""
    return baseline > 0 and now <= baseline * (1 - RESPONSE_FRACTION)


def remitted_phq9(total: int) -> bool:
    return total < PHQ9_REMISSION_BELOW


def remitted_madrs(total: int) -> bool:
    return total <= MADRS_REMISSION_AT_MOST
