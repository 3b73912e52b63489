"""`consentgen check`: the release gate. Each check is a small function returning problems;
they are registered in CHECKS and run by one loop (as Babel's checkers are)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

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


Check = Callable[[Settings, LocaleUnderCheck], list[Problem]]


def registered() -> list[tuple[str, Check]]:
    """Every check, in the order they run."""
    from consentgen.checks import glyphs, todo, translation

    return [("todo", todo.check), ("translation", translation.check), ("glyphs", glyphs.check)]
