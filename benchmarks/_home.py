"""A throw-away data folder for a benchmark, so its anchor logs stay out of the user's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ketaconsole.settings import HOME_ENV


@contextmanager
def private_home(folder: Path) -> Iterator[Path]:
    """``KETACONSOLE_HOME`` set to ``folder/home`` while the block runs."""
    home = folder / "home"
    home.mkdir(parents=True, exist_ok=True)
    before = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)
    try:
        yield home
    finally:
        if before is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = before
