"""Writing a patient's course: the summary PDF and the FHIR R4 bundle, each file whole or absent.

The command line (``ketaconsole course``) and the course view both write through here;
the guarded door that checks who may and audits it is :meth:`CourseDesk.export_course`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import BinaryIO

from ketaconsole.course.course_fhir import course_bundle
from ketaconsole.course.course_pdf import write_course_pdf
from ketaconsole.course.summary import CourseSummary
from ketaconsole.export.atomic import write_atomically

COURSE_FORMATS = ("pdf", "fhir")


def course_stem(summary: CourseSummary) -> str:
    """The files' common name: ``course-<patient number>-<name>``."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", summary.patient.name).strip("-").lower() or "patient"
    return f"course-{summary.patient.patient_id}-{name}"


def export_course(summary: CourseSummary, formats: list[str], folder: Path) -> list[Path]:
    """Write each format asked for (``pdf``, ``fhir``) into ``folder``; the paths written."""
    stem = course_stem(summary)
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "pdf":
            written.append(write_atomically(folder / f"{stem}.pdf",
                                            lambda out: write_course_pdf(summary, out)))
        elif fmt == "fhir":
            bundle = course_bundle(summary)

            def write_json(out: BinaryIO, bundle: dict[str, object] = bundle) -> None:
                out.write(json.dumps(bundle, indent=2, sort_keys=True).encode())

            written.append(write_atomically(folder / f"{stem}.fhir.json", write_json))
        else:
            raise ValueError(f"There is no course format {fmt!r}; choose "
                             f"{' or '.join(COURSE_FORMATS)}.")
    return written
