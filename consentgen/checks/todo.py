"""Unwritten procedures: a TODO placeholder left in a procedure template.

Only what a form can show counts: a TODO in a Jinja comment (a note to the forms team) is not
a placeholder."""

from __future__ import annotations

import re

from consentgen.checks import LocaleUnderCheck, Problem
from consentgen.config import Settings
from consentgen.errors import display_path
from consentgen.procedures import discover, procedure_template

_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Every TODO line of every procedure template (reported once, with the source locale)."""
    if not subject.locale.is_source:
        return []
    problems = []
    for procedure in discover(settings):
        path = procedure_template(settings, procedure)
        shown = display_path(path, settings.root)
        text = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text("utf-8"))
        for number, line in enumerate(text.splitlines(), 1):
            if "TODO" in line:
                problems.append(
                    Problem(
                        f"{shown}:{number}",
                        subject.locale.code,
                        "todo",
                        "placeholder text (TODO) not yet written",
                    )
                )
    return problems
