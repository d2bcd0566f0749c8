"""Whether a database may be the demo's: empty, or holding only what the demo made.

The demo records into its own database (``--db demo``, its file in the data folder),
whatever ``KETACONSOLE_DB`` says. Pointed explicitly (``--db URL``) at another database,
it writes there only if that database holds nothing but the demo's own users, patient
and sessions; a clinic's record (any other user, patient or session, or the record the
clinic's commands use) is refused in one sentence before the demo writes anything, so
its users with their published PINs never enter a clinic's record.
"""

from __future__ import annotations

from sqlalchemy import func, select

from ketaconsole.demo.cast import DEMO_MRN
from ketaconsole.store.database import Database
from ketaconsole.store.models import ClinicSession, Patient, User

DEMO_USERNAMES = frozenset({"demo-nurse", "demo-admin"})
"""The demo's users (``ketaconsole.bedside.security.DEMO_USERS``, a test holds them equal)."""


def refusal_sentence(url: str) -> str:
    from ketaconsole.names import printable

    return (f"the demo records only into its own database, and {printable(url)} holds a "
            "clinic's record; leave --db out (or give --db demo) to run the demo")


def not_the_demos(database: Database) -> bool:
    """Whether ``database`` holds any user, patient or session the demo did not make."""
    with database.sessions() as session:
        users = session.scalar(select(func.count()).select_from(User).where(
            User.username.not_in(DEMO_USERNAMES))) or 0
        demo_patients = select(Patient.id).where(Patient.external_id == DEMO_MRN)
        patients = session.scalar(select(func.count()).select_from(Patient).where(
            Patient.id.not_in(demo_patients))) or 0
        sessions = session.scalar(select(func.count()).select_from(ClinicSession).where(
            ClinicSession.patient_id.not_in(demo_patients))) or 0
    return bool(users or patients or sessions)


def demo_record_refusal(database: Database, clinic_url: str | None = None) -> str | None:
    """One sentence if the demo may not write into ``database``, else None.

    ``clinic_url`` is the record the clinic's own commands use (``KETACONSOLE_DB`` or the
    default file): the demo never writes there, even while it is still empty.
    """
    if clinic_url is not None and database.url == clinic_url:
        return refusal_sentence(database.url)
    if not_the_demos(database):
        return refusal_sentence(database.url)
    return None
