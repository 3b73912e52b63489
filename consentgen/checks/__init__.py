"""`consentgen check`: the release gate. Each check is a small function returning problems;
they are registered in CHECKS and run by one loop (as Babel's checkers are)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from consentgen.approval import ApprovalState
from consentgen.catalogs import LocaleCatalog
from consentgen.config import Settings
from consentgen.locales import FormLocale


@dataclass(frozen=True)
class Problem:
    """One thing wrong, compiler style: where, which locale, what."""

    where: str
    locale: str
    check: str
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.locale}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class LocaleUnderCheck:
    """What the checks look at for one locale: its catalog and its rendered forms."""

    locale: FormLocale
    catalog: LocaleCatalog
    forms: dict[str, str]  # procedure -> rendered HTML
    source_forms: dict[str, str]  # the same procedures in the source language
    # procedure -> the messages its form shows that the catalog does not translate
    untranslated: dict[str, set[str]] = field(default_factory=dict)
    # procedure -> whether a clinician approved its source text as it now reads
    approvals: dict[str, ApprovalState] = field(default_factory=dict)


Check = Callable[[Settings, LocaleUnderCheck], list[Problem]]


def registered() -> list[tuple[str, Check]]:
    """Every check, in the order they run."""
    from consentgen.checks import (
        approval,
        elements,
        freshness,
        glyphs,
        health,
        markup,
        parity,
        placeholders,
        readability,
        text,
        todo,
        translation,
    )

    return [
        ("health", health.check),
        ("freshness", freshness.check),
        ("approval", approval.check),
        ("translation", translation.check),
        ("placeholders", placeholders.check),
        ("markup", markup.check),
        ("text", text.check),
        ("parity", parity.check),
        ("elements", elements.check),
        ("readability", readability.check),
        ("glyphs", glyphs.check),
        ("todo", todo.check),
    ]
