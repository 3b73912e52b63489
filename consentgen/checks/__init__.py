"""`consentgen check`: the release gate. Each check is a small function over one locale that
returns the problems it finds (as Babel's checkers are); they are registered in CHECKS, and
one loop runs them, naming each problem after its check.

Adding a check is adding one module with a `check(settings, subject)` function, and its line
in CHECKS.
"""

from __future__ import annotations

import dataclasses

from consentgen.approval import Approvals
from consentgen.checks import (
    approval,
    elements,
    frequencies,
    freshness,
    glyphs,
    health,
    markup,
    parity,
    placeholders,
    readability,
    text,
    todo,
    translation,
)
from consentgen.checks.base import Check, LocaleUnderCheck, Problem
from consentgen.checks.readability import reading_scores
from consentgen.i18n.catalogs import load_locale_catalog
from consentgen.locales import form_locale
from consentgen.procedures import discover
from consentgen.render.forms import FormRenderer, source_renderer
from consentgen.settings import Settings, select_locales
from consentgen.status import render_form
from consentgen.variants import STANDARD

__all__ = ["CHECKS", "Problem", "report", "run_checks"]

# Every check, in the order they run.
CHECKS: list[tuple[str, Check]] = [
    ("health", health.check),
    ("freshness", freshness.check),
    ("approval", approval.check),
    ("translation", translation.check),
    ("placeholders", placeholders.check),
    ("markup", markup.check),
    ("text", text.check),
    ("parity", parity.check),
    ("frequencies", frequencies.check),
    ("elements", elements.check),
    ("readability", readability.check),
    ("glyphs", glyphs.check),
    ("todo", todo.check),
]


def run_checks(
    settings: Settings,
    codes: list[str] | None = None,
    scores: list[dict[str, object]] | None = None,
) -> list[Problem]:
    """Every registered check on every requested locale (all configured ones by default).

    scores, if given, receives a reading score per procedure and locale (or "unscored").
    """
    chosen = select_locales(settings, tuple(codes or ()))
    source = form_locale(settings.default_locale, settings.default_locale, settings.fonts)
    procedures = [p for p in discover(settings) if p in settings.procedures]
    source_forms_renderer = source_renderer(settings)
    approvals = Approvals(settings, source_forms_renderer)
    source_forms = {
        p: render_form(source_forms_renderer, approvals, p, STANDARD).html for p in procedures
    }
    states = {p: approvals.state(p) for p in procedures}
    problems: list[Problem] = []
    for code in chosen:
        locale = form_locale(code, settings.default_locale, settings.fonts)
        catalog = load_locale_catalog(settings, code, strict=False)
        renderer = FormRenderer(settings, locale, source, catalog)
        rendered = {p: render_form(renderer, approvals, p, STANDARD) for p in procedures}
        subject = LocaleUnderCheck(
            locale,
            catalog,
            {p: form.html for p, form in rendered.items()},
            source_forms,
            {p: form.messages.untranslated for p, form in rendered.items()},
            states,
        )
        for name, check in CHECKS:
            problems += [dataclasses.replace(p, check=name) for p in check(settings, subject)]
        if scores is not None:
            scores += reading_scores(subject)
    return problems


def report(problems: list[Problem], scores: list[dict[str, object]]) -> dict[str, object]:
    """`check --json`: the problems and the reading scores (schemas/check-report.schema.json)."""
    return {
        "ok": not problems,
        "problems": [p.as_dict() for p in problems],
        "readability": scores,
    }
