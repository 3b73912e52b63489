"""Translation status: a released locale is complete, has no fuzzy entries, and is reviewed."""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Draft, incomplete and fuzzy catalogs, and forms that show untranslated text."""
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
                f"{catalog.total - catalog.translated} of {catalog.total} "
                f"messages untranslated ({catalog.percent_translated}% done)",
            )
        )
    if catalog.fuzzy:
        problems.append(Problem(where, code, f"{catalog.fuzzy} fuzzy entries"))
    for procedure, missing in sorted(subject.untranslated.items()):
        if missing:
            problems.append(
                Problem(
                    display_path(procedure_template(settings, procedure), settings.root),
                    code,
                    f"incomplete: the {procedure} form shows {len(missing)} message(s) its "
                    "catalog does not translate (run `consentgen extract` and `consentgen "
                    "update`, then translate them)",
                )
            )
    if not catalog.review.reviewed:
        problems.append(Problem(where, code, f"draft translation: {catalog.review.reason}"))
    return problems
