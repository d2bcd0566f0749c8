"""The one kind of failure every command reports: one sentence, and an exit code."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing failure: one sentence that says what to do, and an exit code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
