"""Who fills in each field of a form: the signers' roles, and the consent statement's.

The markup ties each fill-in element to a role by its field name; the PDF fields are named the
same; `verify` holds each signer's fields to what they were when that signer signed.
"""

from __future__ import annotations

SIGNATURE_FIELDS = (
    "patient_signature",
    "provider_signature",
    "interpreter_signature",
    "witness_signature",
)
# Who fills each field in: the signer it belongs to. `verify` holds each signer's fields to
# what they were when that signer signed. The consent statement's fields (the practitioner, the
# patient's own procedure: its site, how many, whether a biopsy may be taken, the risks specific
# to the patient) are written in by the provider before anyone signs, and every signer reads
# them: they belong to the statement, which must be complete before the first signature. The
# markup tags them data-filled-by="provider", which says who writes, not when.
SIGNER_ROLES = ("patient", "provider", "interpreter", "witness")
STATEMENT_ROLE = "statement"
STATEMENT_FIELDS = (
    "practitioner",
    "procedure_site",
    "procedure_site_count",
    "biopsy_yes",
    "biopsy_no",
    "specific_risks",
)
_ROLE_OF_FIELD = {
    **{name: STATEMENT_ROLE for name in STATEMENT_FIELDS},
    "teaching_exams_yes": "patient",
    "teaching_exams_no": "patient",
}


def field_role(name: str) -> str | None:
    """The role a form field belongs to: a signer's (its name's prefix), or the statement's."""
    if name in _ROLE_OF_FIELD:
        return _ROLE_OF_FIELD[name]
    prefix = name.split("_", 1)[0]
    return prefix if prefix in SIGNER_ROLES else None
