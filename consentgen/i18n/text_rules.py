"""What a translation may hold, character by character, and the numbers it states.

Pure functions over one msgid and its msgstr, used where catalogs are loaded (bidirectional
controls are refused outright) and by the `text` check (everything else is flagged).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

# Embeddings, overrides and isolates: they reorder what the reader sees ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
)
# Characters that show nothing and break search, copy and screen readers.
INVISIBLE = frozenset(
    "\u200b"  # zero width space
    "\u2060"  # word joiner
    "\ufeff"  # zero width no-break space (a byte order mark inside text)
    "\u180e"  # Mongolian vowel separator (outside Mongolian)
    "\u2061\u2062\u2063\u2064"  # invisible function application, times, separator, plus
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # braille pattern blank
    "\u17b4\u17b5"  # Khmer inherent vowels
)
SOFT_HYPHEN = "\u00ad"
JOINERS = frozenset("\u200c\u200d")  # ZWNJ and ZWJ: Persian, Arabic and Indic scripts need them
# Scripts written with letters that join or form conjuncts: there a joiner has a job to do.
_JOINING_SCRIPTS = (
    "ARABIC",
    "SYRIAC",
    "DEVANAGARI",
    "BENGALI",
    "GURMUKHI",
    "GUJARATI",
    "ORIYA",
    "TAMIL",
    "TELUGU",
    "KANNADA",
    "MALAYALAM",
    "SINHALA",
    "MYANMAR",
    "KHMER",
)
# Digits of any script (Arabic-Indic, Persian, Devanagari, full-width...) read as their value.
_NUMBER = re.compile(
    r"(?<![\d])\d{1,3}(?:[,.\u00a0\u202f\u2009' ]\d{3})+(?![\d])"  # 2,000  2.000  2 000
    r"|\d+(?:[.,]\d+)?"  # 12  7.5  7,5
)
# English number words count as the numbers they are, where the source language is English.
_ENGLISH_NUMBERS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "thirty": "30",
    "hundred": "100",
    "thousand": "1000",
}
_WORD = re.compile(r"[a-z]+")


def bidi_controls(text: str) -> list[str]:
    """The bidirectional embedding, override and isolate controls in text."""
    return sorted({c for c in text if c in BIDI_CONTROLS})


def _script(character: str) -> str:
    return unicodedata.name(character, "").split(" ", 1)[0]


def _joins(text: str, index: int) -> bool:
    """Whether the joiner at index stands between two letters of a script that needs it."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    return bool(before and after) and all(
        unicodedata.category(c)[0] in "LM" and _script(c) in _JOINING_SCRIPTS
        for c in (before, after)
    )


def invisible_characters(text: str) -> list[str]:
    """Characters that show nothing and have no job where they stand: zero-width spaces, word
    joiners and the like anywhere; a soft hyphen not inside a word; ZWNJ and ZWJ other than
    between two letters of a script that joins (Persian, Arabic, Indic scripts)."""
    found = []
    for index, character in enumerate(text):
        if character in INVISIBLE:
            found.append(character)
        elif character == SOFT_HYPHEN:
            inside = 0 < index < len(text) - 1 and text[index - 1].isalpha()
            if not (inside and text[index + 1].isalpha()):
                found.append(character)
        elif character in JOINERS and not _joins(text, index):
            found.append(character)
    return list(dict.fromkeys(found))


def meaningless_characters(text: str) -> list[str]:
    """Private-use and unassigned code points: no meaning of their own, so they print as a
    box, or as whatever private icon a font puts there."""
    return list(dict.fromkeys(c for c in text if unicodedata.category(c) in {"Co", "Cn"}))


def blank(text: str) -> bool:
    """Text that shows nothing: only spaces of any width, line breaks and invisible characters
    (no letter, mark, digit, punctuation or symbol)."""
    return not any(unicodedata.category(c)[0] in "LMNPS" for c in text)


def numbers(text: str, source_language: str | None = None) -> Counter[str]:
    """The numbers text states, as plain digits: native digits read as theirs, thousands
    separators dropped, a decimal comma read as a point; with source_language "en", English
    number words too."""
    plain = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text
    )
    found: Counter[str] = Counter()
    for match in _NUMBER.finditer(plain):
        value = match.group()
        if re.fullmatch(r"\d{1,3}(?:[,.\u00a0\u202f\u2009' ]\d{3})+", value):
            value = re.sub(r"\D", "", value)
        found[value.replace(",", ".").lstrip("0") or "0"] += 1
    if source_language == "en":
        for word in _WORD.findall(plain.lower()):
            if word in _ENGLISH_NUMBERS:
                found[_ENGLISH_NUMBERS[word]] += 1
    return found


def describe(characters: list[str]) -> str:
    """Characters named for a person: U+200B ZERO WIDTH SPACE, ..."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unassigned')}" for c in characters)
