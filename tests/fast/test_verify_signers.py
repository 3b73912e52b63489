"""What each signer saw (verify's layer 3, consentgen.verify.signers), rule by rule, on the small
form of test_verify signed with real pyHanko signatures: whether a field was empty when a signer
signed, and the digest of a field's whole state that any later change must alter."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import sign
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

from consentgen.outputs.fields import FieldPlacement, add_fields
from consentgen.verify.signers import (
    _DEPTH,
    form_fields,
    signature_field_names,
    what_signers_saw,
)
from fast.test_verify import _form, _update

Step = Callable[[bytes], bytes]
Edit = Callable[[IncrementalPdfFileWriter, generic.DictionaryObject], None]
CHANGED = "{} changed after patient_signature was signed"


@pytest.fixture(scope="module")
def form() -> bytes:
    return _form()


def _refs(writer: IncrementalPdfFileWriter, name: str) -> list[generic.IndirectObject]:
    """The form's fields of that name, in the order of its field list."""
    fields = writer.root["/AcroForm"]["/Fields"]
    return [ref for ref in fields if str(ref.get_object().get("/T")) == name]


def _edit(name: str, edit: Edit) -> Step:
    """An incremental update that edits the field of that name as edit says."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in _refs(writer, name):
            edit(writer, ref.get_object())
            writer.mark_update(ref)

    return lambda data: _update(data, change)


def _set(name: str, **entries: generic.PdfObject) -> Step:
    """An incremental update that sets entries (key without its slash) of the named field."""

    def edit(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        for key, value in entries.items():
            widget[pdf_name(f"/{key}")] = value

    return _edit(name, edit)


def _saw(form: bytes, pki: dict[str, Path], before: list[Step], after: list[Step]) -> list[str]:
    """What layer 3 says of the form changed by before, signed by the patient, then changed by
    after."""
    data = form
    for step in before:
        data = step(data)
    data = sign(data, "patient_signature", "patient", pki)
    for step in after:
        data = step(data)
    reader = PdfFileReader(io.BytesIO(data))
    embedded = sorted(reader.embedded_signatures, key=lambda sig: sig.signed_revision)
    return what_signers_saw(reader, embedded)


NAMED = _set("patient_name", V=pdf_string("Ana"))
RENAMED = _set("patient_name", V=pdf_string("Someone else"))


# Whether a field was empty when a signer signed: a change to a field that was not is a change,
# whoever it belongs to; one that was empty may be filled in by a signer yet to sign.


@pytest.mark.parametrize(
    ("value", "state"),
    [("/Off", "/Yes"), ("/Yes", "/Off"), ("/Yes", None)],
    ids=["ticked-in-its-state", "ticked-in-its-value", "ticked-in-its-value-alone"],
)
def test_a_box_ticked_in_its_value_or_its_state_alone_was_not_empty_when_signed(
    form: bytes, pki: dict[str, Path], value: str, state: str | None
) -> None:
    """A viewer shows a box ticked by either /V or /AS: unticking it later is a change, not the
    filling in of a box its signer left empty."""

    def tick(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        widget[pdf_name("/V")] = pdf_name(value)
        if state is None:
            del widget["/AS"]
        else:
            widget[pdf_name("/AS")] = pdf_name(state)

    untick = _set("teaching_exams_no", V=pdf_name("/Off"), AS=pdf_name("/Off"))
    assert _saw(form, pki, [_edit("teaching_exams_no", tick)], [untick]) == [
        CHANGED.format("teaching_exams_no")
    ]


def test_a_signature_changed_after_it_was_made_is_a_change_not_a_filling_in(
    form: bytes, pki: dict[str, Path]
) -> None:
    after = [_set("patient_signature", TU=pdf_string("Someone else"))]
    assert _saw(form, pki, [NAMED], after) == [CHANGED.format("patient_signature")]


def test_a_signature_field_with_any_value_when_a_signer_signed_was_not_empty(
    form: bytes, pki: dict[str, Path]
) -> None:
    """Even an empty dictionary is a value: replacing it later is a change, though the field's
    signer has not signed yet."""
    before = [NAMED, _set("provider_signature", V=generic.DictionaryObject())]
    other = generic.DictionaryObject({pdf_name("/Name"): pdf_string("Dr Who")})
    after = [_set("provider_signature", V=other)]
    assert _saw(form, pki, before, after) == [CHANGED.format("provider_signature")]


def test_two_fields_of_one_name_are_each_held_to_what_the_signer_saw(
    form: bytes, pki: dict[str, Path]
) -> None:
    def second_name_field(writer: IncrementalPdfFileWriter) -> None:
        (first,) = _refs(writer, "patient_name")
        copy = generic.DictionaryObject(dict(first.get_object()))
        fields = writer.root["/AcroForm"]["/Fields"]
        fields.append(writer.add_object(copy))
        writer.update_container(fields)

    def rename_second(writer: IncrementalPdfFileWriter) -> None:
        ref = _refs(writer, "patient_name")[-1]
        ref.get_object()[pdf_name("/V")] = pdf_string("Someone else")
        writer.mark_update(ref)

    before = [NAMED, lambda data: _update(data, second_name_field)]
    after = [lambda data: _update(data, rename_second)]
    assert _saw(form, pki, before, after) == [CHANGED.format("patient_name (again)")]


def test_fields_added_after_a_signature_are_named_in_order(
    form: bytes, pki: dict[str, Path]
) -> None:
    witness = [
        FieldPlacement("witness_name", "text", 1, (72, 200, 300, 220), "Witness"),
        FieldPlacement("witness_date", "text", 1, (72, 160, 300, 180), "Date"),
    ]
    after = [lambda data: add_fields(data, witness, "Latn", b"1" * 16)]
    assert _saw(form, pki, [NAMED], after) == [
        "field(s) witness_date, witness_name added after patient_signature was signed"
    ]


# The form's fields at a revision.


def test_signature_field_names_are_those_of_the_revision_asked_for(form: bytes) -> None:
    notary = [FieldPlacement("notary_signature", "signature", 1, (72, 100, 300, 130), "Notary")]
    revision = PdfFileReader(io.BytesIO(form)).xrefs.total_revisions - 1  # the released one
    reader = PdfFileReader(io.BytesIO(add_fields(form, notary, "Latn", b"1" * 16)))
    released = ["patient_signature", "provider_signature"]
    assert signature_field_names(reader, revision) == released
    assert signature_field_names(reader, None) == [*released, "notary_signature"]


def test_a_form_dictionary_without_a_field_list_has_no_fields() -> None:
    writer = PdfFileWriter(stream_xrefs=False)
    writer.root[pdf_name("/AcroForm")] = generic.DictionaryObject()
    out = io.BytesIO()
    writer.write(out)
    reader = PdfFileReader(out)
    assert form_fields(reader, None) == []
    assert signature_field_names(reader, 0) == []


# The digest of a field's whole state: what a later change to any of it must alter.

TICKED = _set("teaching_exams_no", V=pdf_name("/Yes"), AS=pdf_name("/Yes"))


def _replace(writer: IncrementalPdfFileWriter, ref: generic.IndirectObject, new: object) -> None:
    """The object ref points to replaced in place: the same object number, new contents."""
    writer.objects[(ref.generation, ref.idnum)] = new


def test_a_box_whose_ticked_appearance_is_redrawn_after_signing_is_changed(
    form: bytes, pki: dict[str, Path]
) -> None:
    """The box's state left as it was, its drawing of the ticked state (the second of its two
    appearance streams) replaced in the same object."""

    def redraw(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        ref = widget["/AP"]["/N"].raw_get("/Yes")
        old = ref.get_object()
        entries = {k: old.raw_get(k) for k in old if k not in ("/Length", "/Filter")}
        _replace(writer, ref, generic.StreamObject(entries, stream_data=b"0 0 12 12 re f"))

    after = [_edit("teaching_exams_no", redraw)]
    assert _saw(form, pki, [TICKED], after) == [CHANGED.format("teaching_exams_no")]


def test_a_field_moved_on_its_page_after_signing_is_changed(
    form: bytes, pki: dict[str, Path]
) -> None:
    moved = generic.ArrayObject(generic.NumberObject(n) for n in (72, 640, 300, 660))
    assert _saw(form, pki, [NAMED], [_set("patient_name", Rect=moved)]) == [
        CHANGED.format("patient_name")
    ]


def test_a_list_in_a_field_is_read_through_its_references(
    form: bytes, pki: dict[str, Path]
) -> None:
    """A choice's options (/Opt) kept in objects of their own: rewriting one is a change."""

    def options(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        widget[pdf_name("/Opt")] = generic.ArrayObject([writer.add_object(pdf_string("Ana"))])

    def rewrite(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        _replace(writer, widget["/Opt"].raw_get(0), pdf_string("Someone else"))

    before = [NAMED, _edit("patient_name", options)]
    assert _saw(form, pki, before, [_edit("patient_name", rewrite)]) == [
        CHANGED.format("patient_name")
    ]


def test_a_box_value_turned_from_a_name_into_text_is_changed(
    form: bytes, pki: dict[str, Path]
) -> None:
    """(/Yes) is not the name /Yes, though both print as '/Yes'."""
    after = [_set("teaching_exams_no", V=pdf_string("/Yes"))]
    assert _saw(form, pki, [TICKED], after) == [CHANGED.format("teaching_exams_no")]


def test_a_value_moved_to_another_key_is_changed(form: bytes, pki: dict[str, Path]) -> None:
    """The name a screen reader speaks (/TU) moved to the export name (/TM), same text."""

    def move(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        widget[pdf_name("/TM")] = widget.raw_get("/TU")
        del widget["/TU"]

    assert _saw(form, pki, [NAMED], [_edit("patient_name", move)]) == [
        CHANGED.format("patient_name")
    ]


def _nested(levels: int, leaf: generic.PdfObject) -> generic.PdfObject:
    """leaf inside levels - 1 dictionaries and arrays in turn: levels deep from where it is put."""
    nested = leaf
    for level in range(levels - 1):
        if level % 2:
            nested = generic.ArrayObject([nested])
        else:
            nested = generic.DictionaryObject({pdf_name("/Kid"): nested})
    return nested


def test_a_change_at_the_deepest_level_read_is_changed(form: bytes, pki: dict[str, Path]) -> None:
    """A field is read _DEPTH levels down, through dictionaries and arrays alike."""
    before = [NAMED, _set("patient_name", X=_nested(_DEPTH, pdf_string("Ana")))]
    after = [_set("patient_name", X=_nested(_DEPTH, pdf_string("Someone else")))]
    assert _saw(form, pki, before, after) == [CHANGED.format("patient_name")]


def test_a_field_nested_past_any_depth_is_read_to_its_limit_and_no_further(
    form: bytes, pki: dict[str, Path]
) -> None:
    """A hostile form: a chain of 1500 objects, each a dictionary holding an array of the next,
    hung on a field. Reading it whole would exhaust Python's stack."""

    def chain(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        link = generic.DictionaryObject()
        for _ in range(1500):
            ref = writer.add_object(link)
            link = generic.DictionaryObject({pdf_name("/Next"): generic.ArrayObject([ref])})
        widget[pdf_name("/X")] = link

    before = [NAMED, _edit("patient_name", chain)]
    assert _saw(form, pki, before, [RENAMED]) == [CHANGED.format("patient_name")]


def test_a_field_whose_object_refers_to_itself_is_read_once(
    form: bytes, pki: dict[str, Path]
) -> None:
    """A hostile form: an object that refers to itself ten times over, hung on a field. Read
    down every way it is reached, it would take 10**12 steps."""

    def loop(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        ref = writer.add_object(generic.DictionaryObject())
        for key in "ABCDEFGHIJ":
            ref.get_object()[pdf_name(f"/{key}")] = ref
        widget[pdf_name("/X")] = ref

    before = [NAMED, _edit("patient_name", loop)]
    assert _saw(form, pki, before, [RENAMED]) == [CHANGED.format("patient_name")]


def test_a_field_holding_a_null_rewritten_as_it_was_is_unchanged(
    form: bytes, pki: dict[str, Path]
) -> None:
    """A viewer may write a field out again unchanged: read again, its null is a new Python
    object, and is still the same null."""
    before = [NAMED, _set("patient_name", X=generic.NullObject())]
    assert _saw(form, pki, before, [_edit("patient_name", lambda writer, widget: None)]) == []


def test_keys_that_spell_another_field_state_are_a_change(
    form: bytes, pki: dict[str, Path]
) -> None:
    """An empty /X then /Y 1, turned into one key named "/X<<>>/Y" holding 1."""
    before = [NAMED, _set("patient_name", X=generic.DictionaryObject(), Y=generic.NumberObject(1))]

    def respell(writer: IncrementalPdfFileWriter, widget: generic.DictionaryObject) -> None:
        del widget["/X"], widget["/Y"]
        widget[pdf_name("/X<<>>/Y")] = generic.NumberObject(1)

    assert _saw(form, pki, before, [_edit("patient_name", respell)]) == [
        CHANGED.format("patient_name")
    ]
