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
    display_name: str
    english_name: str
    script: str
    is_source: bool
    fonts: tuple[str, ...]

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
    script, direction, display_name, english_name = _describe(code)
    return FormLocale(
        code=code,
        bcp47=code.replace("_", "-"),
        direction=direction,
        display_name=display_name,
        english_name=english_name,
        script=script,
        is_source=code == source,
        fonts=fonts.get(code) or DEFAULT_FONTS.get(script) or DEFAULT_FONTS["Latn"],
    )


@functools.cache
def _describe(code: str) -> tuple[str, str, str, str]:
    """Script, direction and names of a locale, from Babel's data (slow to load: once each)."""
    locale = Locale.parse(code)
    script = _script(locale)
    if locale.language == "ja":
        script = "Jpan"
    elif locale.language == "ko":
        script = "Kore"
    display = locale.get_display_name(locale) or code
    return (
        script,
        "rtl" if locale.character_order == "right-to-left" else "ltr",
        display[:1].upper() + display[1:] if script in {"Latn", "Cyrl"} else display,
        locale.get_display_name("en") or code,
    )
