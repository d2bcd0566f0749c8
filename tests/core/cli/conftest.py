"""Fixtures for the command-line tests: a clinic with an approved patient and a simulated
oximeter, for headless ``record``."""

from tests.core.cli.record_support import clinic

__all__ = ["clinic"]
