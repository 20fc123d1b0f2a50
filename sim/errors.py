"""Errors a user can fix. The CLI prints them on one screen and exits with code 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user: a file, a field or a value. Never a bug in the model."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f"\n  hint: {self.hint}" if self.hint else "")


class ScenarioError(UserError):
    """A scenario file or override that does not validate."""
