"""Markup and URLs: a translation may not bring tags, entities or URLs its msgid lacks.

Such a string could never become live markup (every msgstr is escaped before it reaches a
form), but it shows as raw code to a patient, or invites one to a place the hospital did not
choose: it is refused here.
"""

from __future__ import annotations

import re

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.i18n.pofile import message_ids, message_strings
from consentgen.settings import Settings

_KINDS = {
    "tag": re.compile(r"</?[A-Za-z!][^>]*>"),
    "entity": re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);"),
    "URL": re.compile(
        r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:|\bdata:|\bjavascript:)\S*", re.I
    ),
}


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Tags, entities and URLs in a msgstr that its msgid does not have."""
    catalog = subject.catalog
    if catalog.path is None or catalog.catalog is None:
        return []
    shown = display_path(catalog.path, settings.root)
    problems = []
    for message in catalog.catalog:
        if not message.id or not message.string:
            continue
        ids = " ".join(message_ids(message))
        strings = message_strings(message)
        msgid = message_ids(message)[0]
        for text in strings:
            for kind, pattern in _KINDS.items():
                extra = [m for m in pattern.findall(text or "") if m not in pattern.findall(ids)]
                if extra:
                    problems.append(
                        Problem(
                            f"{shown}:{catalog.lines.get(msgid, 0)}",
                            subject.locale.code,
                            f"msgstr brings {kind} {extra[0][:60]!r} that the msgid lacks",
                        )
                    )
    return problems
