"""Translated text that hides, lies or stays in the source language, message by message.

A translation platform or a tired translator can deliver a msgstr that passes every structural
check and still misleads a patient: blank where a heading should be, the English text left
unchanged, a number that differs from the source ("1 in 20" for "1 in 10"), characters that
show nothing or reorder words, a runaway string that makes a 383-page form.
"""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.i18n.pofile import message_ids, message_strings
from consentgen.i18n.text_rules import (
    describe,
    invisible_characters,
    meaningless_characters,
    numbers,
)
from consentgen.procedures import procedure_template
from consentgen.render.text import html_text
from consentgen.settings import Settings

# A translation may be this many times as long as its source, plus a little for short ones
# ("No" is "Hindi" in Tagalog), before it is flagged as having run away.
LENGTH_RATIO = 3
LENGTH_SLACK = 40
# A whole form's text may be this many times as long as the source language's.
FORM_RATIO = 2.5


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Each message's problems at its msgstr's line, and forms that grew past the bound."""
    catalog = subject.catalog
    if catalog.path is None or catalog.catalog is None:
        return []
    shown = display_path(catalog.path, settings.root)
    code = subject.locale.code
    allowed = settings.same_as_source(code)
    source_language = settings.default_locale.split("_")[0]
    problems = [
        Problem(f"{shown}:{line}", code, message)
        for line, kind, message in catalog.problems
        if kind == "text"
    ]
    for message in catalog.catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        ids = message_ids(message)
        where = f"{shown}:{catalog.lines.get(ids[0], 0)}"
        for text in message_strings(message):
            if text:
                problems += [
                    Problem(where, code, found)
                    for found in message_problems(ids, text, allowed, source_language)
                ]
    for procedure, form in subject.forms.items():
        source = len(html_text(subject.source_forms.get(procedure, "")).split())
        length = len(html_text(form).split())
        if source and length > FORM_RATIO * source:
            problems.append(
                Problem(
                    display_path(procedure_template(settings, procedure), settings.root),
                    code,
                    f"the {procedure} form's text is {length / source:.1f} times as long as the "
                    f"source language's (at most {FORM_RATIO:g}): a translation has run away",
                )
            )
    return list(dict.fromkeys(problems))


def message_problems(
    ids: tuple[str, ...], text: str, allowed: frozenset[str], source_language: str
) -> list[str]:
    """What is wrong with one translated string of a message."""
    problems = []
    source = " ".join(ids)
    if text.strip() in {i.strip() for i in ids} and any(c.isalpha() for c in text):
        if ids[0] not in allowed:
            problems.append(
                "msgstr is its msgid unchanged, still in the source language (if that is "
                "right here, list it in same_as_source in the settings)"
            )
    if invisible := invisible_characters(text):
        problems.append(
            f"msgstr has invisible characters ({describe(invisible)}), which break search and copy"
        )
    if meaningless := meaningless_characters(text):
        problems.append(
            f"msgstr has private-use or unassigned characters ({describe(meaningless)}), "
            "which have no meaning of their own"
        )
    digits = numbers(source)  # what the msgid writes in digits
    stated = numbers(source, source_language)  # and, in English, in words ("two years")
    written = numbers(text)
    if dropped := sorted(set(digits) - set(written)):
        problems.append(f"msgstr drops the number(s) {', '.join(dropped)} of its msgid")
    if added := sorted(set(written) - set(stated)):
        problems.append(f"msgstr states number(s) {', '.join(added)} that its msgid does not")
    if len(text) > LENGTH_RATIO * len(source) + LENGTH_SLACK:
        problems.append(
            f"msgstr is {len(text) / max(1, len(source)):.0f} times as long as its msgid "
            f"({len(text)} characters for {len(source)}): a translation has run away"
        )
    return problems
