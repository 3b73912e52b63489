"""gettext catalogs, through Babel: extract, update, and compile in memory for a build.

Catalogs come from outside translators: every msgstr is untrusted text. Loading checks each
translation's placeholders against its msgid, and the gettext callables handed to Jinja escape
every translation, so a msgstr can never reach a form as live markup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po
from babel.support import NullTranslations, Translations
from jinja2.ext import babel_extract
from markupsafe import Markup, escape

from consentgen.errors import InputError, display_path
from consentgen.output import atomic_write
from consentgen.plurals import repaired, rule_problem
from consentgen.review import ReviewState, review_path, review_state
from consentgen.text_rules import bidi_controls, blank, describe

DOMAIN = "messages"
COMMENT_TAGS = ("Translators:",)
# Options shared by extraction and the runtime environment, so both see the same msgids.
EXTRACT_OPTIONS = {"trimmed": "true", "silent": "false", "newstyle_gettext": "true"}
# The only % forms a message may hold: a named string placeholder, or %% for a percent sign.
# Widths, precisions and other conversions could cut or pad a value, so they are refused.
_PLACEHOLDER = re.compile(r"%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s|%%")


def pot_path(root: Path) -> Path:
    """Where the extracted template catalog lives."""
    return root / "locales" / f"{DOMAIN}.pot"


def po_path(root: Path, locale: str) -> Path:
    """Where a locale's catalog lives (gettext layout)."""
    return root / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _now() -> dt.datetime:
    """The time stamped into catalog headers: SOURCE_DATE_EPOCH when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


def template_files(root: Path) -> list[Path]:
    """Every template that can hold translatable text, in a stable order."""
    templates = root / "templates"
    return sorted(
        p for p in templates.rglob("*.j2") if "static" not in p.relative_to(templates).parts
    )


def _extract_file(
    path: Path, root: Path
) -> Iterator[tuple[int, str | tuple[str, ...], list[str], str | None]]:
    with path.open("rb") as fileobj:
        try:
            yield from extract(
                babel_extract,  # type: ignore[arg-type]  # Jinja's and Babel's stubs disagree
                fileobj,
                comment_tags=COMMENT_TAGS,
                options=EXTRACT_OPTIONS,
                strip_comment_tags=True,
            )
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(
                display_path(path, root), exc.message or "syntax error", exc.lineno
            ) from None
        except UnicodeDecodeError as exc:
            raise InputError(display_path(path, root), f"not UTF-8 text ({exc.reason})") from None


def extract_catalog(root: Path, project: str) -> Catalog:
    """Read every template and return the template catalog (messages.pot)."""
    catalog = Catalog(
        project=project,
        version="consent forms",
        msgid_bugs_address=None,
        charset="utf-8",
        fuzzy=False,
        creation_date=_now(),
        header_comment=f"# Translations template for {project}.\n#",
    )
    for path in template_files(root):
        relative = path.relative_to(root).as_posix()
        for lineno, message, comments, context in _extract_file(path, root):
            # Jinja keeps a multi-line comment's indentation; translators get plain sentences.
            notes = [" ".join(" ".join(comments).split())] if comments else []
            catalog.add(message, None, [(relative, lineno)], auto_comments=notes, context=context)
    return catalog


def _po_bytes(catalog: Catalog, **kwargs: bool) -> bytes:
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


def extract_to_pot(root: Path, project: str) -> tuple[Path, int, bool]:
    """`consentgen extract`: templates -> locales/messages.pot. Returns (path, count, written)."""
    catalog = extract_catalog(root, project)
    path = pot_path(root)
    written = write_if_changed(path, _po_bytes(catalog))
    return path, len(catalog), written


def read_catalog(path: Path, root: Path, locale: str | None = None) -> Catalog:
    """Parse a .po or .pot file; any fault is an InputError naming the file and line."""
    return _read_catalog(path, root, locale, repair_plural_forms=False)[0]


def _read_catalog(
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
            _header_line(lines, "Content-Type"),
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
    number = _header_line(lines, "Plural-Forms")
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


def _header_line(lines: list[str], header: str) -> int | None:
    for number, line in enumerate(lines, 1):
        if line.startswith(f'"{header}:'):
            return number
    return None


def update_catalogs(root: Path, locales: list[str]) -> list[tuple[Path, str]]:
    """`consentgen update`: merge messages.pot into each locale's catalog, creating new ones."""
    template = read_catalog(pot_path(root), root)
    results: list[tuple[Path, str]] = []
    for locale in locales:
        path = po_path(root, locale)
        if path.is_file():
            catalog, repaired_header = _read_catalog(path, root, locale, repair_plural_forms=True)
            catalog.update(template, update_header_comment=False)
            action = "updated"
            if repaired_header:
                action = f"updated (Plural-Forms set to CLDR's rule for {locale})"
        else:
            catalog = read_catalog(pot_path(root), root, locale)
            catalog.locale = locale
            catalog.revision_date = _now()
            catalog.fuzzy = False
            action = "created"
        # Obsolete entries go: fuzzy matching has already reused what they could offer.
        if write_if_changed(path, _po_bytes(catalog, ignore_obsolete=True)):
            results.append((path, action))
        else:
            results.append((path, "unchanged"))
    return results


def _placeholders(text: str) -> tuple[set[str], bool]:
    """Named placeholders in a string, and whether it has a % that is not %(name)s or %%."""
    names = set()
    stray = False
    position = 0
    while (index := text.find("%", position)) != -1:
        match = _PLACEHOLDER.match(text, index)
        if not match:
            stray = True
            position = index + 1
            continue
        if match.group("name"):
            names.add(match.group("name"))
        position = match.end()
    return names, stray


def fill(message: str, variables: Mapping[str, object]) -> Markup:
    """Substitute %(name)s placeholders into a message, escaping the message and each value.

    This replaces Python's % formatting, so that a msgstr cannot use widths, precisions or
    conversions to cut a value (and with it an escaped tag) short.
    """
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(message):
        parts.append(escape(message[position : match.start()]))
        name = match.group("name")
        parts.append(escape(variables[name]) if name else "%")
        position = match.end()
    parts.append(escape(message[position:]))
    return Markup("".join(parts))


def message_ids(message: Message) -> tuple[str, ...]:
    """A message's msgid, and its msgid_plural if it has one."""
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def message_strings(message: Message) -> tuple[str, ...]:
    """A message's msgstr, or each of its plural forms ("" where there is none)."""
    string = message.string
    return tuple(s or "" for s in string) if isinstance(string, tuple | list) else (string or "",)


def refused(message: Message) -> list[tuple[str, str]]:
    """Why a translation cannot be used at all, as (check, problem): its placeholders, or
    bidirectional controls that would reorder the words a reader sees."""
    problems = [("placeholders", problem) for problem in placeholder_problems(message)]
    for text in message_strings(message):
        if controls := bidi_controls(text):
            problems.append(
                (
                    "text",
                    f"msgstr has bidirectional control characters ({describe(controls)}), "
                    "which reorder the words a reader sees",
                )
            )
    return list(dict.fromkeys(problems))


def placeholder_problems(message: Message) -> list[str]:
    """What is wrong with a translation's placeholders, compared with its msgid."""
    ids, strings = message_ids(message), message_strings(message)
    expected: set[str] = set()
    for msgid in ids:
        expected |= _placeholders(msgid)[0]
    problems = []
    for text in strings:
        if not text:
            continue
        names, stray = _placeholders(text)
        if stray:
            problems.append("msgstr has a % that is not %(name)s (write %% for a percent sign)")
        problems += [f"msgstr drops placeholder %({n})s" for n in sorted(expected - names)]
        problems += [
            f"msgstr adds placeholder %({n})s that the msgid lacks"
            for n in sorted(names - expected)
        ]
    return list(dict.fromkeys(problems))


@dataclass
class FormMessages:
    """The messages one form shows: all of them, and those its catalog does not translate."""

    used: set[str] = field(default_factory=set)
    untranslated: set[str] = field(default_factory=set)

    @property
    def percent_translated(self) -> int:
        if not self.used:
            return 100
        return (100 * (len(self.used) - len(self.untranslated))) // len(self.used)


@dataclass
class LocaleCatalog:
    """A locale's catalog, compiled in memory for rendering."""

    locale: str
    path: Path | None
    translations: NullTranslations
    sha256: str
    total: int = 0
    translated: int = 0
    fuzzy: int = 0
    lines: dict[str, int] = field(default_factory=dict)
    translated_ids: frozenset[str] = frozenset()
    review: ReviewState = ReviewState(True)  # the source language has no translation to review
    # Entries a lenient load left out, as (msgstr line, problem); and the parsed catalog.
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, check, problem)
    catalog: Catalog | None = None
    # Messages a render asked for that this catalog does not translate: the form shows them
    # in the source language, which the build reports.
    untranslated_used: set[str] = field(default_factory=set)
    # The records of the renders in progress (see record()).
    recordings: list[FormMessages] = field(default_factory=list)

    @property
    def percent_translated(self) -> int:
        return 100 if not self.total else (100 * self.translated) // self.total

    @contextlib.contextmanager
    def record(self) -> Iterator[FormMessages]:
        """Collect the messages one render asks for, and those of them left untranslated."""
        messages = FormMessages()
        self.recordings.append(messages)
        try:
            yield messages
        finally:
            self.recordings.remove(messages)

    def _note(self, message: str) -> None:
        untranslated = self.path is not None and message not in self.translated_ids
        if untranslated:
            self.untranslated_used.add(message)
        for messages in self.recordings:
            messages.used.add(message)
            if untranslated:
                messages.untranslated.add(message)

    def gettext(self, message: str, **variables: object) -> Markup:
        """The translation of message with its placeholders filled; text, never markup."""
        self._note(message)
        return fill(self.translations.gettext(message), variables)

    def ngettext(self, singular: str, plural: str, n: int, **variables: object) -> Markup:
        """The plural translation for n, filled and escaped like gettext."""
        self._note(singular)
        variables.setdefault("num", n)
        return fill(self.translations.ngettext(singular, plural, n), variables)


def _msgstr_line(text_lines: list[str], msgid_line: int | None) -> int:
    """The line of an entry's msgstr (Babel records its msgid's, counting from 1)."""
    start = max(0, (msgid_line or 1) - 1)
    for number in range(start, len(text_lines)):
        if text_lines[number].startswith("msgstr"):
            return number + 1
    return msgid_line or 0


def source_catalog(locale: str) -> LocaleCatalog:
    """The source language: msgids are its text, so there is nothing to look up."""
    return LocaleCatalog(locale, None, NullTranslations(), hashlib.sha256(b"").hexdigest())


def load_catalog(root: Path, locale: str, strict: bool = True) -> LocaleCatalog:
    """Parse, check and compile one locale's catalog.

    strict: a translation with bad placeholders stops everything (a build). Otherwise (`check`)
    each such entry is recorded in `problems` and left out, so the form shows its source text.
    """
    path = po_path(root, locale)
    shown = display_path(path, root)
    catalog = read_catalog(path, root, locale)
    text_lines = path.read_text(encoding="utf-8").split("\n")
    lines: dict[str, int] = {}
    total = translated = fuzzy = 0
    translated_ids: set[str] = set()
    problems: list[tuple[int, str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message_ids(message)[0]
        lines[msgid] = _msgstr_line(text_lines, message.lineno)
        total += 1
        if message.fuzzy:
            fuzzy += 1
        strings = message_strings(message)
        if any(s and blank(s) for s in strings):
            # Blank space where a sentence should be would print as a gap in the form: the
            # entry counts as untranslated, and the form shows the source text instead.
            message.string = tuple("" for _ in strings) if len(strings) > 1 else ""
            strings = message_strings(message)
            problems.append(
                (
                    lines[msgid],
                    "text",
                    "msgstr shows nothing (only spaces or invisible characters): the form "
                    "shows the source text instead",
                )
            )
        # The forms ask for messages without a context: a translated entry of the same msgid
        # under a msgctxt translates nothing they show.
        if all(strings) and not message.fuzzy and message.context is None:
            translated += 1
            translated_ids.add(msgid)
        if message.string and not message.fuzzy:
            for kind, problem in refused(message):
                if strict:
                    raise InputError(shown, problem, lines[msgid])
                problems.append((lines[msgid], kind, problem))
            if any(line == lines[msgid] for line, _, _ in problems):
                message.string = ("", "") if isinstance(message.string, tuple) else ""
                translated -= 1
                translated_ids.discard(msgid)
    try:
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        translations = Translations(fp=buf, domain=DOMAIN)
    except Exception as exc:  # a bad Plural-Forms header surfaces here
        raise InputError(
            shown, f"cannot compile catalog: {exc}", _header_line(text_lines, "Plural-Forms")
        ) from None
    digest = hashlib.sha256(path.read_bytes())
    signoff = review_path(path)
    if signoff.is_file():  # the status a form carries depends on the sign-off too
        digest.update(signoff.read_bytes())
    return LocaleCatalog(
        locale=locale,
        path=path,
        translations=translations,
        sha256=digest.hexdigest(),
        review=review_state(path, catalog),
        total=total,
        translated=translated,
        translated_ids=frozenset(translated_ids),
        problems=problems,
        catalog=catalog,
        fuzzy=fuzzy,
        lines=lines,
    )
