"""What a surveyor would cite as missing from a signed returned form.

Once anyone has signed: the patient's signature (the consent itself); for each signature made,
that signer's printed name, date and time; where the interpreter signed, their language and
exactly one way of interpreting (in person, video, phone); and the consent statement's own
fields, where the form has them: the practitioner responsible, the bones to be treated, how
many, and exactly one answer to whether a bone sample may be taken. A field of only blanks is
empty. Each item is one line; ALTERED and NOT RELEASED stay the worse findings. A form nobody
has signed yet (the released form itself) has nothing missing: it is not a returned consent.
"""

from __future__ import annotations

from pyhanko.pdf_utils.reader import PdfFileReader

from consentgen.roles import SIGNER_ROLES
from consentgen.verify.signers import form_fields

REQUIRED_SIGNATURES = ("patient_signature",)
SIGNER_ITEMS = (("name", "printed name"), ("date", "date"), ("time", "time"))
STATEMENT_ITEMS = (
    ("practitioner", "the practitioner responsible for the procedure"),
    ("procedure_site", "the bones of the spine to be treated"),
    ("procedure_site_count", "the number of bones to be treated"),
)
# Boxes of which exactly one must be ticked: (who answers, the question, the boxes).
CHOICES: tuple[tuple[str | None, str, tuple[str, ...]], ...] = (
    (None, "whether a bone sample may be taken", ("biopsy_yes", "biopsy_no")),
    (
        "interpreter",
        "how the interpreting was done",
        ("interpreter_in_person", "interpreter_video", "interpreter_phone"),
    ),
)
_OFF = {"", "/Off", "Off"}


def field_values(reader: PdfFileReader) -> dict[str, str]:
    """Every field's value as the file ends: text stripped, a box's state ('' when off)."""
    values = {}
    for field in form_fields(reader, None):
        name = str(field.get("/T"))
        kind = field.get("/FT")
        if kind == "/Btn":
            state = str(field.get("/V") or field.get("/AS") or "")
            values[name] = "" if state in _OFF else state
        elif kind == "/Sig":
            values[name] = "signed" if field.get("/V") is not None else ""
        else:
            value = field.get("/V")
            values[name] = str(value).strip() if isinstance(value, str) else ""
    return values


def missing_items(values: dict[str, str], signed: set[str]) -> list[str]:
    """The lines naming what is missing; none for a form nobody has signed yet."""
    if not signed:
        return []
    missing = [
        f"{field} is not signed"
        for field in REQUIRED_SIGNATURES
        if field in values and field not in signed
    ]
    missing += [
        f"{field} is empty ({what})"
        for field, what in STATEMENT_ITEMS
        if field in values and not values[field]
    ]
    for signer in SIGNER_ROLES:
        if f"{signer}_signature" not in signed:
            continue
        for item, what in SIGNER_ITEMS:
            field = f"{signer}_{item}"
            if field in values and not values[field]:
                missing.append(f"{field} is empty (the {signer}'s {what}; {signer} signed)")
        if signer == "interpreter" and values.get("interpreter_language") == "":
            missing.append(
                "interpreter_language is empty (the language interpreted; interpreter signed)"
            )
    for role, question, boxes in CHOICES:
        if role is not None and f"{role}_signature" not in signed:
            continue
        present = [box for box in boxes if box in values]
        ticked = [box for box in present if values[box]]
        if present and len(ticked) != 1:
            state = (
                "none is ticked" if not ticked else f"more than one is ticked ({', '.join(ticked)})"
            )
            missing.append(f"{' / '.join(present)}: {state} ({question})")
    return missing
