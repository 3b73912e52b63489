"""verify's completeness lines, rule by rule: what a surveyor would cite as missing from a
signed form, on the field values alone (consentgen.verify.completeness)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import helvetica
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from consentgen.outputs.fields import FieldPlacement, add_fields
from consentgen.roles import SIGNER_ROLES
from consentgen.verify.completeness import field_values, missing_items

SIGNATURE = "signature"  # a FieldPlacement kind
BIOPSY = ("biopsy_yes", "biopsy_no")
INTERPRETING = ("interpreter_in_person", "interpreter_video", "interpreter_phone")


def _complete() -> dict[str, str]:
    """Every field of a production form, filled in as it should be, every signer signed."""
    values = {
        "practitioner": "Dr Ann Lee",
        "procedure_site": "T12, L1",
        "procedure_site_count": "2",
        "biopsy_yes": "/Yes",
        "biopsy_no": "",
        "interpreter_language": "Spanish",
        "interpreter_in_person": "/Yes",
        "interpreter_video": "",
        "interpreter_phone": "",
    }
    for signer in SIGNER_ROLES:
        values |= {
            f"{signer}_name": f"{signer} name",
            f"{signer}_date": "2026-12-07",
            f"{signer}_time": "10:30",
            f"{signer}_signature": "signed",
        }
    return values


ALL_SIGNED = {f"{signer}_signature" for signer in SIGNER_ROLES}


def test_a_complete_form_signed_by_everyone_misses_nothing() -> None:
    assert missing_items(_complete(), ALL_SIGNED) == []


def test_a_form_nobody_signed_is_not_a_returned_consent() -> None:
    empty = {name: "" for name in _complete()}
    assert missing_items(empty, set()) == []


def test_the_patients_signature_is_required_once_anyone_signed() -> None:
    values = _complete()
    assert missing_items(values, {"provider_signature"}) == ["patient_signature is not signed"]
    # A form without a patient signature field has nothing to cite.
    del values["patient_signature"]
    assert missing_items(values, {"provider_signature"}) == []


@pytest.mark.parametrize(
    ("field", "line"),
    [
        (
            "practitioner",
            "practitioner is empty (the practitioner responsible for the procedure)",
        ),
        ("procedure_site", "procedure_site is empty (the bones of the spine to be treated)"),
        (
            "procedure_site_count",
            "procedure_site_count is empty (the number of bones to be treated)",
        ),
    ],
)
def test_each_empty_line_of_the_consent_statement_is_named(field: str, line: str) -> None:
    values = _complete()
    values[field] = ""
    assert missing_items(values, {"patient_signature"}) == [line]
    del values[field]  # a form that does not have the line
    assert missing_items(values, {"patient_signature"}) == []


@pytest.mark.parametrize("signer", SIGNER_ROLES)
@pytest.mark.parametrize(
    ("item", "what"), [("name", "printed name"), ("date", "date"), ("time", "time")]
)
def test_each_signer_who_signed_needs_a_name_date_and_time(
    signer: str, item: str, what: str
) -> None:
    values = _complete()
    values[f"{signer}_{item}"] = ""
    assert missing_items(values, ALL_SIGNED) == [
        f"{signer}_{item} is empty (the {signer}'s {what}; {signer} signed)"
    ]
    # A signer who did not sign: their empty lines are no omission (the patient's signature,
    # then, is what is missing).
    others = ALL_SIGNED - {f"{signer}_signature"}
    expected = ["patient_signature is not signed"] if signer == "patient" else []
    assert missing_items(values, others) == expected


def test_a_signer_who_did_not_sign_does_not_excuse_a_later_one() -> None:
    values = _complete()
    values["interpreter_name"] = ""
    signed = ALL_SIGNED - {"provider_signature"}
    assert missing_items(values, signed) == [
        "interpreter_name is empty (the interpreter's printed name; interpreter signed)"
    ]


def test_an_interpreter_who_signed_names_the_language() -> None:
    values = _complete()
    values["interpreter_language"] = ""
    assert missing_items(values, ALL_SIGNED) == [
        "interpreter_language is empty (the language interpreted; interpreter signed)"
    ]
    assert missing_items(values, ALL_SIGNED - {"interpreter_signature"}) == []
    del values["interpreter_language"]
    assert missing_items(values, ALL_SIGNED) == []


@pytest.mark.parametrize(
    ("ticked", "state"),
    [
        ((), "none is ticked"),
        (("biopsy_yes", "biopsy_no"), "more than one is ticked (biopsy_yes, biopsy_no)"),
    ],
)
def test_exactly_one_biopsy_answer(ticked: tuple[str, ...], state: str) -> None:
    values = _complete() | {box: ("/Yes" if box in ticked else "") for box in BIOPSY}
    line = f"biopsy_yes / biopsy_no: {state} (whether a bone sample may be taken)"
    # Whoever signed: the provider answers it before the patient signs.
    assert missing_items(values, {"patient_signature"}) == [line]
    assert missing_items(values, ALL_SIGNED) == [line]
    values["biopsy_no"] = "/Yes"
    values["biopsy_yes"] = ""
    assert missing_items(values, ALL_SIGNED) == []
    # A form with only one of the boxes is held to the box it has.
    del values["biopsy_yes"]
    values["biopsy_no"] = ""
    assert missing_items(values, ALL_SIGNED) == [
        "biopsy_no: none is ticked (whether a bone sample may be taken)"
    ]
    for box in BIOPSY:
        values.pop(box, None)
    assert missing_items(values, ALL_SIGNED) == []


@pytest.mark.parametrize(
    ("ticked", "state"),
    [
        ((), "none is ticked"),
        (
            ("interpreter_video", "interpreter_phone"),
            "more than one is ticked (interpreter_video, interpreter_phone)",
        ),
        (INTERPRETING, f"more than one is ticked ({', '.join(INTERPRETING)})"),
    ],
)
def test_an_interpreter_who_signed_says_how_in_exactly_one_box(
    ticked: tuple[str, ...], state: str
) -> None:
    values = _complete() | {box: ("/Yes" if box in ticked else "") for box in INTERPRETING}
    assert missing_items(values, ALL_SIGNED) == [
        f"{' / '.join(INTERPRETING)}: {state} (how the interpreting was done)"
    ]
    # No interpreter signed: the boxes are no one's omission.
    assert missing_items(values, ALL_SIGNED - {"interpreter_signature"}) == []


def test_every_omission_is_named_in_order() -> None:
    values = {name: "" for name in _complete()}
    lines = missing_items(values, {"provider_signature"})
    assert lines == [
        "patient_signature is not signed",
        "practitioner is empty (the practitioner responsible for the procedure)",
        "procedure_site is empty (the bones of the spine to be treated)",
        "procedure_site_count is empty (the number of bones to be treated)",
        "provider_name is empty (the provider's printed name; provider signed)",
        "provider_date is empty (the provider's date; provider signed)",
        "provider_time is empty (the provider's time; provider signed)",
        "biopsy_yes / biopsy_no: none is ticked (whether a bone sample may be taken)",
    ]


# field_values: what the file says, as the file ends.

FIELDS = [
    FieldPlacement("practitioner", "text", 0, (72, 700, 300, 720), "Practitioner"),
    FieldPlacement("procedure_site", "text", 0, (72, 660, 300, 680), "Bones"),
    FieldPlacement("biopsy_yes", "checkbox", 0, (72, 620, 84, 632), "Yes"),
    FieldPlacement("biopsy_no", "checkbox", 0, (120, 620, 132, 632), "No"),
    FieldPlacement("patient_signature", SIGNATURE, 0, (72, 560, 300, 590), "Patient"),
]


def _form() -> bytes:
    writer = PdfFileWriter(stream_xrefs=False)
    font = helvetica(writer)
    resources = generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}
    )
    content = generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 740 Td (Consent) Tj ET")
    writer.insert_page(PageObject(writer.add_object(content), (0, 0, 612, 792), resources))
    out = io.BytesIO()
    writer.write(out)
    return add_fields(out.getvalue(), FIELDS, "Latn", b"0" * 16)


def _filled(data: bytes, values: dict[str, str]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        name = str(widget.get("/T"))
        if name in values:
            value = values[name]
            if value.startswith("/"):
                widget[pdf_name("/V")] = widget[pdf_name("/AS")] = pdf_name(value)
            else:
                widget[pdf_name("/V")] = pdf_string(value)
            writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _values(data: bytes) -> dict[str, str]:
    return field_values(PdfFileReader(io.BytesIO(data)))


def test_the_values_of_a_blank_form_are_all_empty() -> None:
    assert _values(_form()) == {
        "practitioner": "",
        "procedure_site": "",
        "biopsy_yes": "",
        "biopsy_no": "",
        "patient_signature": "",
    }


def test_the_values_as_the_file_ends_stripped_and_ticked() -> None:
    data = _filled(_form(), {"practitioner": "  Dr Ann Lee  ", "procedure_site": "   "})
    data = _filled(data, {"biopsy_yes": "/Yes", "biopsy_no": "/Off"})
    assert _values(data) == {
        "practitioner": "Dr Ann Lee",
        "procedure_site": "",  # only blanks: empty
        "biopsy_yes": "/Yes",
        "biopsy_no": "",
        "patient_signature": "",
    }
    # A later update wins: the box unticked again.
    assert _values(_filled(data, {"biopsy_yes": "/Off"}))["biopsy_yes"] == ""


def _edited(data: bytes, edits: dict[str, dict[str, object]]) -> bytes:
    """An update that sets (or, with None, removes) keys of fields' dictionaries."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        for key, value in edits.get(str(widget.get("/T")), {}).items():
            if value is None:
                widget.pop(pdf_name(key), None)
            else:
                widget[pdf_name(key)] = pdf_name(value) if str(value).startswith("/") else value
        writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_box_s_value_wins_over_its_appearance_and_either_alone_counts() -> None:
    data = _edited(
        _form(),
        {
            "biopsy_yes": {"/V": "/Off", "/AS": "/Yes"},  # unticked, whatever it shows
            "biopsy_no": {"/V": None, "/AS": "/Yes"},  # no value: its appearance
        },
    )
    values = _values(data)
    assert (values["biopsy_yes"], values["biopsy_no"]) == ("", "/Yes")
    data = _edited(_form(), {"biopsy_yes": {"/V": "/Yes", "/AS": None}})
    assert _values(data)["biopsy_yes"] == "/Yes"


def test_a_text_field_without_a_value_is_empty() -> None:
    data = _edited(_form(), {"practitioner": {"/V": None}, "procedure_site": {"/V": None}})
    values = _values(data)
    assert (values["practitioner"], values["procedure_site"]) == ("", "")


def test_a_signed_signature_field_says_so(pki: dict[str, Path]) -> None:
    from conftest import sign

    assert _values(_form())["patient_signature"] == ""
    assert _values(sign(_form(), "patient_signature", "patient", pki))["patient_signature"] == (
        "signed"
    )
