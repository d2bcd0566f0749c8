"""The guarded doors of the course: finding and registering patients, a prescriber's
assessment, follow-ups, a prescriber's acknowledgement of a safety flag, an admin's
merge of records.

Each call checks the acting person's permission through the one :class:`Guard`
(refusals are audited there) and puts what it did on the audit trail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ketaconsole.course.course_export import export_course
from ketaconsole.course.eligibility import (
    Assessment,
    EligibilityForm,
    EligibilityPolicy,
    decision_support,
    store_assessment,
)
from ketaconsole.course.follow_ups import (
    DueFollowUp,
    FollowUpEntry,
    due_follow_ups,
    record_follow_up,
)
from ketaconsole.course.identity import (
    MergeResult,
    PatientIdentityError,
    PatientRecord,
    get_patient,
    merge_records,
    register_patient,
)
from ketaconsole.course.lookup import PatientMatch, match_of, search_patients
from ketaconsole.course.safety_flags import SafetyFlag, acknowledge_flag
from ketaconsole.course.summary import CourseSummary, course_summary
from ketaconsole.medication.clinic_library import clinic_library
from ketaconsole.security.audit import Action
from ketaconsole.security.guard import Guard
from ketaconsole.security.roles import Permission
from ketaconsole.security.users import ConsoleUser
from ketaconsole.store.database import Database

CurrentUser = Callable[[], ConsoleUser | None]


class EligibilityRefused(ValueError):
    """An assessment that cannot be signed; ``problems`` maps item -> sentence."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class CourseDesk:
    """What prescribers and admins do about a patient's course, checked and audited."""

    def __init__(self, database: Database, guard: Guard, current_user: CurrentUser, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.database = database
        self.guard = guard
        self.current_user = current_user
        self.clock = clock

    def find_patients(self, text: str, *, via: str = "check-in") -> list[PatientMatch]:
        """The records matching ``text`` (name, MRN or birth date), each with its course.

        Reading the list of patients is opening records: checked, and on the audit trail
        (how many were listed, never who).
        """
        user = self.guard.require(self.current_user(), Permission.OPEN_RECORD,
                                  target="patients")
        matches = search_patients(self.database, text, self.clock())
        self.guard.audit.record(Action.RECORDS_LISTED, actor=user.username,
                                user_id=user.record_id, target="patients",
                                detail={"via": via, "patients": len(matches)})
        return matches

    def register_patient(self, name: str, *, mrn: str | None, date_of_birth: str | None,
                         via: str = "check-in") -> PatientMatch:
        """A patient new to the clinic, registered on purpose (never by a check-in). Audited."""
        user = self.guard.require(self.current_user(), Permission.RECORD_CLINICAL_ENTRY,
                                  target="new patient")
        if not (mrn or "").strip() and not (date_of_birth or "").strip():
            raise PatientIdentityError("Enter the new patient's MRN or date of birth, so that "
                                       "check-in finds them next time.")
        patient: PatientRecord = register_patient(self.database, name, mrn=mrn,
                                                  date_of_birth=date_of_birth,
                                                  clock=self.clock)
        self.guard.audit.record(Action.PATIENT_REGISTERED, actor=user.username,
                                user_id=user.record_id, target=f"patient {patient.patient_id}",
                                detail={"via": via, "mrn": patient.mrn})
        return match_of(self.database, patient, self.clock())

    def assess_eligibility(self, patient_id: int, form: EligibilityForm, *,
                           policy: EligibilityPolicy | None = None) -> Assessment:
        """Sign an assessment: approved unless an absolute contraindication was found."""
        user = self.guard.require(self.current_user(), Permission.APPROVE_COURSE,
                                  target=f"patient {patient_id}")
        patient = get_patient(self.database, patient_id)
        policy = policy or EligibilityPolicy.of_clinic(self.database)
        findings = decision_support(form, policy, clinic_library(self.database))
        if findings.problems:
            raise EligibilityRefused(findings.problems)
        assessment = store_assessment(self.database, patient.patient_id, form, findings,
                                      prescriber=user.display_name or user.username,
                                      policy=policy, clock=self.clock)
        self.guard.audit.record(Action.COURSE_ASSESSED, actor=user.username,
                                user_id=user.record_id, target=f"patient {patient.patient_id}",
                                detail={"assessment": assessment.assessment_id,
                                        "approved": assessment.approved,
                                        "flagged": assessment.flagged,
                                        "dose_range_mg_per_kg": [
                                            assessment.dose_min_mg_per_kg,
                                            assessment.dose_max_mg_per_kg],
                                        "infusion_range_min": list(
                                            assessment.infusion_minutes or ()),
                                        "max_total_mg": assessment.max_total_mg})
        return assessment

    def record_follow_up(self, patient_id: int, entry: FollowUpEntry) -> int:
        """A follow-up between infusions, under the name of the nurse or prescriber. Audited."""
        user = self.guard.require(self.current_user(), Permission.RECORD_CLINICAL_ENTRY,
                                  target=f"patient {patient_id}")
        patient = get_patient(self.database, patient_id)
        number = record_follow_up(self.database, patient.patient_id, entry,
                                  author=user.username, clock=self.clock)
        self.guard.audit.record(Action.CLINICAL_ENTRY, actor=user.username,
                                user_id=user.record_id, target=f"patient {patient.patient_id}",
                                detail={"kind": "follow_up", "follow_up": number,
                                        "interval": entry.interval})
        return number

    def acknowledge_safety_flag(self, flag_id: str, note: str, *,
                                via: str = "course view") -> SafetyFlag:
        """A prescriber acknowledges an open safety flag with a note saying what was done
        (:class:`~ketaconsole.course.safety_flags.SafetyFlagError` when it cannot). Audited."""
        user = self.guard.require(self.current_user(), Permission.ACKNOWLEDGE_SAFETY_FLAG,
                                  target=f"safety flag {flag_id}")
        flag = acknowledge_flag(self.database, flag_id,
                                prescriber=user.display_name or user.username, note=note,
                                clock=self.clock)
        self.guard.audit.record(Action.SAFETY_FLAG_ACKNOWLEDGED, actor=user.username,
                                user_id=user.record_id, target=f"patient {flag.patient_id}",
                                detail={"flag": flag.flag_id, "kind": flag.kind,
                                        "note": note.strip(), "via": via})
        return flag

    def course_of(self, patient_id: int, *, via: str = "course view") -> CourseSummary:
        """A patient's whole course, for the course view; opening it is on the audit trail."""
        user = self.guard.require(self.current_user(), Permission.OPEN_RECORD,
                                  target=f"patient {patient_id}")
        summary = course_summary(self.database, patient_id)
        self.guard.audit.record(Action.RECORD_OPENED, actor=user.username,
                                user_id=user.record_id,
                                target=f"patient {summary.patient.patient_id}",
                                detail={"via": via})
        return summary

    def follow_ups_due(self, *, via: str = "check-in") -> list[tuple[DueFollowUp, PatientMatch]]:
        """The clinic's follow-ups due now, each with its patient's match. Audited."""
        user = self.guard.require(self.current_user(), Permission.OPEN_RECORD,
                                  target="follow-ups due")
        now = self.clock()
        due = due_follow_ups(self.database, now)
        people = {d.patient_id: match_of(self.database, get_patient(self.database,
                                                                   d.patient_id), now)
                  for d in due}
        self.guard.audit.record(Action.RECORDS_LISTED, actor=user.username,
                                user_id=user.record_id, target="follow-ups due",
                                detail={"via": via, "patients": len(people)})
        return [(d, people[d.patient_id]) for d in due]

    def export_course(self, patient_id: int, formats: list[str], folder: Path, *,
                      via: str = "course view") -> list[Path]:
        """The course summary PDF and/or FHIR bundle, by someone who may export. Audited."""
        user = self.guard.require(self.current_user(), Permission.EXPORT_RECORD,
                                  target=f"patient {patient_id}")
        summary = course_summary(self.database, patient_id)
        written = export_course(summary, formats, folder)
        self.guard.audit.record(Action.EXPORT, actor=user.username, user_id=user.record_id,
                                target=f"patient {summary.patient.patient_id}",
                                detail={"course": True, "via": via,
                                        "formats": sorted(set(formats)),
                                        "files": [p.name for p in written],
                                        "folder": str(folder)})
        return written

    def merge_patients(self, keep_id: int, merge_id: int, *, reason: str) -> MergeResult:
        """Join two records of one person; the reason and both records are audited."""
        user = self.guard.require(self.current_user(), Permission.MERGE_PATIENTS,
                                  target=f"patients {keep_id} and {merge_id}")
        if not reason.strip():
            raise ValueError("Say why the two records are one person's (for example: same "
                             "MRN and date of birth).")
        before = [get_patient(self.database, keep_id), get_patient(self.database, merge_id)]
        result = merge_records(self.database, keep_id, merge_id)
        self.guard.audit.record(Action.PATIENTS_MERGED, actor=user.username,
                                user_id=user.record_id, target=f"patient {keep_id}",
                                detail={"kept": keep_id, "merged": merge_id,
                                        "reason": reason.strip(),
                                        "sessions_moved": result.sessions_moved,
                                        "before": [p.label() for p in before]})
        return result
