"""The contraindications an eligibility assessment asks, each absolute or relative by default.

The one list the assessment form, ``ketaconsole assess`` and the clinic's settings read.
An absolute contraindication stops the course; a relative one lets it go ahead with the
prescriber's written reasoning. A clinic makes any of them absolute or relative with the
setting ``absolute-<name>`` (1 or 0, ``ketaconsole settings``).

The defaults follow the APA consensus statement (Sanacora et al., JAMA Psychiatry
2017;74(4):399-405), which names as concerns before IV ketamine: psychosis, uncontrolled
hypertension and cardiovascular risk (aneurysmal vascular disease, recent myocardial
infarction or stroke), raised intracranial pressure, pregnancy, substance use, and
cognitive impairment; with the ketamine label (known hypersensitivity; conditions in
which a rise in blood pressure would be a serious hazard). Where the statement asks for
careful evaluation rather than exclusion (liver, thyroid, glaucoma, cognition, brain
injury, breastfeeding, interacting drugs, a substance use disorder in sustained
remission), the default is relative: the prescriber decides and writes why (ours).
``docs/eligibility.md`` gives each default with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Contraindication:
    """One question of the assessment: its name, its words, its default severity."""

    key: str
    label: str
    absolute: bool
    """Whether it stops the course unless the clinic set otherwise."""

    @property
    def option(self) -> str:
        """Its option on ``ketaconsole assess`` (``--angle-closure-glaucoma``)."""
        return "--" + self.key.replace("_", "-")

    @property
    def setting(self) -> str:
        """The clinic setting that makes it absolute (1) or relative (0)."""
        return "absolute-" + self.key.replace("_", "-")


CONTRAINDICATIONS: tuple[Contraindication, ...] = (
    Contraindication("active_psychosis", "active psychosis", True),
    Contraindication("pregnancy", "pregnancy", True),
    Contraindication("raised_intracranial_pressure",
                     "raised intracranial pressure or intracranial mass", True),
    Contraindication("aneurysm_or_dissection", "aneurysm or arterial dissection", True),
    Contraindication("recent_cardiovascular_event",
                     "recent myocardial infarction, stroke or unstable angina", True),
    Contraindication("ketamine_hypersensitivity", "known hypersensitivity to ketamine", True),
    Contraindication("active_substance_use_disorder", "active substance use disorder", True),
    Contraindication("substance_use_disorder_in_remission",
                     "substance use disorder in sustained remission", False),
    Contraindication("severe_hepatic_impairment", "severe hepatic impairment", False),
    Contraindication("uncontrolled_hyperthyroidism", "uncontrolled hyperthyroidism", False),
    Contraindication("angle_closure_glaucoma", "angle-closure glaucoma", False),
    Contraindication("neurocognitive_disorder", "dementia or neurocognitive disorder", False),
    Contraindication("symptomatic_brain_injury", "symptomatic brain injury", False),
    Contraindication("breastfeeding", "breastfeeding", False),
    Contraindication("maoi", "taking an MAOI", False),
    Contraindication("high_dose_benzodiazepine", "taking a high-dose benzodiazepine", False),
    Contraindication("lamotrigine", "taking lamotrigine", False),
    Contraindication("cardiovascular_disease", "cardiovascular disease", False),
    Contraindication("prior_ketamine_misuse", "prior ketamine misuse", False),
    Contraindication("interstitial_cystitis", "interstitial cystitis", False),
)
BY_KEY = {item.key: item for item in CONTRAINDICATIONS}

UNCONTROLLED_HYPERTENSION = "uncontrolled_hypertension"
"""The mean screening blood pressure above the clinic's hard threshold: always absolute."""
RAISED_SCREENING_BP = "raised_screening_bp"
"""The mean screening blood pressure above 140/90 mmHg: relative (it needs a note)."""
FOUND_BY_READING = {UNCONTROLLED_HYPERTENSION: "uncontrolled hypertension",
                    RAISED_SCREENING_BP: "screening blood pressure above 140/90 mmHg"}


def label(key: str) -> str:
    """A finding in the clinic's words."""
    found = BY_KEY.get(key)
    return found.label if found is not None else FOUND_BY_READING.get(key, key)
