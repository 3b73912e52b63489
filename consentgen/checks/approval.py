"""Clinical approval: a released procedure's source text is approved, exactly as it now reads."""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """Every procedure whose source text has no current approval (reported once, with the
    source locale: it holds back the procedure's forms in every language)."""
    if not subject.locale.is_source:
        return []
    return [
        Problem(
            display_path(procedure_template(settings, procedure), settings.root),
            subject.locale.code,
            f"{procedure}: source text not approved: {state.reason} (a clinician approves it "
            f'with `consentgen approve {procedure} --by "NAME, ROLE"`)',
        )
        for procedure, state in sorted(subject.approvals.items())
        if not state.approved
    ]
