"""Placeholders: each translation keeps exactly its msgid's %(name)s placeholders, no stray %,
and no {...} replacement fields (which would reach Python formatting elsewhere)."""

from __future__ import annotations

import re

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.i18n.pofile import message_ids, message_strings
from consentgen.settings import Settings

_FIELD = re.compile(r"\{[^{}\s]*\}")


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Placeholder faults, from the lenient load, plus replacement fields."""
    catalog = subject.catalog
    if catalog.path is None or catalog.catalog is None:
        return []
    shown = display_path(catalog.path, settings.root)
    code = subject.locale.code
    problems = [
        Problem(f"{shown}:{line}", code, message)
        for line, kind, message in catalog.problems
        if kind == "placeholders"
    ]
    for message in catalog.catalog:
        if not message.id or not message.string:
            continue
        ids = " ".join(message_ids(message))
        strings = message_strings(message)
        for text in strings:
            extra = sorted(set(_FIELD.findall(text or "")) - set(_FIELD.findall(ids)))
            if extra:
                msgid = message_ids(message)[0]
                problems.append(
                    Problem(
                        f"{shown}:{catalog.lines.get(msgid, 0)}",
                        code,
                        f"msgstr has replacement field {extra[0]} the msgid lacks",
                    )
                )
    return problems
