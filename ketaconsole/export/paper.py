"""The paper sizes a PDF export is laid out for, apart from the PDF writer.

Kept out of ``pdf_export`` so that choosing a paper (export options, the window) does not
load the PDF library; the sizes are in PDF points, computed as ReportLab's page sizes are.
"""

from __future__ import annotations

from enum import Enum

_INCH = 72.0
_MM = _INCH / 2.54 * 0.1


class Paper(Enum):
    A4 = "a4"
    LETTER = "letter"

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in points."""
        return (210 * _MM, 297 * _MM) if self is Paper.A4 else (8.5 * _INCH, 11 * _INCH)
