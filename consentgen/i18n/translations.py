"""Translations at run time: a locale's catalog compiled in memory, and gettext callables that
fill placeholders themselves and escape every msgstr, so that a msgstr can never reach a form as
live markup or reach Python's formatting."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from consentgen.errors import InputError, display_path
from consentgen.i18n.pofile import (
    DOMAIN,
    header_line,
    message_ids,
    message_strings,
    po_path,
    read_catalog,
)
from consentgen.i18n.review import ReviewState
from consentgen.i18n.text_rules import bidi_controls, blank, describe

# Widths, precisions and other conversions could cut or pad a value, so they are refused.
_PLACEHOLDER = re.compile(r"%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)s|%%")


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
            shown, f"cannot compile catalog: {exc}", header_line(text_lines, "Plural-Forms")
        ) from None
    digest = hashlib.sha256(path.read_bytes())
    return LocaleCatalog(
        locale=locale,
        path=path,
        translations=translations,
        sha256=digest.hexdigest(),
        total=total,
        translated=translated,
        translated_ids=frozenset(translated_ids),
        problems=problems,
        catalog=catalog,
        fuzzy=fuzzy,
        lines=lines,
    )
