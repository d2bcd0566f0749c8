"""Where the console keeps its data: environment variables first, the demo kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketaconsole.settings import database_url, demo_database_url


def test_the_home_variable_places_the_default_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.delenv("KETACONSOLE_DB", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'ketaconsole.sqlite3'}"


def test_the_demo_never_shares_the_clinics_record_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.delenv("KETACONSOLE_DB", raising=False)
    assert demo_database_url() == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert database_url("demo") == demo_database_url() != database_url()


def test_explicit_and_environment_urls_win_but_the_demo_keeps_its_own_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETACONSOLE_HOME", str(tmp_path))
    monkeypatch.setenv("KETACONSOLE_DB", "postgresql+psycopg://clinic/record")
    assert database_url() == "postgresql+psycopg://clinic/record"
    assert demo_database_url() == f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert demo_database_url("demo") == demo_database_url()
    assert database_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
    assert demo_database_url("sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"
