"""The session workflow: check-in, baseline, dose plan, infusion, recovery, discharge, sign-off.

Each step first asks the workflow's door who is acting, with the permission the step
needs in :func:`step_permissions` (the one table of who may act on a session); then it
checks what the nurse entered (one sentence per problem), records it on the timeline
under that person's name (committed before the call returns) and moves the session on.
The calls block on the store, so the UI makes them off its GUI thread.

The typed timeline events and the store load with the first step recorded, not with
the console window's first paint.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ketaconsole.catalogue import CATALOGUE
from ketaconsole.course.measures import INSTRUMENTS
from ketaconsole.dose import DosePlan
from ketaconsole.names import Field
from ketaconsole.session.checkin import CheckIn, FastingRule, PatientNamed
from ketaconsole.session.discharge import SCALES as DISCHARGE_SCALES
from ketaconsole.session.discharge import fit_for_discharge, total
from ketaconsole.session.esketamine import NasalOrder
from ketaconsole.session.model import SessionModel
from ketaconsole.session.nasal_steps import NasalSteps
from ketaconsole.session.patient import Patient
from ketaconsole.session.phase import PHASE_AFTER, Phase
from ketaconsole.session.state import Step
from ketaconsole.session.step_entry import WorkflowError, _entries, _typed
from ketaconsole.session.treatment import Treatment

if TYPE_CHECKING:
    from ketaconsole.course.eligibility import Assessment
    from ketaconsole.course.measures import MeasureResult
    from ketaconsole.course.planning import PlanAdvice
    from ketaconsole.course.titration import DoseDecision
    from ketaconsole.medication.library import DrugLibrary
    from ketaconsole.medication.order_check import LimitAcceptance
    from ketaconsole.security.roles import Permission
    from ketaconsole.session.events import Entry
    from ketaconsole.session.state import SessionState
    from ketaconsole.store import SessionService, StoredEvent


STEPS = tuple(Step)

INFUSION_ACTIONS_FROM: dict[str, tuple[Phase, ...]] = {
    "start": (Phase.PRE_INFUSION,), "pause": (Phase.INFUSION,),
    "resume": (Phase.PAUSED,), "stop": (Phase.INFUSION, Phase.PAUSED)}
"""The nurse's infusion actions and the phases each may be taken in."""

INFUSION_REFUSALS = {
    "start": "The infusion has already started; resume it instead of starting it again.",
    "pause": "The infusion is not running, so it cannot be paused.",
    "resume": "The infusion is not paused, so it cannot be resumed.",
    "stop": "The infusion is not under way, so it cannot be stopped."}

Opener = Callable[[PatientNamed, DosePlan | None, "LimitAcceptance | None"], "SessionService"]
"""Opens the session's record for a patient, checking a plan given with it and a
clinician's acceptance of its going past the usual limits (never recording them): the
room's :meth:`~ketaconsole.bedside.room.Room.open_cleared`."""

Door = Callable[["Permission", str], str]
"""Who is acting, asked with a permission and a target ("session 4: infusion_start"): their
username, or ``NotAllowed`` (a refusal the guard puts on the audit trail). The window's
door is the bedside's lock and guard; headless ``record``'s is the operating-system account."""

TIMELINE_ENTRIES = ("annotation", "scale", "rescue_medication", "adverse_event")
"""What :meth:`SessionWorkflow.record_entry` takes: the timeline panel's entries."""


@cache
def step_permissions() -> Mapping[str, Permission]:
    """The permission each step and each timeline entry needs, by the event kind it records.

    The one table of who may act on a session: every step asks the workflow's door with
    it, and the exports' guard reads its ``export`` row. Which role holds a permission is
    :data:`ketaconsole.security.roles.ROLE_PERMISSIONS`. Built on first use, so that the
    security package loads with the record, not with the monitor's first paint.
    """
    from ketaconsole.security.roles import Permission

    run, entry = Permission.RUN_SESSION, Permission.RECORD_CLINICAL_ENTRY
    return MappingProxyType({
        # the session's steps (nurses)
        "check_in": run,
        "check_in_skipped": run,
        "baseline": run,
        "dose_plan": run,
        "treatment": run,
        "esketamine_plan": run,
        "nasal_device": run,
        "ready_to_leave": run,
        "early_transfer": run,
        "infusion_start": run,
        "infusion_pause": run,
        "infusion_resume": run,
        "infusion_stop": run,
        "discharge_assessment_started": run,
        "discharge_criteria": run,
        "signature": Permission.SIGN_RECORD,
        "session_end": run,
        # clinical entries by a named clinician (nurses and prescribers)
        "measure": entry,
        "clinical_flag_acknowledged": entry,
        "annotation": entry,
        "scale": entry,
        "rescue_medication": entry,
        "adverse_event": entry,
        "correction": entry,
        "retraction": entry,
        # the record leaving the console
        "export": Permission.EXPORT_RECORD,
    })


def order_entries(plan: DosePlan, library: DrugLibrary, course: Assessment | None,
                  accepted: LimitAcceptance | None = None) -> list[Entry]:
    """The entries that put an order on the record, once it passes the one check.

    The order is checked against the clinic's drug library and the prescriber's approval
    (:func:`ketaconsole.medication.order_check.check_order`): outside a hard limit or the
    approval it is refused in one sentence naming the limit; past a soft limit it needs
    a named clinician and a reason, recorded just before the plan. The plan step and
    headless ``record`` (:meth:`ketaconsole.bedside.room.Room.open_cleared`) both ask it.
    """
    from ketaconsole.medication.order_check import check_order

    check = check_order(plan, library, course.approved_order() if course is not None else None)
    refused = check.refusal
    if refused is not None:
        raise WorkflowError(dict([refused]))
    missing = check.unaccepted(accepted)
    if missing:
        raise WorkflowError(missing)
    entries: list[Entry] = []
    if check.soft and accepted is not None:
        entries.append(_entries().DoseLimitsAccepted(
            clinician=accepted.clinician.strip(), reason=accepted.reason.strip(),
            limits=[limit.as_record() for limit in check.soft], drug_library=library.label))
    entries.append(_entries().DosePlanned(**plan.order_record(), drug_library=library.label))
    return entries


class SessionWorkflow(NasalSteps):
    """One session's clinical steps, recorded as they are taken, written into the model."""

    def __init__(self, model: SessionModel, *, clock: Callable[[], float], door: Door,
                 opener: Opener | None = None,
                 closer: Callable[[str, str], bool] | None = None,
                 service: SessionService | None = None,
                 advise: Callable[[], PlanAdvice | None] | None = None) -> None:
        self.model = model
        self.alarms = model.alarms
        self.clock = clock
        self.door = door
        """Who is acting on each step (see :data:`Door`); asked with the table's permission."""
        self._opener = opener
        """Opens the session's record at check-in."""
        self._closer = closer
        """Ends the session's record: (author, reason) -> everything written."""
        self.service = service
        self._advise = advise
        """The course's previous infusions and the proposed dose, read from the record."""
        self._lock = threading.RLock()
        self.instruments: tuple[str, ...] = tuple(INSTRUMENTS)
        """The rating scales this clinic asks (the room sets them at check-in)."""
        self.library: DrugLibrary | None = None
        """The clinic's drug library (the room reads it when the session opens)."""
        self.fasting = FastingRule()
        """The clinic's fasting hours (the room sets them when its record opens)."""
        self._fresh()

    def _fresh(self) -> None:
        self.step = Step.CHECK_IN
        self.check_in_record: CheckIn | None = None
        self.opened_unchecked = False
        """The session's record says it was opened without a check-in."""
        self.baseline: dict[str, float] = {}
        self.discharge_scores: dict[str, dict[str, int]] = {}
        self.signed_by: str | None = None
        self.measures: list[MeasureResult] = []
        self.open_flags: set[str] = set()
        self.advice: PlanAdvice | None = None
        """What the plan page shows: previous infusions and the proposal (read off-GUI)."""

    def restore(self, state: SessionState) -> None:
        """Carry on a resumed session where its record stands (the fold of its events)."""
        from ketaconsole.course.measures import MeasureResult

        with self._lock:
            self.step = state.step
            recorded = dict(state.check_in) if state.check_in is not None else None
            try:
                self.check_in_record = CheckIn.from_record(recorded) if recorded else None
            except TypeError:
                self.check_in_record = None
            self.opened_unchecked = state.check_in_skipped is not None
            self.baseline = dict(state.baseline)
            self.measures = [MeasureResult.from_record(m) for m in state.measures]
            self.open_flags = set(state.open_flags)
            self.discharge_scores = {k: dict(v) for k, v in state.discharge_scores.items()}
            self.signed_by = state.signed_by

    @property
    def session_open(self) -> bool:
        return self.service is not None

    # -- recording -------------------------------------------------------------------

    def _record(self, entry: Entry, author: str) -> StoredEvent:
        if self.service is None:
            raise WorkflowError({"record": "Nothing is being recorded: no session is open."})
        stored = self.service.record(entry, author=author)
        self.model.recorded(stored.at, entry)
        return stored

    def acting(self, kind: str) -> str:
        """Who takes the step recording ``kind`` now: the door's answer for the table's
        permission (``NotAllowed`` if they may not). Each step asks it first; the room asks
        it for the plan headless ``record`` opens its session with."""
        session = f"session {self.service.session_id}" if self.service is not None \
            else "new session"
        return self.door(step_permissions()[kind], f"{session}: {kind}")

    def _expect(self, *steps: Step) -> None:
        if self.step not in steps:
            names = " or ".join(s.value for s in steps)
            raise WorkflowError({"step": f"This belongs to {names}; the session is at "
                                         f"{self.step.value}."})

    # -- the steps -------------------------------------------------------------------

    def check_in(self, form: CheckIn, *, plan: DosePlan | None = None,
                 accepted: LimitAcceptance | None = None,
                 treatment: Treatment = Treatment.IV_KETAMINE,
                 nasal: NasalOrder | None = None) -> StoredEvent:
        """The signed checklist opens the session (against the clinic's fasting hours).

        ``plan``: the order given with the check-in where no nurse confirms one on the plan
        page (headless ``record``): checked against the clinic's drug library and the course
        before anything opens (past a soft limit, ``accepted`` by a named clinician),
        recorded after the check-in. ``treatment``: what the session gives (an esketamine
        session is recorded as such, with its ``nasal`` order where one is given now).
        """
        with self._lock:
            author = self.acting("check_in")
            self._expect(Step.CHECK_IN)
            problems = form.problems(self.fasting)
            if problems:
                raise WorkflowError(problems)
            self._check_treatment(treatment, plan, nasal)
            ordered_by = self.acting("dose_plan") if plan is not None else ""
            if self.service is None and self._opener is not None:
                self.service = self._opener(form.patient(), plan, accepted)
            stored = self._record(_entries().CheckedIn(**form.as_record(),
                                                       **self.fasting.as_record()), author)
            if self.model.session_id != self.service_id():  # the opener has not named them
                self.model.open(self.service_id(), Patient(form.patient_name.strip(),
                                                           form.age_years,
                                                           form.weight_kg or 0.0))
            self.check_in_record = form
            if self.step is Step.CHECK_IN:  # a resumed session carries on where it stood
                self.step = Step.BASELINE
            self._treatment_given(treatment, nasal, author)
            if plan is not None:
                self._order_given(plan, ordered_by, accepted)
            return stored

    def open_unchecked(self, patient: PatientNamed, *, reason: str,
                       plan: DosePlan | None = None,
                       accepted: LimitAcceptance | None = None,
                       treatment: Treatment = Treatment.IV_KETAMINE,
                       nasal: NasalOrder | None = None) -> StoredEvent | None:
        """Open the session without the check-in checklist, recorded as unchecked.

        Only headless ``record`` given no checklist does this; every export of the session
        then says it is unchecked. A resumed session whose record already says whether it
        was checked in is not told again (``None``). ``plan`` and ``accepted`` as for
        :meth:`check_in`, and ``treatment`` and ``nasal``.
        """
        with self._lock:
            author = self.acting("check_in_skipped")
            self._expect(Step.CHECK_IN)
            self._check_treatment(treatment, plan, nasal)
            ordered_by = self.acting("dose_plan") if plan is not None else ""
            if self.service is None and self._opener is not None:
                self.service = self._opener(patient, plan, accepted)
            stored = None
            if self.check_in_record is None and not self.opened_unchecked:
                stored = self._record(_entries().CheckInSkipped(reason.strip()), author)
                self.opened_unchecked = True
            self._treatment_given(treatment, nasal, author)
            if plan is not None:
                self._order_given(plan, ordered_by, accepted)
            return stored

    def _order_given(self, plan: DosePlan, author: str,
                     accepted: LimitAcceptance | None) -> None:
        """The order given as the session opened, recorded once (a resumed session whose
        record holds it already keeps it), through the one order check."""
        if self.model.plan == plan:
            return
        for entry in order_entries(plan, self.drug_library, self.model.course, accepted):
            self._record(entry, author)
        self.model.set_plan(plan)
        if self.step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
            self.step = Step.INFUSION

    def confirm_baseline(self, values: dict[str, float | None]) -> StoredEvent:
        """The nurse confirms pre-infusion values (device values pre-filled, editable)."""
        with self._lock:
            author = self.acting("baseline")
            self._expect(Step.BASELINE, Step.PLAN)
            problems = {}
            for refid, value in values.items():
                known = CATALOGUE[refid]
                if value is None or not known.is_plausible(value):
                    low, high = known.plausible
                    problems[refid] = (f"Enter {known.label.lower()} ({known.display_unit}) "
                                       f"between {low:g} and {high:g}.")
            if problems:
                raise WorkflowError(problems)
            confirmed = {refid: float(v) for refid, v in values.items() if v is not None}
            stored = self._record(_entries().BaselineConfirmed(confirmed), author)
            now = self.clock()
            for refid, value in confirmed.items():
                self.alarms.set_baseline(refid, value, by=author, now=now)
            self.baseline = confirmed
            self._refresh_advice()
            self.step = Step.PLAN
            return stored

    def _refresh_advice(self) -> None:
        if self._advise is not None:
            self.advice = self._advise()

    def record_measure(self, result: MeasureResult) -> StoredEvent:
        """A rating scale answered before the infusion (PHQ-9, GAD-7, MADRS), scored.

        A flag it raises (PHQ-9 item 9 above 0) blocks the plan and the infusion's
        start until a named person acknowledges it.
        """
        with self._lock:
            author = self.acting("measure")
            self._expect(Step.BASELINE, Step.PLAN, Step.INFUSION)
            if result.instrument not in self.instruments:
                raise WorkflowError({"instrument": (
                    f"This clinic does not use the {result.instrument}; record "
                    f"{' or '.join(self.instruments)}.")})
            stored = self._record(_entries().MeasureAnswered(**result.as_record()), author)
            self.measures.append(result)
            self.open_flags.update(result.flags)
            if self.step is Step.PLAN:
                self._refresh_advice()
            return stored

    def acknowledge_flag(self, flag: str, *, name: str, action: str) -> StoredEvent:
        """A named person acknowledges a clinical flag and says what was done about it."""
        with self._lock:
            author = self.acting("clinical_flag_acknowledged")
            if flag not in self.open_flags:
                raise WorkflowError({"flag": "There is no such clinical flag to acknowledge."})
            if not name.strip() or not action.strip():
                raise WorkflowError({"flag": "Type your name and what was done (for example: "
                                             "risk assessed by the prescriber, safe to "
                                             "proceed)."})
            stored = self._record(_entries().ClinicalFlagAcknowledged(
                flag, name.strip(), action.strip()), author)
            self.open_flags.discard(flag)
            return stored

    def _refuse_while_flagged(self) -> None:
        if self.open_flags:
            raise WorkflowError({"flag": "Thoughts of self-harm were reported on the PHQ-9; "
                                         "a named clinician must acknowledge them before "
                                         "dosing."})

    @property
    def drug_library(self) -> DrugLibrary:
        """The library orders are checked against: the clinic's, read when the session
        opened, else (a workflow without a record) the default file."""
        if self.library is None:
            from ketaconsole.medication.library import default_library

            self.library = default_library()
        return self.library

    def confirm_plan(self, plan: DosePlan, *, decision: DoseDecision | None = None,
                     accepted: LimitAcceptance | None = None) -> StoredEvent:
        """The order, within the clinic's drug library and the prescriber's approval (past a
        soft limit ``accepted`` by a named clinician with a reason); with the titration
        decision."""
        with self._lock:
            author = self.acting("dose_plan")
            self._expect(Step.PLAN)
            self._refuse_if_esketamine("treatment", "its order is the dose in mg and the "
                                                    "lot, not a pump plan")
            self._refuse_while_flagged()
            entries = order_entries(plan, self.drug_library, self.model.course, accepted)
            if decision is not None:
                problem = decision.problem(plan.mg_per_kg)
                if problem:
                    raise WorkflowError({"decision": problem})
                self._record(_entries().DoseProposalDecided(
                    **decision.as_record(plan.mg_per_kg)), author)
            for entry in entries:
                stored = self._record(entry, author)
            self.model.set_plan(plan)
            self.step = Step.INFUSION
            return stored

    def infusion_allowed(self, action: str) -> bool:
        """Whether the nurse's infusion step ``action`` fits the phase the session is in."""
        return self.step is Step.INFUSION and self.model.phase in INFUSION_ACTIONS_FROM.get(
            action, ())

    def infusion_action(self, action: str, *, reason: str = "") -> StoredEvent:
        """start, pause, resume or stop the infusion (and record who and why)."""
        with self._lock:
            if action not in INFUSION_ACTIONS_FROM:
                raise WorkflowError({"action": f"Unknown infusion action {action!r}."})
            author = self.acting(f"infusion_{action}")
            _typed("reason", reason)
            self._expect(Step.INFUSION)
            self._refuse_if_esketamine("action", "record each device administered instead")
            if self.model.phase not in INFUSION_ACTIONS_FROM[action]:
                raise WorkflowError({"action": INFUSION_REFUSALS[action]})
            if action == "start":
                self._refuse_while_flagged()
            step = _entries().read(f"infusion_{action}", {"action": action, "reason": reason})
            stored = self._record(step, author)
            self._set_phase(PHASE_AFTER[action], author)
            self.model.nurse_action(action, stored.at)
            if action == "stop":
                self.step = Step.RECOVERY
            return stored

    def _set_phase(self, phase: Phase, author: str) -> None:
        if self.service is not None:
            self.service.set_phase(phase.value, author=author)
        self.model.set_phase(phase)

    def begin_discharge(self, *, early_reason: str = "") -> StoredEvent:
        """The discharge assessment begins (esketamine: see :meth:`_early_transfer`)."""
        with self._lock:
            author = self.acting("discharge_assessment_started")
            self._expect(Step.RECOVERY)
            self._early_transfer(early_reason, author)
            stored = self._record(_entries().DischargeAssessmentStarted(), author)
            self._set_phase(Phase.DISCHARGE, author)
            self.step = Step.DISCHARGE
            return stored

    def record_discharge(self, scale: str, scores: dict[str, int]) -> StoredEvent:
        with self._lock:
            author = self.acting("discharge_criteria")
            self._expect(Step.DISCHARGE)
            items = DISCHARGE_SCALES.get(scale)
            if items is None:
                raise WorkflowError({"scale": f"Unknown discharge scale {scale!r}."})
            problems = {item.key: f"Score {item.label.lower()} (0 to 2)."
                        for item in items if scores.get(item.key) not in (0, 1, 2)}
            if problems:
                raise WorkflowError(problems)
            met = fit_for_discharge(scores)
            stored = self._record(_entries().DischargeCriteria(scale, total(scores), met,
                                                               dict(scores)), author)
            self.discharge_scores[scale] = dict(scores)
            if met:
                self.step = Step.SIGN_OFF
            return stored

    def sign_off(self, name: str) -> StoredEvent:
        with self._lock:
            author = self.acting("signature")
            self._expect(Step.SIGN_OFF)
            if not name.strip():
                raise WorkflowError({"name": "Type your name to sign the record."})
            stored = self._record(_entries().Signature(
                signer=name.strip(), role="nurse", meaning="discharge sign-off"), author)
            self.signed_by = name.strip()
            self._set_phase(Phase.SIGNED_OFF, author)
            self.step = Step.DONE
            return stored

    def end_session(self, *, reason: str = "") -> bool:
        """Close the session: after sign-off, or earlier with a reason.

        The record gets its ``session_end``; the bedside is then ready for the next
        patient's check-in. Returns whether everything was written.
        """
        with self._lock:
            author = self.acting("session_end")
            if self.service is None:
                raise WorkflowError({"record": "No session is open, so none can be ended."})
            _typed("reason", reason)
            if self.step is not Step.DONE and not reason.strip():
                raise WorkflowError({"reason": "Say why the session ends before sign-off "
                                               "(for example: infusion abandoned)."})
            if self._closer is None:
                raise WorkflowError({"record": "This console cannot end sessions."})
            written = self._closer(author, reason.strip())
            self.service = None
            self._fresh()
            return written

    # -- the timeline's entries ------------------------------------------------------------

    def record_entry(self, kind: str, payload: dict[str, Any]) -> StoredEvent:
        """A timeline entry (annotation, scale, rescue medication, adverse event); its
        text by the one text rule."""
        if kind not in TIMELINE_ENTRIES:
            raise WorkflowError({"kind": f"A {kind!r} entry is not made from the timeline."})
        for key, value in payload.items():
            if isinstance(value, str):
                _typed(key, value, Field.NOTE)
        try:
            entry = _entries().make(kind, payload)  # checked as it is made
        except _entries().EventPayloadError as exc:
            raise WorkflowError({"kind": f"{str(exc)[0].upper()}{str(exc)[1:]}."}) from None
        return self._record(entry, self.acting(kind))

    def correct(self, seq: int, payload: dict[str, Any], *, reason: str) -> StoredEvent:
        """Correct entry ``seq``: a new entry pointing at it, by whoever acts."""
        author = self.acting("correction")
        _typed("reason", reason)
        if self.service is None:
            raise WorkflowError({"record": "Nothing is being recorded: no session is open."})
        return self.service.correct(seq, payload, author=author, reason=reason)

    def retract(self, seq: int, *, reason: str) -> StoredEvent:
        """Withdraw entry ``seq`` (made in error): a new entry pointing at it."""
        author = self.acting("retraction")
        _typed("reason", reason)
        if self.service is None:
            raise WorkflowError({"record": "Nothing is being recorded: no session is open."})
        return self.service.retract(seq, author=author, reason=reason)

    def service_id(self) -> int:
        assert self.service is not None
        return self.service.session_id
