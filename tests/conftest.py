"""Fixtures for every test: a data folder of the test's own."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ketaconsole.settings import HOME_ENV

_RUN_HOME = tempfile.mkdtemp(prefix="kc-test-home-")


def pytest_configure(config: pytest.Config) -> None:
    """A data folder for the whole run, for what runs before a test's own (shared fixtures)."""
    os.environ[HOME_ENV] = _RUN_HOME


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_RUN_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory,
                 monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own data folder, so the anchor logs it writes stay out of the user's."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.delenv("KETACONSOLE_ANCHOR_KEY", raising=False)
    return home
