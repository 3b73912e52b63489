"""Glyph coverage: every character a locale's forms show must be in a font of its stack.

A character no font has prints as an empty box: on a consent form that is a word a patient
cannot read. fontTools reads each font's character map; the catalog's translations and each
rendered form are checked.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.fonts import font_characters
from consentgen.locales import FormLocale
from consentgen.procedures import procedure_template
from consentgen.render.text import html_text
from consentgen.settings import Settings


@dataclass(frozen=True)
class MissingGlyphs:
    """Characters of one piece of text that no font of the locale's stack can draw."""

    where: str  # "path:line" of the catalog entry, or the template that produced the text
    characters: tuple[str, ...]

    def message(self, locale: FormLocale) -> str:
        """What is missing (a Problem holds where, and which locale)."""
        listed = ", ".join(f"U+{ord(c):04X} {c!r}" for c in self.characters)
        return f"no font of {', '.join(locale.fonts)} has {listed}"


def _drawn(character: str) -> bool:
    """Characters that need a glyph (spaces, controls and joiners are handled by shaping).
    Private-use and unassigned code points need one too: a font that has one draws whatever
    private icon it put there, and the text check flags them anyway."""
    return unicodedata.category(character) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}


def missing(text: str, locale: FormLocale) -> tuple[str, ...]:
    """The characters of text that no font of the locale's stack has, in first-seen order."""
    covered: set[int] = set()
    for family in locale.fonts:
        covered |= font_characters(family)
    return tuple(dict.fromkeys(c for c in text if _drawn(c) and ord(c) not in covered))


def check_coverage(locale: FormLocale, pieces: Iterable[tuple[str, str]]) -> list[MissingGlyphs]:
    """Check each (where, text) piece; returns the pieces with characters no font has."""
    problems = []
    for where, text in pieces:
        if absent := missing(text, locale):
            problems.append(MissingGlyphs(where, absent))
    return problems


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
                Problem(missing.where, subject.locale.code, missing.message(subject.locale))
            )
    return problems
