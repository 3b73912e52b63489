"""What every check works with: the problem it reports, and the locale it looks at."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from consentgen.approval import ApprovalState
from consentgen.i18n.translations import LocaleCatalog
from consentgen.locales import FormLocale
from consentgen.settings import Settings


@dataclass(frozen=True)
class Problem:
    """One thing wrong, compiler style: where, which locale, what."""

    where: str
    locale: str
    message: str
    check: str = ""  # the runner names it after the check that found it

    def line(self) -> str:
        return f"{self.where}: {self.locale}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {
            "where": self.where,
            "locale": self.locale,
            "check": self.check,
            "message": self.message,
        }


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
