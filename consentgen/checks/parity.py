"""Content parity, on the rendered forms: the same risks, benefits, steps and alternatives as the
source, none empty, none left in the source language."""

from __future__ import annotations

import html as html_module
import re

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings

KINDS = ("risk", "benefit", "step", "alternative")
_ITEM = re.compile(
    r'<li data-(?P<kind>risk|benefit|step|alternative)="(?P<id>[^"]+)">(?P<body>.*?)</li>', re.S
)
_TAG = re.compile(r"<[^>]+>")


def items(form: str) -> dict[tuple[str, str], str]:
    """Each data-* item of a rendered form, with its text."""
    return {
        (m["kind"], m["id"]): " ".join(html_module.unescape(_TAG.sub(" ", m["body"])).split())
        for m in _ITEM.finditer(form)
    }


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Missing, extra, empty or untranslated items, per procedure."""
    if subject.locale.is_source:
        return []
    problems = []
    for procedure, form in subject.forms.items():
        where = display_path(procedure_template(settings, procedure), settings.root)
        source, translated = items(subject.source_forms[procedure]), items(form)
        code = subject.locale.code
        for kind, ident in sorted(source.keys() - translated.keys()):
            problems.append(Problem(where, code, f"{procedure}: data-{kind}={ident} is missing"))
        for kind, ident in sorted(translated.keys() - source.keys()):
            problems.append(
                Problem(
                    where,
                    code,
                    f"{procedure}: data-{kind}={ident} is not in the source form",
                )
            )
        for key in sorted(source.keys() & translated.keys()):
            kind, ident = key
            if not translated[key]:
                problems.append(Problem(where, code, f"{procedure}: data-{kind}={ident} is empty"))
            elif translated[key] == source[key]:
                problems.append(
                    Problem(
                        where,
                        code,
                        f"{procedure}: data-{kind}={ident} is still in the source language",
                    )
                )
    return problems
