"""Locales: Babel's identifiers, checked before any path is built from one."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global

# Babel identifiers: language, optional script, optional territory (`es`, `zh_Hans`, `pt_BR`).
_LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_(?:[A-Z]{2}|[0-9]{3}))?$")

# Noto families from Debian's fonts-noto-core and fonts-noto-cjk, by language or script.
DEFAULT_FONTS: dict[str, tuple[str, ...]] = {
    "Latn": ("Noto Sans",),
    "Cyrl": ("Noto Sans",),
    "Grek": ("Noto Sans",),
    "Arab": ("Noto Naskh Arabic", "Noto Sans Arabic", "Noto Sans"),
    "Hans": ("Noto Sans CJK SC", "Noto Sans"),
    "Hant": ("Noto Sans CJK TC", "Noto Sans"),
    "Jpan": ("Noto Sans CJK JP", "Noto Sans"),
    "Kore": ("Noto Sans CJK KR", "Noto Sans"),
    "Deva": ("Noto Sans Devanagari", "Noto Sans"),
}


@dataclass(frozen=True)
class FormLocale:
    """One language a form is built in."""

    code: str
    bcp47: str
    direction: str
    script: str
    is_source: bool
    fonts: tuple[str, ...]

    @property
    def display_name(self) -> str:
        """The language's name in its own language ("Español")."""
        return _names(self.code)[0]

    @property
    def english_name(self) -> str:
        """The language's name in English ("Spanish")."""
        return _names(self.code)[1]

    @property
    def page_number_side(self) -> str:
        """The margin box for "Page X of Y": the outer corner in reading order."""
        return "bottom-left" if self.direction == "rtl" else "bottom-right"


def is_valid_identifier(code: str) -> bool:
    """True if code is a well-formed locale identifier Babel knows."""
    if not _LOCALE_PATTERN.match(code):
        return False
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def _script(locale: Locale) -> str:
    """The script a locale is written in, from Babel's likely-subtags data."""
    if locale.script:
        return locale.script
    likely = str(get_global("likely_subtags").get(locale.language, ""))
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else "Latn"


def form_locale(code: str, source: str, fonts: dict[str, tuple[str, ...]]) -> FormLocale:
    """Describe a locale; the caller has checked it with is_valid_identifier."""
    script = _script_of(code)
    return FormLocale(
        code=code,
        bcp47=code.replace("_", "-"),
        direction="rtl" if script in RIGHT_TO_LEFT else "ltr",
        script=script,
        is_source=code == source,
        fonts=fonts.get(code) or DEFAULT_FONTS.get(script) or DEFAULT_FONTS["Latn"],
    )


# Scripts written right to left (Unicode's, as CLDR's character order has them).
RIGHT_TO_LEFT = {"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Mand", "Samr", "Rohg"}


@functools.cache
def _script_of(code: str) -> str:
    """The script a locale is written in (Babel's likely subtags; no locale data is loaded,
    which takes a build that has nothing to do more time than the rest)."""
    locale = Locale.parse(code)
    if locale.language == "ja":
        return "Jpan"
    if locale.language == "ko":
        return "Kore"
    return _script(locale)


@functools.cache
def _names(code: str) -> tuple[str, str]:
    """A locale's name in its own language and in English, from Babel's data (once each)."""
    locale = Locale.parse(code)
    script = _script_of(code)
    display = locale.get_display_name(locale) or code
    return (
        display[:1].upper() + display[1:] if script in {"Latn", "Cyrl"} else display,
        locale.get_display_name("en") or code,
    )
