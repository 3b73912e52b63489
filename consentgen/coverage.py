"""Glyph coverage: every character a locale renders must be in a font of its stack.

A character no font has prints as an empty box: on a consent form that is a word a patient
cannot read. The check reads each font's character map with fontTools.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from consentgen.fonts import font_characters
from consentgen.locales import FormLocale

_TAG = re.compile(r"<[^>]*>")
_STYLE = re.compile(r"<style\b.*?</style>", re.S)


@dataclass(frozen=True)
class MissingGlyphs:
    """Characters of one piece of text that no font of the locale's stack can draw."""

    where: str  # "path:line" of the catalog entry, or the template that produced the text
    characters: tuple[str, ...]

    def describe(self, locale: FormLocale) -> str:
        listed = ", ".join(f"U+{ord(c):04X} {c!r}" for c in self.characters)
        return f"{self.where}: {locale.code}: no font of {', '.join(locale.fonts)} has {listed}"


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


def html_text(html: str) -> str:
    """The text of a rendered form, without markup or its stylesheet."""
    import html as html_module

    return html_module.unescape(_TAG.sub(" ", _STYLE.sub(" ", html)))


def check_coverage(locale: FormLocale, pieces: Iterable[tuple[str, str]]) -> list[MissingGlyphs]:
    """Check each (where, text) piece; returns the pieces with characters no font has."""
    problems = []
    for where, text in pieces:
        if absent := missing(text, locale):
            problems.append(MissingGlyphs(where, absent))
    return problems
