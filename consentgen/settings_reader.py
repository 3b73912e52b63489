"""Reading the settings table value by value: each value checked for its type and range, each
problem kept with the line of the file it is on, so that all are reported at once (as MkDocs'
load_config does)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from consentgen.errors import InputError
from consentgen.settings_file import line_of, table_line

# A phone number as a patient dials it: digits, with spaces, dashes, dots, brackets or a leading
# plus between them; an extension after "ext." or "x". No letters: a form is no place for a typo.
_PHONE = re.compile(r"^\+?[0-9()][0-9 ().\-]*[0-9](\s*(ext\.?|x)\s*[0-9]+)?$")


class SettingsReader:
    """One settings table, and the problems found in it so far."""

    def __init__(self, path: Path, table: dict[str, Any], text: str) -> None:
        self.path = path
        self.table = table
        self.text = text
        self.problems: list[InputError] = []

    def problem(self, key: str, message: str) -> None:
        """A problem with the setting at dotted key, on the line that sets it."""
        self.problems.append(InputError(self.path.name, message, line_of(self.text, key)))

    def unknown(self, known: set[str]) -> None:
        """Every key of the table that is no setting."""
        for key in sorted(set(self.table) - known):
            self.problem(key, f"unknown setting {key!r} (known: {', '.join(sorted(known))})")

    def string(self, key: str, value: Any, *, required: bool = False) -> str:
        """A string setting ("" where it is absent or wrong)."""
        if value is None:
            if required:
                self.problem(key, f"{key} is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(key, f"{key} must be a non-empty string, not {value!r}")
            return ""
        return value

    def phone(self, key: str, purpose: str, default: str | None = None) -> str:
        """A phone number as a patient dials it. With no default it is required: a wrong
        number printed on a form is worse than none."""
        value = self.table.get(key, default)
        if value is None:
            # Pointed at the settings table, where the line belongs.
            self.problems.append(
                InputError(
                    self.path.name,
                    f"{key} is required: {purpose}, printed on every form",
                    table_line(self.text),
                )
            )
            return ""
        if not isinstance(value, str):
            self.problem(
                key,
                f'{key} must be a phone number in quotes ("0800 ..." keeps its 0), not {value!r}',
            )
            return ""
        if not _PHONE.match(value.strip()):
            self.problem(
                key,
                f"{key} must be a phone number as a patient dials it (digits, spaces, "
                f"'-', '.', '(', ')', a leading '+', an extension after 'ext.'), not {value!r}",
            )
            return ""
        return value.strip()

    def choice(self, key: str, choices: tuple[str, ...], default: str, shown: str) -> str:
        """One of a few strings (shown: how the message lists them)."""
        value = self.table.get(key, default)
        if not isinstance(value, str) or value not in choices:
            self.problem(key, f"{key} must be {shown}, not {value!r}")
            return default
        return value

    def number(self, key: str, default: float, most: float | None, unit: str) -> float:
        """A number more than 0 (and at most `most`, where there is a bound)."""
        value = self.table.get(key, default)
        number = not isinstance(value, bool) and isinstance(value, int | float)
        if not number or not 0 < value <= (most if most is not None else float("inf")):
            bound = f", more than 0 and at most {most:g}" if most is not None else ""
            self.problem(key, f"{key} must be {unit}{bound}, not {value!r}")
            return default
        return float(value)

    def flag(self, key: str, default: bool) -> bool:
        """true or false."""
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"{key} must be true or false, not {value!r}")
            return default
        return value

    def strings(self, key: str, value: Any, what: str) -> list[str] | None:
        """A list of strings, or None (reported) where it is not one."""
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.problem(key, f"{key} must be a list of {what}, not {value!r}")
            return None
        return value

    def lists_by_locale(self, key: str, what: str) -> dict[str, tuple[str, ...]]:
        """A table of locale = [strings]; a single list stands for every locale ("*")."""
        table = self.table.get(key, {})
        if isinstance(table, list):
            table = {"*": table}
        if not isinstance(table, dict):
            self.problem(key, f"{key} must be a table of locale = [{what}]")
            return {}
        found = {}
        for locale, values in table.items():
            if not isinstance(values, list) or not all(isinstance(x, str) for x in values):
                self.problem(f"{key}.{locale}", f"{key}.{locale} must be a list of {what}")
                continue
            found[locale] = tuple(values)
        return found
