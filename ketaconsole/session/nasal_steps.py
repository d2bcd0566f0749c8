"""The esketamine nasal session's own steps, part of the session workflow.

The dose and lot, each device administered, "ready to leave at" and an earlier transfer
of care (:mod:`ketaconsole.session.esketamine`): each asks the workflow's door with its
row of the one permission table, is checked, and is recorded on the timeline under the
person acting, like every other step of :class:`~ketaconsole.session.workflow.SessionWorkflow`,
which takes these methods from :class:`NasalSteps`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from ketaconsole.names import Field
from ketaconsole.session.esketamine import REMS_RULES, MonitoringRules, NasalOrder
from ketaconsole.session.model import SessionModel
from ketaconsole.session.phase import Phase
from ketaconsole.session.state import Step
from ketaconsole.session.step_entry import WorkflowError, _entries, _typed
from ketaconsole.session.treatment import LABEL_DOSES_MG, Treatment, order_problem

if TYPE_CHECKING:
    from ketaconsole.dose import DosePlan
    from ketaconsole.session.events import Entry
    from ketaconsole.store import StoredEvent


class NasalSteps:
    """An esketamine session's steps, over the workflow's door, record and model."""

    model: SessionModel
    clock: Callable[[], float]
    step: Step
    _lock: threading.RLock
    esketamine_doses: tuple[int, ...] = LABEL_DOSES_MG
    """The esketamine doses the clinic allows (the room sets them when its record opens)."""
    monitoring: MonitoringRules = REMS_RULES
    """The REMS monitoring times (the room sets them at its pace)."""

    def _refuse_if_esketamine(self, key: str, instead: str) -> None:
        """An IV step taken in an esketamine session: refused, saying what to do instead."""
        if self.model.nasal.esketamine:
            raise WorkflowError({key: f"This is an esketamine session: {instead}."})

    def acting(self, kind: str) -> str:
        raise NotImplementedError

    def _record(self, entry: Entry, author: str) -> StoredEvent:
        raise NotImplementedError

    def _expect(self, *steps: Step) -> None:
        raise NotImplementedError

    def _refuse_while_flagged(self) -> None:
        raise NotImplementedError

    def _set_phase(self, phase: Phase, author: str) -> None:
        raise NotImplementedError

    def _check_treatment(self, treatment: Treatment, plan: DosePlan | None,
                         nasal: NasalOrder | None) -> None:
        """Before anything opens: an esketamine session has no pump plan, and its dose is
        one the clinic allows."""
        if treatment is Treatment.ESKETAMINE and plan is not None:
            raise WorkflowError({"treatment": "An esketamine session has no pump plan; give "
                                              "the dose in mg and the lot instead."})
        if treatment is Treatment.IV_KETAMINE and nasal is not None:
            raise WorkflowError({"treatment": "An esketamine dose belongs to an esketamine "
                                              "session."})
        if nasal is not None:
            self._check_nasal(nasal)

    def _check_nasal(self, nasal: NasalOrder) -> None:
        problem = order_problem(nasal.dose_mg, self.esketamine_doses)
        if problem is not None:
            raise WorkflowError({"dose_mg": problem})
        _typed("lot", nasal.lot, Field.LOT)

    def _treatment_given(self, treatment: Treatment, nasal: NasalOrder | None,
                         author: str) -> None:
        """An esketamine session's kind (and order, if given) recorded once: a resumed
        session whose record holds them keeps them. An IV session records nothing new (a
        session without a treatment entry is IV ketamine, as every earlier record)."""
        if treatment is Treatment.ESKETAMINE and not self.model.nasal.esketamine:
            self._record(_entries().TreatmentChosen(treatment.value), author)
        if nasal is not None and self.model.nasal.dose_mg is None:
            self._record(_entries().EsketaminePlanned(
                nasal.dose_mg, nasal.lot.strip(), list(self.esketamine_doses)),
                self.acting("esketamine_plan"))
            if self.step in (Step.CHECK_IN, Step.BASELINE, Step.PLAN):
                self.step = Step.INFUSION

    def confirm_esketamine(self, nasal: NasalOrder) -> StoredEvent:
        """The esketamine order: a dose the clinic allows (56 or 84 mg) and the lot."""
        with self._lock:
            author = self.acting("esketamine_plan")
            self._expect(Step.PLAN)
            if not self.model.nasal.esketamine:
                raise WorkflowError({"treatment": "This is an IV ketamine session; an "
                                                  "esketamine dose needs an esketamine "
                                                  "session."})
            self._refuse_while_flagged()
            self._check_nasal(nasal)
            stored = self._record(_entries().EsketaminePlanned(
                nasal.dose_mg, nasal.lot.strip(), list(self.esketamine_doses)), author)
            self.step = Step.INFUSION
            return stored

    def administer_device(self) -> StoredEvent:
        """The next nasal device self-administered now, under supervision (device 1 starts
        the two-hour monitoring; the last one ends dosing)."""
        with self._lock:
            author = self.acting("nasal_device")
            nasal = self.model.nasal
            if not nasal.esketamine or nasal.dose_mg is None:
                raise WorkflowError({"device": "Devices are recorded in an esketamine "
                                               "session once its dose is confirmed."})
            if nasal.all_devices_given:
                raise WorkflowError({"device": f"All {nasal.devices_due} devices of the "
                                               f"{nasal.dose_mg} mg dose are recorded."})
            self._expect(Step.INFUSION)
            if not nasal.devices_at:
                self._refuse_while_flagged()
            stored = self._record(_entries().NasalDeviceGiven(len(nasal.devices_at) + 1),
                                  author)
            if len(nasal.devices_at) == 0:
                self._set_phase(Phase.MONITORING, author)
            if self.model.nasal.all_devices_given:
                self.step = Step.RECOVERY
            return stored

    def ready_to_leave(self, at: float) -> StoredEvent:
        """When the patient would have been ready to leave without the two-hour minimum."""
        with self._lock:
            author = self.acting("ready_to_leave")
            first = self.model.nasal.first_device_at
            if not self.model.nasal.esketamine or first is None:
                raise WorkflowError({"ready_at": "'Ready to leave at' is recorded in an "
                                                 "esketamine session after the first device."})
            if not first <= at <= self.clock():
                raise WorkflowError({"ready_at": "Give a time between the first device and "
                                                 "now."})
            return self._record(_entries().ReadyToLeave(at), author)

    def _early_transfer(self, reason: str, author: str) -> None:
        """In an esketamine session the discharge assessment begins only after the two-hour
        minimum from the first device, or with a reason for an earlier transfer of care
        (recorded first)."""
        nasal = self.model.nasal
        first = nasal.first_device_at
        if not nasal.esketamine or first is None:
            return
        now = self.clock()
        left = nasal.minimum_left(now, self.monitoring)
        if left <= 0:
            return
        _typed("early_reason", reason)
        monitored = round((now - first) / 60 * self.model.pace)
        if not reason.strip():
            waited = round(left / 60 * self.model.pace + 0.49)
            raise WorkflowError({"early_reason": (
                f"The patient has been monitored {monitored} min since the first device; "
                f"the REMS asks two hours: wait {waited} min more, or give the reason for "
                "an earlier transfer of care.")})
        self._record(_entries().EarlyTransferOfCare(reason.strip(), float(monitored)),
                     self.acting("early_transfer"))
