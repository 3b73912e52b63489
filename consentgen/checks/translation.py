"""Translation status: a released locale is complete, has no fuzzy entries, and is reviewed."""

from __future__ import annotations

from consentgen.checks import LocaleUnderCheck, Problem
from consentgen.config import Settings
from consentgen.errors import display_path


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Draft, incomplete and fuzzy catalogs."""
    catalog = subject.catalog
    if catalog.path is None:
        return []
    where = display_path(catalog.path, settings.root)
    code = subject.locale.code
    problems = []
    if catalog.translated < catalog.total:
        problems.append(
            Problem(
                where,
                code,
                "translation",
                f"{catalog.total - catalog.translated} of {catalog.total} "
                f"messages untranslated ({catalog.percent_translated}% done)",
            )
        )
    if catalog.fuzzy:
        problems.append(Problem(where, code, "translation", f"{catalog.fuzzy} fuzzy entries"))
    if not catalog.review.reviewed:
        problems.append(
            Problem(where, code, "translation", f"draft translation: {catalog.review.reason}")
        )
    return problems
