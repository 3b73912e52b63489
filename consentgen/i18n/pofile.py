"""Reading gettext catalogs, hardened: every fault is one line naming the file and line.

Catalogs come from outside translators and translation platforms. A string cut short, a header
Babel would misread, a Plural-Forms rule that would take the machine's memory: each is refused
at its line before Babel parses the file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po, write_po

from consentgen.errors import InputError, display_path
from consentgen.files import atomic_write
from consentgen.i18n.plurals import repaired, rule_problem

DOMAIN = "messages"
COMMENT_TAGS = ("Translators:",)


def pot_path(root: Path) -> Path:
    """Where the extracted template catalog lives."""
    return root / "locales" / f"{DOMAIN}.pot"


def po_path(root: Path, locale: str) -> Path:
    """Where a locale's catalog lives (gettext layout)."""
    return root / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_time() -> dt.datetime:
    """The time stamped into catalog headers: SOURCE_DATE_EPOCH when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


def po_bytes(catalog: Catalog, **kwargs: bool) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, **kwargs)
    return buf.getvalue()


_DATE_HEADER = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)


def _same_but_dates(a: bytes, b: bytes) -> bool:
    return _DATE_HEADER.sub(b"", a) == _DATE_HEADER.sub(b"", b)


def write_if_changed(path: Path, content: bytes) -> bool:
    """Write a catalog unless only its date headers would change; True if written."""
    if path.is_file() and _same_but_dates(path.read_bytes(), content):
        return False
    atomic_write(path, content)
    return True


def read_catalog(path: Path, root: Path, locale: str | None = None) -> Catalog:
    """Parse a .po or .pot file; any fault is an InputError naming the file and line."""
    return read_catalog_repairing(path, root, locale, repair_plural_forms=False)[0]


def read_catalog_repairing(
    path: Path, root: Path, locale: str | None, *, repair_plural_forms: bool
) -> tuple[Catalog, bool]:
    """Parse a catalog; with repair_plural_forms, a Plural-Forms header that is malformed or is
    neither CLDR's nor gettext's rule for the locale is first replaced by CLDR's. Returns the
    catalog and whether its header was repaired."""
    shown = display_path(path, root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(shown, "no such catalog") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(shown, "not UTF-8: catalogs must be UTF-8 encoded", line) from None
    # Lines end at "\n" only, as Babel reads them: U+2028 and the like are text in a string.
    lines = text.split("\n")
    repaired_lines = None
    if repair_plural_forms and locale is not None:
        repaired_lines = _with_correct_plural_forms(lines, locale)
        if repaired_lines is not None:
            lines, text = repaired_lines, "\n".join(repaired_lines)
    _check_strings(shown, lines)
    if (bad_header := _header_error(shown, lines)) is not None:
        raise bad_header
    try:
        catalog = read_po(io.StringIO(text), locale=locale, domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:
        raise InputError(
            shown, f"cannot parse catalog: {str(exc).rsplit(' on ', 1)[0]}", exc.lineno + 1
        ) from None
    except Exception as exc:  # Babel raises plain errors on a malformed header
        raise InputError(
            shown, f"cannot parse catalog header: {exc}", _header_fault_line(lines, str(exc))
        ) from None
    charset = (catalog.charset or "").lower().replace("_", "-")
    if charset not in {"utf-8", "utf8"}:
        raise InputError(
            shown,
            f"Content-Type charset is {catalog.charset!r}; catalogs must be UTF-8",
            header_line(lines, "Content-Type"),
        )
    return catalog, repaired_lines is not None


_KEYWORD_LINE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(\[\d+\])?)\s+(?P<rest>.*)$")
_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')


def _check_strings(shown: str, lines: list[str]) -> None:
    """Refuse a string that is not closed on its line.

    Babel reads `msgstr "Entiendo que nadie puede` as "Entiendo que nadie pued": a dropped
    quote would silently cut a translation.
    """
    for number, line in enumerate(lines, 1):
        stripped = line.strip(" \t\r")
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEYWORD_LINE.match(stripped)
        string = match.group("rest").strip() if match else stripped
        if (match or stripped.startswith('"')) and not _STRING.match(string):
            raise InputError(shown, 'string not closed on its line (a missing ")', number)


PLURAL_FORMS = re.compile(r"^nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?);?\s*$")
MAX_PLURALS = 6  # the most any language has (CLDR: Arabic)


def plural_forms_header(lines: list[str]) -> tuple[int, str] | None:
    """The Plural-Forms header's line and value (a wrapped value joined), if there is one."""
    number = header_line(lines, "Plural-Forms")
    if number is None:
        return None
    text = lines[number - 1]
    value = text[len('"Plural-Forms:') :].strip().removesuffix('"').removesuffix("\\n").strip()
    following = number
    while following < len(lines) and lines[following].startswith('"') and not text.endswith('\\n"'):
        text = lines[following]
        value += text.strip('"').removesuffix("\\n")
        following += 1
    return number, value


def _header_error(shown: str, lines: list[str]) -> InputError | None:
    """A malformed Plural-Forms header, which Babel reports at the header's end, at its line.

    nplurals is bounded too: Babel makes a list that long for every plural message, so a
    hostile nplurals=100000000 would take the memory of the machine.
    """
    header = plural_forms_header(lines)
    if header is None:
        return None
    line, value = header
    match = PLURAL_FORMS.match(value)
    if match and 1 <= int(match.group(1)) <= MAX_PLURALS:
        return None
    if match:
        return InputError(shown, f"Plural-Forms: nplurals must be 1 to {MAX_PLURALS}", line)
    return InputError(shown, f"Plural-Forms is not valid: {value!r}", line)


def _with_correct_plural_forms(lines: list[str], locale: str) -> list[str] | None:
    """The catalog's lines with CLDR's Plural-Forms rule in place of a wrong or broken one;
    None if the header is right (or absent: Babel then writes the locale's rule)."""
    header = plural_forms_header(lines)
    if header is None:
        return None
    number, value = header
    match = PLURAL_FORMS.match(value)
    if match and int(match.group(1)) <= MAX_PLURALS:
        if rule_problem(locale, int(match.group(1)), match.group(2)) is None:
            return None
    end = number
    while not lines[end - 1].endswith('\\n"') and end < len(lines) and lines[end].startswith('"'):
        end += 1
    return [*lines[: number - 1], f'"Plural-Forms: {repaired(locale)}\\n"', *lines[end:]]


def _header_fault_line(lines: list[str], message: str) -> int:
    """The header line holding the value an error message quotes, else the header's first."""
    start = next((n for n, line in enumerate(lines) if line.startswith('msgstr ""')), 0)
    end = next((n for n in range(start + 1, len(lines)) if not lines[n].startswith('"')), start)
    quoted = re.findall(r"'([^']+)'", message)
    for number in range(start, max(end, start + 1)):
        if any(value in lines[number] for value in quoted):
            return number + 1
    return start + 1


def header_line(lines: list[str], header: str) -> int | None:
    for number, line in enumerate(lines, 1):
        if line.startswith(f'"{header}:'):
            return number
    return None


def message_ids(message: Message) -> tuple[str, ...]:
    """A message's msgid, and its msgid_plural if it has one."""
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def message_strings(message: Message) -> tuple[str, ...]:
    """A message's msgstr, or each of its plural forms ("" where there is none)."""
    string = message.string
    return tuple(s or "" for s in string) if isinstance(string, tuple | list) else (string or "",)
