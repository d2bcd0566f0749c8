"""The bladder score asked at follow-ups: the O'Leary-Sant Interstitial Cystitis Symptom Index.

Ketamine can injure the bladder (ulcerative cystitis), first as urgency, frequency,
nocturia and bladder pain. The Interstitial Cystitis Symptom Index (ICSI; O'Leary, Sant
et al., Urology 1997) asks exactly these four, each scored 0 to 5 (the pain item has no
1), 0 to 20 in all; it is validated, short enough for every follow-up, and responsive to
change (Lubeck et al., Urology 2001). Monthly follow-ups ask it; any follow-up may.

A total at or above the clinic's referral score (``bladder-score-refer-at``; default 8,
ours: the index's authors set no referral cut-off for ketamine users, and 8 is a
moderate burden, well above what people without bladder disease score) raises a
safety flag that says what to do: test the urine and consider referral to urology.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

INDEX = "ICSI"
INDEX_NAME = "Interstitial Cystitis Symptom Index (O'Leary-Sant)"
MOST = 20

HOW_OFTEN = ((0, "not at all"), (1, "less than 1 time in 5"), (2, "less than half the time"),
             (3, "about half the time"), (4, "more than half the time"), (5, "almost always"))
AT_NIGHT = ((0, "none"), (1, "once"), (2, "2 times"), (3, "3 times"), (4, "4 times"),
            (5, "5 times or more"))
PAIN = ((0, "not at all"), (2, "a few times"), (3, "fairly often"), (4, "usually"),
        (5, "almost always"))


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answers: tuple[tuple[int, str], ...]

    def allows(self, value: object) -> bool:
        return not isinstance(value, bool) and value in {score for score, _ in self.answers}


QUESTIONS = (
    Question("During the past month, how often have you felt a strong need to pass urine "
             "with little or no warning?", HOW_OFTEN),
    Question("During the past month, have you had to pass urine again less than 2 hours "
             "after you last finished?", HOW_OFTEN),
    Question("During the past month, how often did you most typically get up at night to "
             "pass urine?", AT_NIGHT),
    Question("During the past month, have you had pain or burning in your bladder?", PAIN),
)


class BladderScoreError(ValueError):
    """Answers that are not the index's; the text says what to enter."""


def bladder_score(answers: Sequence[object]) -> int:
    """The index's total from its four answers, or :class:`BladderScoreError`."""
    if len(answers) != len(QUESTIONS):
        raise BladderScoreError(f"The bladder score ({INDEX}) takes {len(QUESTIONS)} answers, "
                                f"not {len(answers)}.")
    for number, (question, value) in enumerate(zip(QUESTIONS, answers, strict=True), 1):
        if not question.allows(value):
            allowed = ", ".join(str(score) for score, _ in question.answers)
            raise BladderScoreError(f"Bladder score question {number} is answered {allowed}, "
                                    f"not {value!r}.")
    return sum(value for value in answers if isinstance(value, int))


def referral_advice(total: int, refer_at: int) -> str | None:
    """What to do about a total at or above the clinic's referral score, else ``None``."""
    if total < refer_at:
        return None
    return (f"{total} of {MOST}, at or above {refer_at}: test the urine (urinalysis) and "
            "consider referral to urology")
