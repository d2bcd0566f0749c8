"""Fixtures for every test: a data folder of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own data folder, so the anchor logs it writes stay out of the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KETACONSOLE_HOME", str(home))
    monkeypatch.delenv("KETACONSOLE_ANCHOR_KEY", raising=False)
    return home
