"""`verify` on a small form made here without a layout engine: two pages of text, the
production code's fields (outputs/fields.add_fields), a ledger record, real pyHanko signatures
against a throwaway CA. Each way a returned form can differ from what was released and signed
is named, with the layer that finds it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import hand_made_release, helvetica, sign, stamp_page
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PageObject, PdfFileWriter

from consentgen.errors import ConsentgenError
from consentgen.ledger import read_ledger
from consentgen.outputs.fields import FieldPlacement, add_fields
from consentgen.verify import VerifyReport, describe, verify, verify_in_project
from consentgen.verify.report import SignatureReport
from consentgen.verify.signers import what_signers_saw

SIGNATURE = "signature"
FIELDS = [
    FieldPlacement("specific_risks", "multiline", 0, (72, 500, 540, 560), "Other risks"),
    FieldPlacement("teaching_exams_yes", "checkbox", 0, (72, 460, 84, 472), "Yes"),
    FieldPlacement("teaching_exams_no", "checkbox", 0, (120, 460, 132, 472), "No"),
    FieldPlacement("patient_name", "text", 1, (72, 600, 300, 620), "Printed name"),
    FieldPlacement("patient_signature", SIGNATURE, 1, (72, 560, 300, 590), "Patient"),
    FieldPlacement("provider_name", "text", 1, (72, 400, 300, 420), "Provider"),
    FieldPlacement("provider_signature", SIGNATURE, 1, (72, 360, 300, 390), "Provider"),
]
UNALTERED = "result: unaltered released form"
ALTERED = "result: ALTERED - not the form as released and signed"


def _form(
    version: str = "1.0", status: str = "reviewed", extra: list[FieldPlacement] | None = None
) -> bytes:
    """A two-page form with the production fields, as a build would release it."""
    info = generic.DictionaryObject(
        {
            pdf_name("/ConsentgenFormId"): pdf_string("CF-SPINE-014"),
            pdf_name("/ConsentgenFormVersion"): pdf_string(version),
            pdf_name("/ConsentgenLocale"): pdf_string("en"),
            pdf_name("/ConsentgenTranslationStatus"): pdf_string(status),
        }
    )
    writer = PdfFileWriter(stream_xrefs=False, info=info)
    font = helvetica(writer)
    resources = generic.DictionaryObject(
        {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}
    )
    for text in (b"Risks: bleeding, infection", b"Signatures"):
        content = generic.StreamObject(stream_data=b"BT /F1 14 Tf 72 700 Td (%s) Tj ET" % text)
        page = PageObject(writer.add_object(content), (0, 0, 612, 792), resources)
        writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return add_fields(out.getvalue(), [*FIELDS, *(extra or [])], "Latn", b"0" * 16)


@pytest.fixture(scope="module")
def released_form() -> bytes:
    return _form()


@pytest.fixture
def project(tmp_path: Path, released_form: bytes) -> Path:
    """A folder with a ledger that released the form as reviewed."""
    (tmp_path / "released.pdf").write_bytes(released_form)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    return tmp_path


def _verify(
    project: Path, data: bytes, trust: list[Path] | None = None, accept: bool = False
) -> tuple[VerifyReport, list[str]]:
    returned = project / "returned.pdf"
    returned.write_bytes(data)
    releases = read_ledger([project / "releases"], project)
    report = verify(returned, releases, trust or [], accept_unverified=accept)
    return report, describe(report, returned)


def _altered(lines: list[str]) -> list[str]:
    assert lines[-1] == ALTERED, lines
    return [line.removeprefix("ALTERED: ") for line in lines if line.startswith("ALTERED: ")]


def _update(data: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _patient_named(data: bytes) -> bytes:
    """The form with the patient's printed name filled in, as a patient does before signing."""
    return _update(data, _set_fields({"patient_name": "Ana"}))


def _set_fields(values: dict[str, object]) -> Callable[[IncrementalPdfFileWriter], None]:
    """Fill in fields as a viewer would: the value, and a checkbox's state."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            widget = ref.get_object()
            name = str(widget.get("/T"))
            if name not in values:
                continue
            value = values[name]
            if isinstance(value, str) and value.startswith("/"):
                widget[pdf_name("/V")] = widget[pdf_name("/AS")] = pdf_name(value)
            else:
                widget[pdf_name("/V")] = pdf_string(str(value))
            writer.mark_update(ref)

    return change


def test_the_released_form_itself_is_unaltered(project: Path, released_form: bytes) -> None:
    report, lines = _verify(project, released_form)
    assert lines[1:] == [
        "form: CF-SPINE-014 version 1.0, locale en, status reviewed",
        "released: yes - byte-identical to en/kyphoplasty.pdf of release 2099-01-01-1 "
        "(2099-01-01T00:00:00Z, the current release), released as reviewed",
        "patient_signature: empty",
        "provider_signature: empty",
        UNALTERED,
    ]
    assert report.unaltered and report.added_bytes == 0 and report.problems == []


def test_a_form_filled_in_and_signed_in_turn_is_unaltered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = _update(released_form, _set_fields({"specific_risks": "none", "patient_name": "Ana"}))
    data = sign(
        _update(data, _set_fields({"teaching_exams_no": "/Yes"})),
        "patient_signature",
        "patient",
        pki,
    )
    data = _update(data, _set_fields({"provider_name": "Dr Who"}))
    data = sign(data, "provider_signature", "provider", pki)
    report, lines = _verify(project, data, [pki["ca"]])
    assert lines[3:] == [
        f"added since release: {len(data) - len(released_form)} bytes",
        "patient_signature: certificate issued to 'Common Name: Test Patient'; intact, valid, "
        "signer trusted, covers everything but later signatures",
        "provider_signature: certificate issued to 'Common Name: Test Provider'; intact, "
        "valid, signer trusted, covers everything but later signatures",
        UNALTERED,
    ]
    assert report.unaltered and report.for_clinical_use and not report.signers_unverified


def test_without_a_trust_anchor_the_signers_are_not_verified(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(_patient_named(released_form), "patient_signature", "patient", pki)
    report, lines = _verify(project, data)
    assert lines[-3:] == [
        "patient_signature: certificate issued to 'Common Name: Test Patient'; intact, valid, "
        "WHO SIGNED IS NOT VERIFIED (no trust anchor: --trust or trust_anchors), covers "
        "everything but later signatures",
        "provider_signature: empty",
        "result: unaltered released form, but who signed is NOT VERIFIED: give a trust anchor "
        "(--trust, or trust_anchors in the settings), or accept unverified signers with "
        "--accept-unverified-signers",
    ]
    assert not report.unaltered and report.signers_unverified and not report.altered
    report, lines = _verify(project, data, accept=True)
    assert lines[-1] == (
        "result: unaltered released form; who signed is NOT VERIFIED (accepted with "
        "--accept-unverified-signers)"
    )
    assert report.unaltered


def _another_ca(folder: Path) -> Path:
    """A CA certificate that issued none of the signers' certificates."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "another CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = folder / "another-ca.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_a_signer_no_anchor_vouches_for_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(_patient_named(released_form), "patient_signature", "patient", pki)
    report, lines = _verify(project, data, [_another_ca(project)])
    assert lines[-3] == (
        "patient_signature: certificate issued to 'Common Name: Test Patient'; intact, valid, "
        "signer NOT TRUSTED, covers everything but later signatures"
    )
    assert _altered(lines) == [] and report.altered and not report.unaltered


def test_a_page_stamped_and_then_signed_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(stamp_page(released_form, "NO RISKS"), "patient_signature", "patient", pki)
    report, lines = _verify(project, data, [pki["ca"]])
    problems = _altered(lines)
    assert len(problems) == 1 and problems[0].startswith(
        "changes beyond filling in and signing ("
    ), problems
    assert report.signatures[0].ok and report.signatures[0].covers_all_but_later_signatures


def test_a_page_stamped_and_not_signed_is_altered(project: Path, released_form: bytes) -> None:
    _, lines = _verify(project, stamp_page(released_form, "NO RISKS", page=1))
    problems = _altered(lines)
    assert len(problems) == 1 and problems[0].startswith("changes beyond filling in and signing")


def test_a_form_filled_in_and_never_signed_is_altered(project: Path, released_form: bytes) -> None:
    data = _update(released_form, _set_fields({"patient_name": "Ana"}))
    _, lines = _verify(project, data)
    assert _altered(lines) == ["it was changed after release and nobody signed the changes"]


def test_anything_after_the_last_signature_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    signed = sign(released_form, "patient_signature", "patient", pki)
    data = _update(signed, _set_fields({"provider_name": "Dr Who"}))
    _, lines = _verify(project, data, [pki["ca"]])
    assert _altered(lines) == [
        "it was changed after the last signature (patient_signature): anything unsigned after "
        "it, even document information, counts"
    ]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"teaching_exams_no": "/Off"},
            "teaching_exams_no changed after patient_signature was signed",
        ),
        (
            {"patient_name": "Someone else"},
            "patient_name changed after patient_signature was signed",
        ),
        (
            {"specific_risks": "none"},
            "specific_risks filled in after patient_signature was signed, although it was "
            "empty then and belongs to a signer who had signed",
        ),
        (
            {"teaching_exams_yes": "/Yes"},
            "teaching_exams_yes filled in after patient_signature was signed, although it was "
            "empty then and belongs to a signer who had signed",
        ),
        (
            {"teaching_exams_no": "/Off", "patient_name": "Someone else"},
            "patient_name, teaching_exams_no changed after patient_signature was signed",
        ),
        (
            {"teaching_exams_yes": "/Yes", "specific_risks": "none"},
            "specific_risks, teaching_exams_yes filled in after patient_signature was signed, "
            "although they were empty then and belong to a signer who had signed",
        ),
    ],
)
def test_what_the_patient_saw_stays_as_they_signed_it(
    project: Path, released_form: bytes, pki: dict[str, Path], values: dict[str, str], problem: str
) -> None:
    answered = _update(
        released_form, _set_fields({"teaching_exams_no": "/Yes", "patient_name": "Ana"})
    )
    signed = sign(answered, "patient_signature", "patient", pki)
    later = _update(signed, _set_fields({**values, "provider_name": "Dr Who"}))
    data = sign(later, "provider_signature", "provider", pki)
    _, lines = _verify(project, data, [pki["ca"]])
    assert _altered(lines) == [problem]


def test_a_field_added_after_a_signature_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    """pyHanko's difference analysis (layer 2) refuses it, and so does what the patient saw
    (layer 3), which had no such field."""
    signed = sign(released_form, "patient_signature", "patient", pki)
    text = [FieldPlacement("witness_name", "text", 1, (72, 200, 300, 220), "Witness")]
    data = sign(add_fields(signed, text, "Latn", b"1" * 16), "provider_signature", "provider", pki)
    _, lines = _verify(project, data, [pki["ca"]])
    assert _altered(lines) == [
        "changes beyond filling in and signing (More form fields added than expected: expected "
        "only set(), but found new fields named {'witness_name'}.)"
    ]
    # Layer 3 alone says so too.
    reader = PdfFileReader(io.BytesIO(data))
    embedded = sorted(reader.embedded_signatures, key=lambda sig: sig.signed_revision)
    assert what_signers_saw(reader, embedded) == [
        "field(s) witness_name added after patient_signature was signed"
    ]


def test_a_signature_field_of_no_signer_is_altered(tmp_path: Path, pki: dict[str, Path]) -> None:
    notary = [FieldPlacement("notary_signature", SIGNATURE, 1, (72, 100, 300, 130), "Notary")]
    form = _form(extra=notary)
    (tmp_path / "released.pdf").write_bytes(form)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    _, lines = _verify(tmp_path, sign(form, "notary_signature", "patient", pki), [pki["ca"]])
    assert _altered(lines) == [
        "notary_signature is not one of the released form's signature fields"
    ]


def test_a_form_signed_before_its_release_is_altered(
    tmp_path: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    signed = sign(released_form, "patient_signature", "patient", pki)
    (tmp_path / "released.pdf").write_bytes(signed)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    data = sign(signed, "provider_signature", "provider", pki)
    _, lines = _verify(tmp_path, data, [pki["ca"]])
    assert _altered(lines) == ["patient_signature was signed before the form was released"]


def test_rewritten_document_information_is_altered(project: Path, released_form: bytes) -> None:
    def rewrite(writer: IncrementalPdfFileWriter) -> None:
        writer.trailer["/Info"][pdf_name("/ConsentgenFormVersion")] = pdf_string("2.0")
        writer.update_container(writer.trailer["/Info"])

    report, lines = _verify(project, _update(released_form, rewrite))
    assert lines[1] == "form: CF-SPINE-014 version 1.0, locale en, status reviewed"
    assert _altered(lines)[0] == "its document information no longer matches the release"


@pytest.mark.parametrize(
    ("tail", "problem"),
    [
        (
            b"\n% appended\n",
            "bytes were appended after the released form that are not a PDF update",
        ),
        (b"\n%%EOF\n", "what follows the released form cannot be read (startxref not found)"),
    ],
)
def test_bytes_after_the_released_form_are_altered(
    project: Path, released_form: bytes, tail: bytes, problem: str
) -> None:
    _, lines = _verify(project, released_form + tail)
    assert _altered(lines) == [problem]


def test_data_after_a_signed_update_is_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(released_form, "patient_signature", "patient", pki) + b"\n% appended\n"
    _, lines = _verify(project, data, [pki["ca"]])
    assert _altered(lines) == ["data follows the last update"]


def test_a_changed_byte_is_not_the_released_form(project: Path, released_form: bytes) -> None:
    data = bytearray(released_form)
    data[data.index(b"bleeding")] ^= 0x20
    report, lines = _verify(project, bytes(data))
    assert (
        lines[2] == "released: NO - its first revision matches no form in any release of the ledger"
    )
    assert lines[-1] == (
        "result: NOT RELEASED FOR CLINICAL USE - no release of this project has this form "
        "(altered, a preview, or from elsewhere)"
    )
    assert report.released is None and not report.unaltered


@pytest.mark.parametrize(
    ("status", "why"),
    [("draft", ""), ("unapproved", " (its source text had no clinical approval)")],
)
def test_a_form_released_unreviewed_is_not_for_clinical_use(
    tmp_path: Path, status: str, why: str
) -> None:
    form = _form(status=status)
    (tmp_path / "released.pdf").write_bytes(form)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", status)
    report, lines = _verify(tmp_path, form)
    assert lines[-1] == (
        f"result: NOT RELEASED FOR CLINICAL USE - released as {status}{why}, not reviewed"
    )
    assert not report.for_clinical_use and not report.unaltered


def test_a_form_of_an_earlier_release_is_named_so(project: Path, released_form: bytes) -> None:
    newer = _form(version="1.1")
    record = json.loads((project / "releases" / "2099-01-01-1.json").read_text("utf-8"))
    record["released_at"] = "2099-02-01T00:00:00Z"
    record["forms"][0].update(form_version="1.1", bytes=len(newer))
    import hashlib

    record["forms"][0]["sha256"] = hashlib.sha256(newer).hexdigest()
    (project / "releases" / "2099-02-01-1.json").write_text(json.dumps(record), "utf-8")
    report, lines = _verify(project, released_form)
    assert lines[2] == (
        "released: yes - byte-identical to en/kyphoplasty.pdf of release 2099-01-01-1 "
        "(2099-01-01T00:00:00Z, an EARLIER release, NOT the current one (superseded by "
        "release 2099-02-01-1)), released as reviewed"
    )
    assert report.superseded_by is not None and report.unaltered
    _, lines = _verify(project, newer)
    assert "of release 2099-02-01-1 (2099-02-01T00:00:00Z, the current release)" in lines[2]


def test_an_unreadable_update_after_the_released_form_is_altered(
    project: Path, released_form: bytes
) -> None:
    broken = (
        released_form
        + b"\n1 0 obj\n<< /Broken\nxref\ngarbage\ntrailer\n<<>>\nstartxref\n0\n%%EOF\n"
    )
    report, lines = _verify(project, broken)
    assert report.released is not None and report.altered
    assert lines[-1] == ALTERED


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "not a regular file"),
        (lambda p: p.write_bytes(b"\x89PNG\r\n"), "not a PDF file"),
        (
            lambda p: p.write_bytes(b"%PDF-1.7\n" + b" " * 2_000_000),
            "2.0 MB, larger than a returned form may be: 1 MB (verify_max_mb in the settings)",
        ),
    ],
)
def test_what_is_not_a_returned_form_is_refused(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "returned.pdf"
    make(path)
    with pytest.raises(ConsentgenError) as raised:
        verify(path, [], [], max_bytes=1_000_000)
    assert raised.value.format_message() == f"{path}: {message}"


def test_a_trust_anchor_that_is_no_certificate_is_refused(
    project: Path, released_form: bytes
) -> None:
    (project / "returned.pdf").write_bytes(released_form)
    (project / "ca.pem").write_text("not a certificate", "utf-8")
    with pytest.raises(ConsentgenError) as raised:
        verify(project / "returned.pdf", [], [project / "ca.pem"])
    assert raised.value.format_message().startswith(f"{project / 'ca.pem'}: not a certificate (")


def test_verify_in_a_project_reads_its_ledger(project: Path, released_form: bytes) -> None:
    (project / "returned.pdf").write_bytes(released_form)
    with pytest.raises(ConsentgenError) as raised:
        verify_in_project(project / "elsewhere", project / "returned.pdf", [], [])
    assert "pyproject.toml" in raised.value.format_message() or "consentgen.toml" in (
        raised.value.format_message()
    )
    report = verify_in_project(
        project / "elsewhere", project / "returned.pdf", [project / "releases"], []
    )
    assert report.unaltered


# verify --fhir: the Consent of a verified form.


def test_a_verified_form_yields_its_consent_and_only_a_verified_one(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from consentgen.verify.records import write_consent

    data = sign(_patient_named(released_form), "patient_signature", "patient", pki)
    report, lines = _verify(project, data, [pki["ca"]])
    assert report.verified and lines[-1] == UNALTERED
    returned = project / "returned.pdf"
    out = project / "records" / "consent.json"
    out.parent.mkdir()
    write_consent(report, returned, out, "Riverside General Hospital")
    bundle = Bundle.model_validate_json(out.read_bytes())
    consent, reference = (entry.resource for entry in bundle.entry)
    (signature,) = [s for s in report.signatures if s.field == "patient_signature"]
    assert signature.signed_at is not None
    assert consent.patient.display == "Ana" and consent.performer[0].display == "Ana"
    assert consent.dateTime.isoformat() == signature.signed_at
    assert consent.organization[0].display == "Riverside General Hospital"
    attachment = consent.sourceAttachment
    assert (attachment.url, attachment.size) == ("../returned.pdf", len(data))
    assert attachment.title == report.released.path == "en/kyphoplasty.pdf"  # no PDF title
    assert consent.language == "en"
    assert {i.value for i in reference.identifier} == {"CF-SPINE-014", "CF-SPINE-014:1.0"}
    assert reference.context.related[0].reference == bundle.entry[0].fullUrl
    assert reference.relatesTo[0].code == "appends"  # to the released form's record
    assert bundle.timestamp is not None and bundle.timestamp.tzinfo is not None

    # When the patient signed, not when anyone else did.
    patient_at, earlier = "2026-12-07T10:00:00+00:00", "2026-12-07T09:00:00+00:00"
    report.signatures[0].signed_at = patient_at
    report.signatures.append(
        SignatureReport("witness_signature", True, "W", True, True, True, True, signed_at=earlier)
    )
    write_consent(report, returned, out, "Riverside General Hospital")
    consent = Bundle.model_validate_json(out.read_bytes()).entry[0].resource
    assert consent.dateTime.isoformat() == patient_at
    report.signatures[0].signed_at = None  # the patient's software gave no time: the first
    write_consent(report, returned, out, "Riverside General Hospital")
    consent = Bundle.model_validate_json(out.read_bytes()).entry[0].resource
    assert consent.dateTime.isoformat() == earlier

    # Signed for the patient by someone else: the record says so.
    report.values["patient_relationship"] = "daughter"
    write_consent(report, returned, out, "Riverside General Hospital")
    consent = Bundle.model_validate_json(out.read_bytes()).entry[0].resource
    assert consent.patient.display == "the patient represented by Ana (daughter)"
    assert consent.performer[0].display == "Ana"

    # Nobody named (a relationship alone says nothing of who): the form's label names the
    # patient.
    report.values["patient_name"] = ""
    write_consent(report, returned, out, "Riverside General Hospital")
    consent = Bundle.model_validate_json(out.read_bytes()).entry[0].resource
    assert consent.patient.display == "the patient named on the form"
    assert consent.performer is None

    # Not verified (no trust anchor): no Consent.
    unverified, _ = _verify(project, data)
    with pytest.raises(ValueError, match="^only a verified form has a Consent$"):
        write_consent(unverified, returned, project / "other.json", "Riverside General Hospital")
    assert not (project / "other.json").exists()


# Completeness, within verify: only of the form as released and signed.


def test_a_signed_form_missing_a_line_is_incomplete_and_an_altered_one_only_altered(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = sign(released_form, "patient_signature", "patient", pki)
    report, lines = _verify(project, data, [pki["ca"]])
    assert lines[-2:] == [
        "INCOMPLETE: patient_name is empty (the patient's printed name; patient signed)",
        "result: INCOMPLETE - unaltered released form, but 1 item(s) a surveyor would cite are "
        "missing",
    ]
    assert report.unaltered and not report.complete and not report.verified
    # The name written in after the patient signed, and the provider's signature on top: the
    # form is altered, and that is all it is (what is missing of an altered form is moot).
    later = _update(data, _set_fields({"patient_name": "Ana", "provider_name": "Dr Who"}))
    report, lines = _verify(
        project, sign(later, "provider_signature", "provider", pki), [pki["ca"]]
    )
    assert _altered(lines) and report.missing == []
    assert not [line for line in lines if line.startswith("INCOMPLETE")]


def test_a_signed_form_of_no_release_is_not_released_and_nothing_else(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    data = bytearray(released_form)
    data[data.index(b"bleeding")] ^= 0x20
    signed = sign(bytes(data), "patient_signature", "patient", pki)
    signed = sign(signed, "provider_signature", "provider", pki)
    report, lines = _verify(project, signed, [pki["ca"]])
    # Nothing to compare it with: no completeness, no problems, only the verdict.
    assert report.released is None and report.problems == [] and report.missing == []
    assert lines[-1].startswith("result: NOT RELEASED FOR CLINICAL USE - no release")
    # Each signature checked alone (pyHanko's own difference analysis): the first covers all
    # but the second, which only signs.
    assert [
        (s.field, s.ok, s.trusted, s.covers_all_but_later_signatures) for s in report.signatures
    ] == [
        ("patient_signature", True, True, True),
        ("provider_signature", True, True, True),
    ]
    assert all(s.signed_at and s.signed_at[:4].isdigit() for s in report.signatures)


def test_a_released_form_whose_end_cannot_be_found_is_altered(
    tmp_path: Path, released_form: bytes
) -> None:
    """A ledger entry of bytes that do not end a PDF revision (an older tool, a hand edit):
    nothing after them can be vouched for."""
    cut = released_form[:-40]
    (tmp_path / "released.pdf").write_bytes(cut)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    report, lines = _verify(tmp_path, released_form)
    assert _altered(lines) == ["the released form's end cannot be found"]
    assert report.released is not None and report.added_bytes == 40


def _settings_project(folder: Path, released_form: bytes, settings: str) -> Path:
    (folder / "released.pdf").write_bytes(released_form)
    hand_made_release(folder, folder / "released.pdf", "en", "reviewed")
    (folder / "pyproject.toml").write_text(
        '[tool.consentgen]\ninstitution_name = "Lakeside Clinic"\n'
        'hospital_phone_day = "(555) 555-0100"\nhospital_phone_night = "(555) 555-0101"\n'
        + settings,
        "utf-8",
    )
    return folder


def test_verify_in_a_project_takes_its_trust_anchors_limit_and_name(
    tmp_path: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    (tmp_path / "ca.pem").write_bytes(pki["ca"].read_bytes())
    project = _settings_project(tmp_path, released_form, 'trust_anchors = ["ca.pem"]\n')
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(sign(_patient_named(released_form), "patient_signature", "patient", pki))
    consent = tmp_path / "consent.json"
    report = verify_in_project(project, returned, [], [], fhir=consent)
    assert report.verified and report.trust_checked
    record = json.loads(consent.read_text("utf-8"))["entry"][0]["resource"]
    assert record["organization"] == [{"display": "Lakeside Clinic"}]
    assert record["patient"] == {"display": "Ana"}
    assert record["sourceAttachment"]["url"] == "returned.pdf"


def test_verify_outside_a_project_writes_a_consent_that_names_no_hospital(
    project: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    returned = project / "returned.pdf"
    returned.write_bytes(sign(_patient_named(released_form), "patient_signature", "patient", pki))
    consent = project / "consent.json"
    elsewhere = project / "elsewhere"  # no settings: the ledger is named
    report = verify_in_project(
        elsewhere, returned, [project / "releases"], [pki["ca"]], fhir=consent
    )
    assert report.verified
    record = json.loads(consent.read_text("utf-8"))["entry"][0]["resource"]
    assert "organization" not in record
    assert record["patient"] == {"display": "Ana"}


def test_verify_in_a_project_without_anchors_does_not_vouch_for_signers(
    tmp_path: Path, released_form: bytes, pki: dict[str, Path]
) -> None:
    project = _settings_project(tmp_path, released_form, "verify_max_mb = 0.5\n")
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(sign(_patient_named(released_form), "patient_signature", "patient", pki))
    consent = tmp_path / "consent.json"
    report = verify_in_project(project, returned, [], [], fhir=consent)
    assert report.signers_unverified and not report.unaltered and not consent.exists()
    accepted = verify_in_project(project, returned, [], [], accept_unverified=True, fhir=consent)
    assert accepted.unaltered and accepted.verified and consent.is_file()
    # Past the project's limit: refused before it is read.
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.7\n" + b" " * 600_000)
    with pytest.raises(ConsentgenError, match="larger than a returned form may be: 0.5 MB"):
        verify_in_project(project, tmp_path / "big.pdf", [], [])


def test_verify_outside_a_project_holds_files_to_50_mb(
    tmp_path: Path, released_form: bytes
) -> None:
    (tmp_path / "released.pdf").write_bytes(released_form)
    hand_made_release(tmp_path, tmp_path / "released.pdf", "en", "reviewed")
    huge = tmp_path / "huge.pdf"
    with huge.open("wb") as handle:
        handle.truncate(50_500_000)  # sparse: no disk used
    with pytest.raises(ConsentgenError) as caught:
        verify_in_project(tmp_path, huge, [tmp_path / "releases"], [])
    assert str(caught.value) == (
        f"{huge}: 50.5 MB, larger than a returned form may be: 50 MB (verify_max_mb in the "
        "settings)"
    )
