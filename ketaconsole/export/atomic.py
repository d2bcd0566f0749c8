"""Writing an export file whole or not at all: a temporary name in the same folder, then rename.

A reader (a person, a records system polling the folder) never sees half a file: the
content goes to a hidden temporary file next to the target, is flushed to disk, and
only then renamed over the target name. On any failure the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO


class ExportFolderError(OSError):
    """The output folder is missing or cannot be written."""


def check_folder(folder: Path) -> None:
    """Raise :class:`ExportFolderError` with one sentence if ``folder`` cannot take files."""
    if not folder.exists():
        raise ExportFolderError(f"the folder {folder} does not exist; create it or choose "
                                "another with --out")
    if not folder.is_dir():
        raise ExportFolderError(f"{folder} is not a folder; choose a folder with --out")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportFolderError(f"the folder {folder} cannot be written; choose another "
                                "with --out or ask for write access")


@contextlib.contextmanager
def _temporary_beside(target: Path) -> Iterator[tuple[BinaryIO, Path]]:
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                        dir=target.parent)
    except OSError as exc:
        raise ExportFolderError(f"the folder {target.parent} cannot be written ({exc.strerror});"
                                " choose another with --out") from exc
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream, temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write`` with an open binary stream; the result appears at ``target`` whole."""
    with _temporary_beside(target) as (stream, temporary):
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())
    try:
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def write_all_atomically(files: list[tuple[Path, Callable[[BinaryIO], None]]]) -> list[Path]:
    """Several files that belong together: all are written first, then all renamed."""
    staged: list[tuple[Path, Path]] = []
    try:
        for target, write in files:
            with _temporary_beside(target) as (stream, temporary):
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            staged.append((temporary, target))
        for temporary, target in staged:
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    return [target for _, target in staged]
