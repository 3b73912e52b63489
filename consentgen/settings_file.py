"""Editing the settings file in place: the forms team's formatting and comments are kept.

Only one edit is made, adding a locale to `locales`, and only when the file parses to exactly
the settings it had plus that locale afterwards; otherwise the caller prints the line to add.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from consentgen.config import Settings
from consentgen.output import atomic_write

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"' + r"|'[^']*'")


def _table(data: dict[str, Any], pyproject: bool) -> dict[str, Any]:
    return data.get("tool", {}).get("consentgen", {}) if pyproject else data


def _scan_array(text: str, start: int) -> tuple[int, int | None] | None:
    """For the array opened at start: the position of its closing `]`, and the end of its last
    string (None if it has none), strings and comments read as such."""
    depth, position, last = 0, start, None
    while position < len(text):
        character = text[position]
        if character in "\"'":
            match = _STRING.match(text, position)
            if match is None:
                return None
            position = last = match.end()
            continue
        if character == "#":
            position = text.find("\n", position)
            if position == -1:
                return None
            continue
        if character == "[":
            depth += 1
        elif character == "]":
            depth -= 1
            if depth == 0:
                return position, last
        position += 1
    return None


def _with_locale(text: str, code: str, pyproject: bool) -> str | None:
    """The settings text with code appended to `locales`, or None where that cannot be done
    safely (no locales key in the consentgen table, an unusual layout)."""
    start = 0
    if pyproject:
        table = re.search(r"^\[tool\.consentgen\]\s*$", text, re.M)
        if table is None:
            return None
        start = table.end()
    following = re.compile(r"^\[", re.M).search(text, start)
    end = following.start() if following else len(text)
    key = re.compile(r"^locales\s*=\s*\[", re.M).search(text, start, end)
    if key is None:
        return None
    scanned = _scan_array(text, key.end() - 1)
    if scanned is None:
        return None
    close, last = scanned
    if last is None:
        return f'{text[: key.end()]}"{code}"{text[close:]}'
    return f'{text[:last]}, "{code}"{text[last:]}'


def add_locale(settings: Settings, code: str) -> bool:
    """Add a locale to the settings' `locales`, keeping everything else of the file as it is.

    Returns False (and changes nothing) when the edit cannot be made safely.
    """
    path = settings.source
    pyproject = path.name == "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    edited = _with_locale(text, code, pyproject)
    if edited is None:
        return False
    try:
        expected, after = tomllib.loads(text), tomllib.loads(edited)
    except tomllib.TOMLDecodeError:
        return False
    table = _table(expected, pyproject)
    table["locales"] = [*table.get("locales", []), code]
    if after != expected:  # the whole file, not only the consentgen table
        return False
    atomic_write(path, edited.encode("utf-8"))
    return True


def locale_line(settings: Settings, code: str) -> str:
    """The `locales = [...]` line to put in the settings by hand."""
    codes = ", ".join(f'"{c}"' for c in (*settings.locales, code))
    return f"locales = [{codes}]"
