"""Freshness: messages.pot holds exactly the templates' messages, and each catalog holds
exactly messages.pot's, with no obsolete entries (what `pybabel update --check` would say)."""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.i18n.extract import extract_catalog
from consentgen.i18n.pofile import pot_path, read_catalog
from consentgen.settings import Settings


def _ids(catalog: object) -> set[tuple[str | None, str]]:
    """Each message as (msgctxt, msgid): an entry under a context the templates never use is
    not one of theirs."""
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog  # type: ignore[attr-defined]
        if m.id
    }


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Stale template catalog (checked with the source locale) or stale locale catalogs."""
    root = settings.root
    pot = pot_path(root)
    shown_pot = display_path(pot, root)
    code = subject.locale.code
    if not pot.is_file():
        return (
            [Problem(shown_pot, code, "no messages.pot (run `consentgen extract`)")]
            if subject.locale.is_source
            else []
        )
    template = _ids(read_catalog(pot, root))
    problems = []
    if subject.locale.is_source:
        current = _ids(extract_catalog(root, settings.institution_name))
        if current - template:
            problems.append(
                Problem(
                    shown_pot,
                    code,
                    f"{len(current - template)} messages of the templates are not "
                    "in messages.pot (run `consentgen extract`)",
                )
            )
        if template - current:
            problems.append(
                Problem(
                    shown_pot,
                    code,
                    f"{len(template - current)} messages of messages.pot are no "
                    "longer in the templates (run `consentgen extract`)",
                )
            )
        return problems
    catalog = subject.catalog
    if catalog.path is None or catalog.catalog is None:
        return problems
    shown = display_path(catalog.path, root)
    ids = _ids(catalog.catalog)
    if template - ids:
        problems.append(
            Problem(
                shown,
                code,
                f"{len(template - ids)} messages of messages.pot are missing "
                "(run `consentgen update`)",
            )
        )
    if ids - template:
        problems.append(
            Problem(
                shown,
                code,
                f"{len(ids - template)} messages are not in messages.pot (run `consentgen update`)",
            )
        )
    if catalog.catalog.obsolete:
        problems.append(
            Problem(
                shown,
                code,
                f"{len(catalog.catalog.obsolete)} obsolete entries (run "
                "`consentgen update`, which removes them)",
            )
        )
    return problems
