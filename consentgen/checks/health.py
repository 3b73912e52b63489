"""Catalog health: one entry per msgid, and a Plural-Forms header that is right for the language
(CLDR's rule or gettext's conventional one).
(A catalog that does not parse, or is not UTF-8, stops `check` with exit 2 before this runs.)"""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.i18n.plurals import rule_problem
from consentgen.i18n.pofile import PLURAL_FORMS, plural_forms_header
from consentgen.settings import Settings


def _string(lines: list[str], index: int) -> tuple[str, int]:
    """The string of a keyword's line (msgctxt, msgid) as written over that line and the lines
    that continue it, and the index of its last line."""
    text = lines[index].partition(" ")[2]
    while index + 1 < len(lines) and lines[index + 1].startswith('"'):
        index += 1
        text += lines[index]
    return text, index


def _entries(lines: list[str]) -> list[tuple[int, str, str]]:
    """(line, context, msgid) of every live entry, as written (escapes kept)."""
    found = []
    context = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("msgctxt "):
            context, index = _string(lines, index)
        elif line.startswith("msgid "):
            start = index + 1
            text, index = _string(lines, index)
            found.append((start, context, text))
            context = ""
        index += 1
    return found


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Duplicate msgids, and a missing, malformed or wrong Plural-Forms header."""
    catalog = subject.catalog
    if catalog.path is None:
        return []
    shown = display_path(catalog.path, settings.root)
    code = subject.locale.code
    lines = catalog.path.read_text(encoding="utf-8").split("\n")
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for line, context, msgid in _entries(lines):
        if msgid == '""' and line < 5:
            continue  # the header
        if (context, msgid) in seen:
            problems.append(
                Problem(
                    f"{shown}:{line}",
                    code,
                    f"duplicate msgid (first at line {seen[context, msgid]})",
                )
            )
        else:
            seen[context, msgid] = line
    header = plural_forms_header(lines)
    if header is None:
        problems.append(Problem(shown, code, "no Plural-Forms header"))
        return problems
    number, value = header
    match = PLURAL_FORMS.match(value)
    if not match:
        problems.append(Problem(f"{shown}:{number}", code, f"Plural-Forms is not valid: {value!r}"))
        return problems
    if (wrong := rule_problem(code, int(match.group(1)), match.group(2))) is not None:
        problems.append(
            Problem(f"{shown}:{number}", code, f"{wrong} (`consentgen update` repairs it)")
        )
    return problems
