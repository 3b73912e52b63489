"""The settings file as text: finding it, the line each setting is on (tomllib keeps no
positions), and editing it in place with the forms team's formatting and comments kept.

Only one edit is made, adding a locale to `locales`, and only when the file parses to exactly
the settings it had plus that locale afterwards; otherwise the caller prints the line to add.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from consentgen.errors import ConsentgenError, InputError
from consentgen.files import atomic_write

_TOML_LINE = re.compile(r"at line (\d+)")
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


def add_locale(path: Path, code: str) -> bool:
    """Add a locale to the settings' `locales`, keeping everything else of the file as it is.

    Returns False (and changes nothing) when the edit cannot be made safely.
    """
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


def locale_line(locales: tuple[str, ...], code: str) -> str:
    """The `locales = [...]` line to put in the settings by hand."""
    codes = ", ".join(f'"{c}"' for c in (*locales, code))
    return f"locales = [{codes}]"


def read_settings_table(root: Path) -> tuple[Path, dict[str, Any], str]:
    """Find the settings file and return it, its consentgen table and its text."""
    for name, table_path in (("consentgen.toml", ()), ("pyproject.toml", ("tool", "consentgen"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(name, f"not UTF-8 text ({exc.reason})") from None
        try:
            data: Any = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            match = _TOML_LINE.search(str(exc))
            line = int(match.group(1)) if match else None
            raise InputError(name, f"not valid TOML: {exc}", line) from None
        for key in table_path:
            data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise InputError(name, "[tool.consentgen] must be a table")
        return path, data, text
    raise ConsentgenError(
        f"{root}: not a forms project (no [tool.consentgen] in pyproject.toml, no consentgen.toml)"
    )


def line_of(text: str, key: str) -> int | None:
    """The line a setting is on, for error messages (tomllib keeps no positions).

    key is dotted from the consentgen table ("locales", "fonts.es",
    "procedures.kyphoplasty.revision_date"): the line is looked for in the table that holds it
    (`[tool.consentgen.fonts]`, or `[fonts]` in consentgen.toml), so a key of the same name in
    another table is never taken for it. Where the key itself is not written, its table's
    header line is named.
    """
    *tables, last = key.split(".")
    in_pyproject = re.search(r"^\[tool\.consentgen\]", text, re.M) is not None
    prefix = ["tool", "consentgen"] if in_pyproject else []
    for depth in range(len(tables), -1, -1):
        header = ".".join([*prefix, *tables[:depth]])
        if header:
            found = re.search(rf"^\[{re.escape(header)}\]\s*(#.*)?$", text, re.M)
            if found is None:
                continue
            start = found.end()
        else:
            start = 0
        following = re.compile(r"^\[", re.M).search(text, start)
        end = following.start() if following else len(text)
        wanted = tables[depth:] + [last]
        pattern = rf"^\s*{re.escape('.'.join(wanted))}\s*="
        match = re.compile(pattern, re.M).search(text, start, end)
        if match is None and depth < len(tables):  # an inline table: fonts = { es = [...] }
            match = re.compile(rf"^\s*{re.escape(wanted[0])}\s*=", re.M).search(text, start, end)
        if match is not None:
            return text.count("\n", 0, match.start()) + 1
        if header and depth == len(tables) and tables:
            return text.count("\n", 0, found.start()) + 1  # type: ignore[union-attr]
    return None


def table_line(text: str) -> int:
    """The line of the consentgen table's header, where a missing key belongs."""
    match = re.search(r"^\[tool\.consentgen\]", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else 1
