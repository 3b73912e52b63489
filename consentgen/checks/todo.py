"""Unwritten procedures: a TODO placeholder left in a procedure template.

Only what a form can show counts: a TODO in a Jinja comment (a note to the forms team) is not
a placeholder."""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import discover, procedure_template, todo_lines
from consentgen.settings import Settings


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Every TODO line of every procedure template (reported once, with the source locale)."""
    if not subject.locale.is_source:
        return []
    problems = []
    for procedure in discover(settings):
        path = procedure_template(settings, procedure)
        shown = display_path(path, settings.root)
        for number in todo_lines(path):
            problems.append(
                Problem(
                    f"{shown}:{number}",
                    subject.locale.code,
                    "placeholder text (TODO) not yet written",
                )
            )
    return problems
