"""Form elements, on the rendered forms: what CMS 42 CFR 482.13/482.24/482.51 requires."""

from __future__ import annotations

from consentgen.checks.base import LocaleUnderCheck, Problem
from consentgen.errors import display_path
from consentgen.procedures import procedure_template
from consentgen.settings import Settings

# What must be on every form, and the markup that carries it.
REQUIRED = {
    "the procedure's name": "<h1>",
    "the practitioner line": 'data-field="practitioner"',
    "the statement of what was explained": 'id="consent"',
    # The patient's own procedure (482.51(b)(2) asks for the specific procedure): where, how
    # much, whether a sample may be taken, and the risks specific to this patient, each a line
    # the provider fills in before the patient signs.
    "the site or level(s) to be treated": 'data-field="procedure_site"',
    "the number of sites or levels": 'data-field="procedure_site_count"',
    "whether a biopsy may be taken (yes)": 'data-field="biopsy_yes"',
    "whether a biopsy may be taken (no)": 'data-field="biopsy_no"',
    "the risks specific to the patient": 'data-field="specific_risks"',
    "the listed risks": "data-risk=",
    "the patient's signature": 'data-field="patient_signature"',
    "the patient's signature date": 'data-field="patient_date"',
    "the patient's signature time": 'data-field="patient_time"',
    "the provider's signature": 'data-field="provider_signature"',
    "the provider's signature date": 'data-field="provider_date"',
    "the provider's signature time": 'data-field="provider_time"',
}


def check(settings: Settings, subject: LocaleUnderCheck) -> list[Problem]:
    """A CMS element missing from a rendered form."""
    problems = []
    for procedure, form in subject.forms.items():
        where = display_path(procedure_template(settings, procedure), settings.root)
        wanted = dict(REQUIRED)
        if settings.institution_name not in form:
            problems.append(
                Problem(
                    where,
                    subject.locale.code,
                    f"{procedure}: the hospital's name is missing",
                )
            )
        if "<h1></h1>" in form:
            wanted.pop("the procedure's name")
            problems.append(
                Problem(
                    where,
                    subject.locale.code,
                    f"{procedure}: the procedure's name is empty",
                )
            )
        for element, marker in wanted.items():
            if marker not in form:
                problems.append(
                    Problem(where, subject.locale.code, f"{procedure}: {element} is missing")
                )
    return problems
