"""Errors a person can act on: one line, compiler style, and a set exit status."""

from __future__ import annotations

from pathlib import Path

import click

BAD_INPUT = 2
GATE_FAILED = 1


class ConsentgenError(click.ClickException):
    """A user's mistake: printed as one line, no traceback, exit status 2."""

    exit_code = BAD_INPUT

    def format_message(self) -> str:
        return self.message

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)


def one_line(text: str, limit: int = 300) -> str:
    """Text fit for one line of a terminal: controls (newlines, bidi overrides) shown escaped,
    and long quotes of a broken file cut short."""
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


class InputError(ConsentgenError):
    """Bad input in a file: `path:line: problem`, always on one line."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path = one_line(str(path))
        self.line = line
        self.problem = problem = one_line(problem)
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {problem}")


class InputErrors(ConsentgenError):
    """Several problems found at once (settings are checked whole, then reported together)."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(error.message for error in errors))

    def show(self, file: object = None) -> None:
        for error in self.errors:
            error.show()


class QualityGateFailed(ConsentgenError):
    """A quality gate failed (a release refused, a check or verify that found a fault): exit
    status 1. With no message, what failed was already printed."""

    exit_code = GATE_FAILED

    def show(self, file: object = None) -> None:
        if self.message:
            super().show(file)


def display_path(path: Path, root: Path) -> str:
    """The path as a person in the project folder would type it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
