"""Glyph coverage: no character of a locale's forms may print as an empty box."""

from __future__ import annotations

from consentgen.checks import LocaleUnderCheck, Problem
from consentgen.config import Settings
from consentgen.coverage import check_coverage, html_text
from consentgen.errors import display_path
from consentgen.procedures import procedure_template


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Characters of the catalog's translations, and of each rendered form, no font has."""
    catalog = subject.catalog
    pieces: list[tuple[str, str]] = []
    if catalog.path is not None:
        shown = display_path(catalog.path, settings.root)
        for msgid, line in catalog.lines.items():
            if msgid in catalog.translated_ids:
                pieces.append((f"{shown}:{line}", catalog.translations.gettext(msgid)))
    for procedure, html in subject.forms.items():
        # Text from templates, settings and locale data (dates, language names).
        shown = display_path(procedure_template(settings, procedure), settings.root)
        pieces.append((shown, html_text(html)))
    seen: set[str] = set()
    problems = []
    for missing in check_coverage(subject.locale, pieces):
        fresh = tuple(c for c in missing.characters if c not in seen)
        seen.update(fresh)
        if fresh:
            missing = type(missing)(missing.where, fresh)
            problems.append(
                Problem(
                    missing.where,
                    subject.locale.code,
                    "glyphs",
                    missing.describe(subject.locale).split(": ", 2)[2],
                )
            )
    return problems
